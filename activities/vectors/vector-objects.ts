/**
 * PostgreSQL rows as Weaviate objects: what is embedded, what is stored beside the vector, and the
 * content hash that tells whether the object in Weaviate (and its vector_sync_states row) is still
 * the row's current version. Pure mapping, plus the few reads the vector activities share.
 */
import crypto from 'node:crypto';
import type { PrismaClient } from '../../common/server/db.js';
import { WEAVIATE_SCHEMA_VERSION, type VectorObjectProperties } from '../../common/server/weaviate/schema.js';
import type { RecordType } from '../../messages/record-types-v1.js';

/** Longest text sent to the embedding provider: well inside every provider's context window. */
export const EMBED_MAX_CHARS = 8_000;

export interface VectorRecord {
  type: RecordType;
  id: string;
  tenantId: string;
  projectId: string;
  /** The text that is embedded. */
  embedInput: string;
  properties: VectorObjectProperties;
}

interface ObservationRow {
  id: string;
  tenantId: string;
  projectId: string;
  sessionId: string;
  kind: string;
  title: string;
  text: string;
  createdAt: Date;
}
type SummaryRow = ObservationRow;
interface LearningRow {
  id: string;
  tenantId: string;
  projectId: string;
  kind: string;
  title: string;
  body: string;
  appliesWhen?: string[];
  status: string;
  confidence: number;
  createdAt: Date;
}

/**
 * sha256 of everything written for a record, so any change (text, kind, status, ...) is seen. The
 * schema version is part of it: after a schema change every sync row is out of date, so the
 * sessions' syncs and reconciliation rewrite the rebuilt collections.
 */
function hashOf(embedInput: string, props: Omit<VectorObjectProperties, 'contentHash'>): string {
  const canonical = JSON.stringify([`v${WEAVIATE_SCHEMA_VERSION}`, embedInput, props.projectId, props.sessionId, props.kind, props.recordType, props.createdAt.toISOString(), props.status ?? null, props.confidence ?? null]);
  return crypto.createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function record(type: RecordType, row: { id: string; tenantId: string; projectId: string }, title: string, body: string, props: Omit<VectorObjectProperties, 'contentHash' | 'recordType' | 'projectId'>): VectorRecord {
  const embedInput = `${title}\n${body}`.slice(0, EMBED_MAX_CHARS);
  const base = { ...props, recordType: type, projectId: row.projectId };
  return { type, id: row.id, tenantId: row.tenantId, projectId: row.projectId, embedInput, properties: { ...base, contentHash: hashOf(embedInput, base) } };
}

export const observationRecord = (r: ObservationRow) => record('observation', r, r.title, r.text, { sessionId: r.sessionId, kind: r.kind, createdAt: r.createdAt });
export const summaryRecord = (r: SummaryRow) => record('summary', r, r.title, r.text, { sessionId: r.sessionId, kind: r.kind, createdAt: r.createdAt });
/** A learning is found by its words and by when it applies (a model's "applies when" phrases, when it has them). */
export const learningRecord = (r: LearningRow) =>
  record('learning', r, r.title, r.appliesWhen?.length ? `${r.body}\nApplies when: ${r.appliesWhen.join('; ')}` : r.body, { sessionId: '', kind: r.kind, createdAt: r.createdAt, status: r.status, confidence: r.confidence });

const observationSelect = { id: true, tenantId: true, projectId: true, sessionId: true, kind: true, title: true, text: true, createdAt: true } as const;
const learningSelect = { id: true, tenantId: true, projectId: true, kind: true, title: true, body: true, appliesWhen: true, status: true, confidence: true, createdAt: true } as const;

/** Rows of one type matching `where` (tenant, project, session, ids, id > after), by id, at most `take`. */
export async function loadRecords(
  prisma: PrismaClient,
  type: RecordType,
  filter: { tenantId?: string; projectId?: string; sessionId?: string; ids?: string[]; afterId?: string },
  take: number,
): Promise<VectorRecord[]> {
  const id = { ...(filter.ids ? { in: filter.ids } : {}), ...(filter.afterId ? { gt: filter.afterId } : {}) };
  const where = {
    ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
    ...(filter.projectId ? { projectId: filter.projectId } : {}),
    ...(Object.keys(id).length ? { id } : {}),
  };
  const page = { orderBy: { id: 'asc' as const }, take };
  // A session's rows are found by its own index, the tenant and project checked on the session's
  // row: with tenant_id among the rows' own conditions, a tenant the statistics do not know yet (a
  // new one, until the next ANALYZE) is estimated at one row, and PostgreSQL scanned the tenant's
  // index end to end for every session's sync (10 ms a call in bench:ingest, growing with the tenant).
  const bySession = filter.sessionId
    ? {
        sessionId: filter.sessionId,
        session: { ...(filter.tenantId ? { tenantId: filter.tenantId } : {}), ...(filter.projectId ? { projectId: filter.projectId } : {}) },
        ...(Object.keys(id).length ? { id } : {}),
      }
    : undefined;
  switch (type) {
    case 'observation':
      return (await prisma.observation.findMany({ where: bySession ?? where, select: observationSelect, ...page })).map(observationRecord);
    case 'summary':
      return (await prisma.summary.findMany({ where: bySession ?? where, select: observationSelect, ...page })).map(summaryRecord);
    case 'learning':
      return (await prisma.learning.findMany({ where, select: learningSelect, ...page })).map(learningRecord);
  }
}

/** Which of `ids` still exist as rows of `type` in the tenant. */
export async function existingIds(prisma: PrismaClient, type: RecordType, tenantId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const args = { where: { tenantId, id: { in: ids } }, select: { id: true } } as const;
  const rows =
    type === 'observation' ? await prisma.observation.findMany(args) : type === 'summary' ? await prisma.summary.findMany(args) : await prisma.learning.findMany(args);
  return new Set(rows.map((r) => r.id));
}
