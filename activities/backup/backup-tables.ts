/**
 * What a backup holds: every table of the system of record, in foreign-key order (restore inserts in
 * this order), each with how its rows are selected for one tenant and for one project. Derived data is
 * left out: vector_sync_states and Weaviate's objects are rebuilt from these rows by reconciliation
 * (the vectors are a function of the text and the provider), and backups' own rows describe backups.
 */
export interface BackupTable {
  table: string;
  /** SQL condition selecting a tenant's rows ($1 = tenant id). */
  tenantWhere: string;
  /** SQL condition selecting one project's rows ($2 = project id); null = not project data. */
  projectWhere: string | null;
}

const byTenant = 'tenant_id = $1';
const byProject = 'project_id = $2';
const learningOf = (where: string) => `learning_id IN (SELECT id FROM learnings WHERE ${where})`;
const receiptOf = (where: string) => `receipt_id IN (SELECT id FROM context_receipts WHERE ${where})`;

export const BACKUP_TABLES: BackupTable[] = [
  { table: 'tenants', tenantWhere: 'id = $1', projectWhere: null },
  { table: 'api_keys', tenantWhere: byTenant, projectWhere: null },
  { table: 'projects', tenantWhere: byTenant, projectWhere: 'id = $2' },
  { table: 'sessions', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'hook_events', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'observations', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'prompts', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'summaries', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'learnings', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'learning_sources', tenantWhere: learningOf('tenant_id = $1'), projectWhere: learningOf('project_id = $2') },
  { table: 'learning_revisions', tenantWhere: learningOf('tenant_id = $1'), projectWhere: learningOf('project_id = $2') },
  // Injection receipts and their uptake: context ranking reads them (docs/receipts.md).
  { table: 'context_receipts', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'context_receipt_items', tenantWhere: receiptOf('tenant_id = $1'), projectWhere: receiptOf('project_id = $2') },
  { table: 'token_usage', tenantWhere: byTenant, projectWhere: null },
  { table: 'retention_policies', tenantWhere: byTenant, projectWhere: byProject },
  { table: 'erasure_tombstones', tenantWhere: byTenant, projectWhere: null },
  { table: 'audit_logs', tenantWhere: byTenant, projectWhere: null },
];

/** Columns computed by PostgreSQL (never written on restore). */
export const GENERATED_COLUMNS = ['search_vector', 'path_keys'];
