/**
 * vector_sync_states: which record PostgreSQL holds is in Weaviate, in which embedding space and
 * with which content. The workers write it (after each Weaviate write) and read it (what to sync,
 * what is orphaned); the API's metrics count what is not synced yet. Every statement here is
 * bounded by a limit or by the ids it is given.
 */
import type { PrismaClient } from '../db.js';
import type { EmbeddingProvider } from '../embeddings/types.js';
import type { RecordType } from '../../../messages/record-types-v1.js';

/** The PostgreSQL table of each searchable record type (constants: safe to put in SQL text). */
export const TABLES: Record<RecordType, string> = { observation: 'observations', summary: 'summaries', learning: 'learnings' };

/**
 * The SQL condition, on a record `r` LEFT JOINed to its sync row `s`, of a record Weaviate lacks or
 * holds out of date: no sync row, or one not synced, or (learnings change in place) a learning
 * updated since it was synced.
 */
export function unsyncedCondition(type: RecordType): string {
  const changed = type === 'learning' ? ' OR r.updated_at > s.synced_at' : '';
  return `(s.id IS NULL OR s.status <> 'synced' OR s.synced_at IS NULL${changed})`;
}

export interface SyncState {
  recordId: string;
  status: string;
  contentHash: string;
  provider: string;
  model: string | null;
  dimension: number;
}

/**
 * The sync rows of records of one type, by record id: one unique-index probe per id. The lateral
 * LIMIT keeps the planner from turning it into a scan of every row of the type, which it did
 * (`record_id IN (...)` or a join) while the growing table had no statistics yet: reconciliation
 * steps then read all 300k rows of a fresh fill for 1000 ids (263 ms; this shape: 3 ms).
 */
export async function syncStates(prisma: PrismaClient, type: RecordType, ids: string[]): Promise<Map<string, SyncState>> {
  if (ids.length === 0) return new Map();
  const rows = await prisma.$queryRaw<SyncState[]>`
    SELECT s.record_id::text AS "recordId", s.status::text AS status, s.content_hash AS "contentHash",
           s.provider, s.model, s.dimension
    FROM unnest(${ids}::uuid[]) AS x(id)
    CROSS JOIN LATERAL (
      SELECT * FROM vector_sync_states v WHERE v.record_type = ${type}::vector_record_type AND v.record_id = x.id LIMIT 1
    ) s`;
  return new Map(rows.map((r) => [r.recordId, r]));
}

/** Whether a sync row says the record's current content is in Weaviate, in the provider's space. */
export function isCurrent(state: SyncState | undefined, contentHash: string, provider: EmbeddingProvider): boolean {
  return !!state && state.status === 'synced' && state.contentHash === contentHash && state.provider === provider.name && state.model === provider.model && state.dimension === provider.dimension;
}

/** A record as its sync row names it. */
export interface SyncedRecord {
  tenantId: string;
  projectId: string;
  type: RecordType;
  id: string;
  contentHash: string;
}

/** Records the outcome of writes (synced, or failed with `error`), one statement for all of them. */
export async function recordOutcome(prisma: PrismaClient, provider: EmbeddingProvider, records: SyncedRecord[], error?: string): Promise<void> {
  if (records.length === 0) return;
  const p = provider;
  const cols = {
    tenant: records.map((r) => r.tenantId),
    project: records.map((r) => r.projectId),
    type: records.map((r) => r.type),
    id: records.map((r) => r.id),
    hash: records.map((r) => r.contentHash),
  };
  // attempts counts consecutive failures of the current content; a success resets it.
  await prisma.$executeRaw`
    INSERT INTO vector_sync_states (tenant_id, project_id, record_type, record_id, provider, model, dimension, content_hash,
                                    weaviate_id, status, attempts, error, synced_at, updated_at)
    SELECT t.tenant_id, t.project_id, t.record_type::vector_record_type, t.record_id, ${p.name}, ${p.model}, ${p.dimension}, t.hash,
           t.record_id, ${error === undefined ? 'synced' : 'failed'}::vector_sync_status, ${error === undefined ? 0 : 1}, ${error ?? null},
           ${error === undefined ? new Date() : null}::timestamptz, now()
    FROM unnest(${cols.tenant}::uuid[], ${cols.project}::uuid[], ${cols.type}::text[], ${cols.id}::uuid[], ${cols.hash}::text[])
      AS t(tenant_id, project_id, record_type, record_id, hash)
    ON CONFLICT (record_type, record_id) DO UPDATE SET
      provider = EXCLUDED.provider, model = EXCLUDED.model, dimension = EXCLUDED.dimension,
      content_hash = EXCLUDED.content_hash, weaviate_id = EXCLUDED.weaviate_id, status = EXCLUDED.status,
      attempts = CASE WHEN EXCLUDED.status = 'synced' THEN 0 ELSE vector_sync_states.attempts + 1 END,
      error = EXCLUDED.error, synced_at = COALESCE(EXCLUDED.synced_at, vector_sync_states.synced_at), updated_at = now()`;
}

/** Learning ids of a project (after `afterId`) that Weaviate lacks, holds out of date, or holds in another space. */
export async function changedLearningIds(prisma: PrismaClient, provider: EmbeddingProvider, tenantId: string, projectId: string, afterId: string, limit: number): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(
    `SELECT r.id::text AS id FROM learnings r
     LEFT JOIN vector_sync_states s ON s.record_type = 'learning' AND s.record_id = r.id
     WHERE r.tenant_id = $1::uuid AND r.project_id = $2::uuid AND r.id > $3::uuid
       AND (${unsyncedCondition('learning')} OR s.provider <> $4 OR s.model IS DISTINCT FROM $5 OR s.dimension <> $6)
     ORDER BY r.id LIMIT $7`,
    tenantId,
    projectId,
    afterId,
    provider.name,
    provider.model,
    provider.dimension,
    limit,
  );
  return rows.map((r) => r.id);
}

/** A sync row whose record is gone. */
export interface OrphanState {
  id: string;
  tenantId: string;
  recordId: string;
}

/** Sync rows of one type (in scope, after row id `afterId`) whose record no longer exists, at most `limit`. */
export async function orphanStates(prisma: PrismaClient, type: RecordType, scope: { tenantId?: string; projectId?: string }, afterId: string, limit: number): Promise<OrphanState[]> {
  // TABLES holds constants; everything else is a bound parameter.
  return prisma.$queryRawUnsafe<OrphanState[]>(
    `SELECT s.id::text AS id, s.tenant_id::text AS "tenantId", s.record_id::text AS "recordId"
     FROM vector_sync_states s
     WHERE s.record_type = $1::vector_record_type AND s.id > $2::uuid
       AND ($3::uuid IS NULL OR s.tenant_id = $3::uuid) AND ($4::uuid IS NULL OR s.project_id = $4::uuid)
       AND NOT EXISTS (SELECT 1 FROM ${TABLES[type]} r WHERE r.id = s.record_id)
     ORDER BY s.id LIMIT $5`,
    type,
    afterId,
    scope.tenantId ?? null,
    scope.projectId ?? null,
    limit,
  );
}

/**
 * What the API's metrics count: per type, the records not synced yet (each type scanned at most
 * `cap` rows; the anti-join uses the unique (record_type, record_id) index) and the age of the
 * oldest of them in seconds.
 */
export function unsyncedLagSql(cap: number): string {
  return (Object.entries(TABLES) as [RecordType, string][])
    .map(
      ([type, table]) => `SELECT '${type}' AS type, count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age FROM (
          SELECT r.created_at FROM ${table} r
          LEFT JOIN vector_sync_states s ON s.record_type = '${type}' AND s.record_id = r.id
          WHERE ${unsyncedCondition(type)}
          LIMIT ${cap}) q`,
    )
    .join(' UNION ALL ');
}
