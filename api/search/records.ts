/**
 * Full memory records by id, for GET /v1/memories/{id}, POST /v1/memories:batchGet and
 * GET /v1/learnings: the details behind the compact search index (progressive disclosure).
 * Every read is filtered by the caller's tenant; another tenant's id is simply not found.
 */
import { trustTier } from '../../common/poison.js';
import type { Prisma, PrismaClient } from '../../common/db.js';

const SOURCE_SESSION = { select: { session: { select: { agentSessionId: true } } } } satisfies Prisma.ObservationDefaultArgs;

export const learningInclude = {
  project: { select: { name: true } },
  sources: {
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { observation: SOURCE_SESSION, summary: SOURCE_SESSION },
  },
} satisfies Prisma.LearningInclude;

type LearningRow = Prisma.LearningGetPayload<{ include: typeof learningInclude }>;

/** A learning with its evidence; `sessionId` of a source is the agent's session id. */
export function learningView(l: LearningRow) {
  return {
    id: l.id,
    type: 'learning' as const,
    project: l.project.name,
    kind: l.kind,
    origin: l.origin,
    tags: l.tags,
    title: l.title,
    body: l.body,
    confidence: l.confidence,
    strength: l.strength,
    status: l.status,
    lastStatedAt: l.lastStatedAt,
    validFrom: l.validFrom,
    validTo: l.validTo,
    supersededBy: l.supersededById,
    tokenCount: l.tokenCount,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
    /** Provenance (issue 19): trust tier, evidence of outcome, poisoning flags, branch and commit, citations. */
    trust: trustTier(l.origin, l.outcome),
    outcome: l.outcome,
    flags: l.flags,
    staleCount: l.staleCount,
    checkedAt: l.checkedAt,
    gitBranch: l.gitBranch,
    gitCommit: l.gitCommit,
    onDefaultBranch: l.onDefaultBranch,
    citations: l.citations,
    sources: l.sources.map((s) => ({
      observationId: s.observationId,
      summaryId: s.summaryId,
      sessionId: s.observation?.session.agentSessionId ?? s.summary?.session.agentSessionId ?? null,
      evidence: s.evidence,
      createdAt: s.createdAt,
    })),
  };
}

interface SessionRow {
  id: string;
  kind: string;
  title: string;
  text: string;
  tokenCount: number;
  createdAt: Date;
  project: { name: string };
  session: { agentSessionId: string };
}

/** What observations and summaries share; `sessionId` is the agent's session id. */
function sessionRecordHead<T extends 'observation' | 'summary'>(type: T, r: SessionRow) {
  return { id: r.id, type, project: r.project.name, sessionId: r.session.agentSessionId, kind: r.kind, title: r.title, text: r.text, tokenCount: r.tokenCount, createdAt: r.createdAt };
}

export type MemoryRecord = Record<string, unknown> & { id: string; type: 'observation' | 'summary' | 'learning' };

/**
 * The records of `ids` this tenant holds, keyed by id (ids of no record, or of another tenant, are
 * absent). With `types` (from resolveMemoryRefs) only the tables that hold them are read.
 */
export async function fetchMemories(prisma: PrismaClient, tenantId: string, ids: readonly string[], types?: ReadonlyMap<string, MemoryType>): Promise<Map<string, MemoryRecord>> {
  const of = (type: MemoryType) => (types ? ids.filter((id) => types.get(id) === type) : [...ids]);
  const where = (type: MemoryType) => ({ tenantId, id: { in: of(type) } });
  const session = { select: { agentSessionId: true } } as const;
  const project = { select: { name: true } } as const;
  const none = Promise.resolve([]);
  const [observations, summaries, learnings] = await Promise.all([
    of('observation').length ? prisma.observation.findMany({ where: where('observation'), include: { session, project } }) : none,
    of('summary').length ? prisma.summary.findMany({ where: where('summary'), include: { session, project } }) : none,
    of('learning').length
      ? prisma.learning.findMany({
          where: where('learning'),
          include: { ...learningInclude, revisions: { orderBy: { revision: 'asc' } } },
        })
      : Promise.resolve([]),
  ]);
  const out = new Map<string, MemoryRecord>();
  for (const o of observations) {
    out.set(o.id, { ...sessionRecordHead('observation', o), sequence: o.sequence, toolName: o.toolName, toolUseId: o.toolUseId });
  }
  for (const s of summaries) {
    out.set(s.id, {
      ...sessionRecordHead('summary', s),
      request: s.request,
      investigated: s.investigated,
      learned: s.learned,
      completed: s.completed,
      nextSteps: s.nextSteps,
      model: s.model,
      offline: s.offline,
      fromSequence: s.fromSequence,
      toSequence: s.toSequence,
      observationCount: s.observationCount,
      gitBranch: s.gitBranch,
      gitCommit: s.gitCommit,
      citations: s.citations,
    });
  }
  for (const l of learnings) {
    out.set(l.id, {
      ...learningView(l),
      history: l.revisions.map((r) => ({
        revision: r.revision,
        kind: r.kind,
        title: r.title,
        body: r.body,
        confidence: r.confidence,
        status: r.status,
        strength: r.strength,
        reason: r.reason,
        note: r.note,
        changedBy: r.changedBy,
        createdAt: r.createdAt,
      })),
    });
  }
  return out;
}

const FULL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The UUID range a hex prefix covers, as [lowest, highest]. */
function prefixRange(prefix: string): [string, string] {
  const hex = prefix.replace(/-/g, '');
  const fmt = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return [fmt(hex.padEnd(32, '0')), fmt(hex.padEnd(32, 'f'))];
}

export type MemoryType = MemoryRecord['type'];

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
  const ranges = refs.map((ref) => (FULL_UUID.test(ref) ? [ref, ref] : prefixRange(ref)));
  const rows = await prisma.$queryRaw<{ ref: string; type: MemoryType; id: string }[]>`
    SELECT r.ref, x.type, x.id::text AS id
    FROM unnest(${[...refs]}::text[], ${ranges.map((r) => r[0])}::uuid[], ${ranges.map((r) => r[1])}::uuid[]) AS r(ref, lo, hi)
    CROSS JOIN LATERAL (
      (SELECT 'observation' AS type, id FROM observations WHERE tenant_id = ${tenantId}::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
      UNION ALL
      (SELECT 'summary', id FROM summaries WHERE tenant_id = ${tenantId}::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
      UNION ALL
      (SELECT 'learning', id FROM learnings WHERE tenant_id = ${tenantId}::uuid AND id BETWEEN r.lo AND r.hi LIMIT 2)
    ) AS x`;
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
