/**
 * Full memory records by id, for GET /v1/memories/{id}, POST /v1/memories:batchGet and
 * GET /v1/learnings: the details behind the compact search index (progressive disclosure).
 * Every read is filtered by the caller's tenant; another tenant's id is simply not found.
 */
import { trustTier } from '../../common/rules/poison.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import type { LearningRecord, LearningRevision, LearningSource, MemoryRecord, ObservationRecord, SummaryRecord } from '../../messages/api-v1.js';
import { actorNameSql, approvalSql, statedBySql } from '../../common/server/learning-revisions.js';
import { queryPrepared } from '../search/search-types.js';
import { summaryHoldSql } from '../../common/server/review-hold.js';

/** Runs one SQL statement with positional parameters: a pg pool's or Prisma's ($queryRawUnsafe). */
export type SqlRunner = <R>(text: string, values: unknown[]) => Promise<R[]>;

/**
 * On a pg pool, each statement is prepared once per connection (api/search/search-types.ts), so PostgreSQL does not plan
 * it again on every call: planning READ_SQL (three tables, their joins and a learning's sources and
 * revisions) took ~20 ms here, several times its execution.
 */
export const pgRunner = (pool: PgPool): SqlRunner => <R>(text: string, values: unknown[]) => queryPrepared(pool, text, values) as Promise<R[]>;
export const prismaRunner = (prisma: PrismaClient): SqlRunner => <R>(text: string, values: unknown[]) => prisma.$queryRawUnsafe<R[]>(text, ...values);

/**
 * Each field of a record, as the SQL expression that reads it: one entry per field of the shapes in
 * messages/api-v1.ts (the compiler checks there is exactly one for each), built into one JSON object
 * per row. Timestamps come back as strings and become ISO 8601 in revive(); a learning's trust tier is
 * computed there from its origin and outcome.
 */
type Columns<R> = { [K in keyof R]-?: string };

const OBSERVATION_COLUMNS = {
  id: 'o.id::text', type: "'observation'", project: 'p.name', sessionId: 's.agent_session_id', kind: 'o.kind::text', title: 'o.title',
  text: 'o.text', tokenCount: 'o.token_count', createdAt: 'o.created_at', sequence: 'o.sequence', toolName: 'o.tool_name', toolUseId: 'o.tool_use_id',
} satisfies Columns<ObservationRecord>;

const SUMMARY_COLUMNS = {
  id: 'm.id::text', type: "'summary'", project: 'p.name', sessionId: 's.agent_session_id', kind: 'm.kind::text', title: 'm.title',
  text: 'm.text', tokenCount: 'm.token_count', createdAt: 'm.created_at', request: 'm.request', investigated: 'm.investigated',
  learned: 'm.learned', completed: 'm.completed', nextSteps: 'm.next_steps', model: 'm.model', offline: 'm.offline',
  fromSequence: 'm.from_sequence', toSequence: 'm.to_sequence', observationCount: 'm.observation_count', gitBranch: 'm.git_branch',
  gitCommit: 'm.git_commit', citations: 'm.citations', heldBy: summaryHoldSql('m'),
} satisfies Columns<SummaryRecord>;

const SOURCE_COLUMNS = {
  observationId: 'ls.observation_id::text', summaryId: 'ls.summary_id::text', sessionId: 'coalesce(so.agent_session_id, sm.agent_session_id)',
  evidence: 'ls.evidence', createdAt: 'ls.created_at',
} satisfies Columns<LearningSource>;

const REVISION_COLUMNS = {
  revision: 'r.revision', kind: 'r.kind::text', title: 'r.title', body: 'r.body', confidence: 'r.confidence', status: 'r.status::text',
  strength: 'r.strength', reason: 'r.reason', note: 'r.note', changedBy: 'r.changed_by', by: actorNameSql('r.changed_by'), createdAt: 'r.created_at',
} satisfies Columns<LearningRevision>;

/** json_build_object('field', expression, ...) of a column table. */
const jsonOf = (columns: Record<string, string>) => `json_build_object(${Object.entries(columns).map(([k, v]) => `'${k}', ${v}`).join(', ')})`;

const LEARNING_COLUMNS = {
  id: 'l.id::text', type: "'learning'", project: 'p.name', kind: 'l.kind::text', origin: 'l.origin', tags: 'l.tags', title: 'l.title',
  body: 'l.body', confidence: 'l.confidence', strength: 'l.strength', status: 'l.status::text', lastStatedAt: 'l.last_stated_at',
  validFrom: 'l.valid_from', validTo: 'l.valid_to', supersededBy: 'l.superseded_by_id::text', tokenCount: 'l.token_count',
  createdAt: 'l.created_at', updatedAt: 'l.updated_at', trust: 'NULL', outcome: 'l.outcome', flags: 'l.flags',
  staleCount: 'l.stale_count', checkedAt: 'l.checked_at', gitBranch: 'l.git_branch', gitCommit: 'l.git_commit',
  onDefaultBranch: 'l.on_default_branch', citations: 'l.citations', editedBy: 'l.edited_by',
  // Attribution (issue 51), from the revisions: who stated it, who approved it in review and when.
  statedBy: statedBySql('l'), approvedBy: approvalSql('l.id', 'by'), approvedAt: approvalSql('l.id', 'at'),
  sources: `coalesce((
    SELECT json_agg(${jsonOf(SOURCE_COLUMNS)} ORDER BY ls.created_at, ls.id)
      FROM learning_sources ls
      LEFT JOIN observations so_o ON so_o.id = ls.observation_id LEFT JOIN sessions so ON so.id = so_o.session_id
      LEFT JOIN summaries sm_m ON sm_m.id = ls.summary_id LEFT JOIN sessions sm ON sm.id = sm_m.session_id
     WHERE ls.learning_id = l.id), '[]'::json)`,
  history: `coalesce((SELECT json_agg(${jsonOf(REVISION_COLUMNS)} ORDER BY r.revision) FROM learning_revisions r WHERE r.learning_id = l.id), '[]'::json)`,
} satisfies Columns<LearningRecord>;

const OBSERVATION_JSON = jsonOf(OBSERVATION_COLUMNS);
const SUMMARY_JSON = jsonOf(SUMMARY_COLUMNS);
const LEARNING_JSON = jsonOf(LEARNING_COLUMNS);

/** Each ref ($2) with its range ($3, $4) and the records of tenant $1 in it, two at most per table. */
const HIT_SQL = `
  SELECT r.ref, x.type, x.id
    FROM unnest($2::text[], $3::uuid[], $4::uuid[]) AS r(ref, lo, hi)
    CROSS JOIN LATERAL (
      (SELECT 'observation' AS type, id FROM observations WHERE tenant_id = $1::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
      UNION ALL
      (SELECT 'summary', id FROM summaries WHERE tenant_id = $1::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
      UNION ALL
      (SELECT 'learning', id FROM learnings WHERE tenant_id = $1::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
    ) AS x`;

/**
 * Memory refs (full ids or hex prefixes) to the tenant's records, in one statement: each ref is
 * looked up among observations, summaries and learnings by id range (the primary keys answer it; a
 * full UUID is a range of one), and a ref that names exactly one record comes back with that record
 * whole — a learning with its sources and revisions. One round trip, where resolving first and then
 * reading each table took two on top of the key lookup.
 */
const READ_SQL = `
WITH hit AS (${HIT_SQL}), one AS (
  SELECT ref, count(*)::int AS n, (array_agg(type))[1] AS type, (array_agg(id))[1] AS id FROM hit GROUP BY ref
)
SELECT one.ref, one.n,
  CASE WHEN one.n > 1 THEN NULL
       WHEN one.type = 'observation' THEN (
         SELECT ${OBSERVATION_JSON} FROM observations o JOIN projects p ON p.id = o.project_id JOIN sessions s ON s.id = o.session_id
          WHERE o.id = one.id AND o.tenant_id = $1::uuid)
       WHEN one.type = 'summary' THEN (
         SELECT ${SUMMARY_JSON} FROM summaries m JOIN projects p ON p.id = m.project_id JOIN sessions s ON s.id = m.session_id
          WHERE m.id = one.id AND m.tenant_id = $1::uuid)
       ELSE (
         SELECT ${LEARNING_JSON} FROM learnings l JOIN projects p ON p.id = l.project_id
          WHERE l.id = one.id AND l.tenant_id = $1::uuid)
  END AS record
FROM one`;

const DATES = ['createdAt', 'updatedAt', 'lastStatedAt', 'validFrom', 'validTo', 'checkedAt', 'approvedAt'] as const;
const iso = (v: unknown) => (typeof v === 'string' ? new Date(v).toISOString() : v);

/** PostgreSQL's JSON timestamps as ISO 8601 (as the API has always written them), and a learning's trust tier. */
function revive(r: Record<string, unknown>): MemoryRecord {
  for (const k of DATES) if (k in r) r[k] = iso(r[k]);
  for (const list of [r.sources, r.history]) {
    if (Array.isArray(list)) for (const e of list as Record<string, unknown>[]) e.createdAt = iso(e.createdAt);
  }
  if (r.type === 'learning') r.trust = trustTier(r.origin as string, r.outcome as string);
  return r as MemoryRecord;
}

export interface ReadMemories {
  /** ref -> the one record it names. */
  records: Map<string, MemoryRecord>;
  /** Prefixes that start more than one of the tenant's records. */
  ambiguous: string[];
}

/** The records that `refs` name in this tenant (see READ_SQL); refs of nothing are simply absent. */
export async function readMemories(sql: SqlRunner, tenantId: string, refs: readonly string[]): Promise<ReadMemories> {
  const records = new Map<string, MemoryRecord>();
  const ambiguous: string[] = [];
  if (refs.length === 0) return { records, ambiguous };
  const rows = await sql<{ ref: string; n: number; record: Record<string, unknown> | null }>(READ_SQL, hitParams(tenantId, refs));
  for (const row of rows) {
    if (row.n > 1) ambiguous.push(row.ref);
    else if (row.record) records.set(row.ref, revive(row.record));
  }
  return { records, ambiguous };
}

/**
 * The records of `ids` this tenant holds, keyed by id (ids of no record, or of another tenant, are
 * absent).
 */
export async function fetchMemories(prisma: PrismaClient, tenantId: string, ids: readonly string[]): Promise<Map<string, MemoryRecord>> {
  const { records } = await readMemories(prismaRunner(prisma), tenantId, ids);
  return new Map([...records.values()].map((r) => [r.id, r]));
}

/** The records of `ids` this tenant holds, in the order of `ids` (ids of no record are left out). */
export async function memoriesInOrder(prisma: PrismaClient, tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
  const records = await fetchMemories(prisma, tenantId, ids);
  return ids.flatMap((id) => records.get(id) ?? []);
}

const FULL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The UUID range a hex prefix covers, as [lowest, highest]. */
function prefixRange(prefix: string): [string, string] {
  const hex = prefix.replace(/-/g, '');
  const fmt = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return [fmt(hex.padEnd(32, '0')), fmt(hex.padEnd(32, 'f'))];
}

export type MemoryType = MemoryRecord['type'];

/** HIT_SQL's parameters: the tenant, the refs, and the id range each one covers. */
function hitParams(tenantId: string, refs: readonly string[]): unknown[] {
  const ranges = refs.map((ref) => (FULL_UUID.test(ref) ? [ref, ref] : prefixRange(ref)));
  return [tenantId, [...refs], ranges.map((r) => r[0]), ranges.map((r) => r[1])];
}

export interface ResolvedRefs {
  /** ref -> the full id of the one record it names. */
  ids: Map<string, string>;
  /** Prefixes that start more than one of the tenant's records. */
  ambiguous: string[];
  /** The table each resolved id lives in, so that fetching reads only those. */
  types: Map<string, MemoryType>;
}

/**
 * Full ids for memory refs, and the table of each: full UUIDs and prefixes alike are looked up among
 * the tenant's observations, summaries and learnings by id range (a full UUID is a range of one),
 * which the primary keys answer — all refs in one statement, one round trip.
 */
export async function resolveMemoryRefs(prisma: PrismaClient, tenantId: string, refs: readonly string[]): Promise<ResolvedRefs> {
  const ids = new Map<string, string>();
  const types = new Map<string, MemoryType>();
  const ambiguous: string[] = [];
  if (refs.length === 0) return { ids, ambiguous, types };
  const rows = await prismaRunner(prisma)<{ ref: string; type: MemoryType; id: string }>(`SELECT ref, type, id::text AS id FROM (${HIT_SQL}) AS hit`, hitParams(tenantId, refs));
  const byRef = new Map<string, { type: MemoryType; id: string }[]>();
  for (const row of rows) byRef.set(row.ref, [...(byRef.get(row.ref) ?? []), row]);
  for (const [ref, found] of byRef) {
    if (found.length > 1) ambiguous.push(ref);
    else {
      ids.set(ref, found[0]!.id);
      types.set(found[0]!.id, found[0]!.type);
    }
  }
  return { ids, ambiguous, types };
}
