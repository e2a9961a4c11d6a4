/**
 * Injection receipts in PostgreSQL (docs/receipts.md): each serving of context to an agent writes
 * one receipt (idempotent on its key: a retried SessionStart writes once) with its items; when the
 * receiving session closes, its receipts' items are judged used or unused from what the session
 * did (common/rules/uptake.ts); context ranking reads each candidate's uptake back. The records an
 * agent's MCP tools are handed (GET /v1/search and POST /v1/memories:batchGet with a `channel`: a
 * person's search is no injection) get theirs here too (recordServedRecords); the context servings'
 * own (SessionStart, GET /v1/context) are written by api/context/context-receipt.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.js';
import type { PgPool } from './pg.js';
import { countTokens } from '../rules/tokens.js';
import { judgeUptake, sessionActivity, type ReceivedItem } from '../rules/uptake.js';
import type { KindUptake, UptakeStats } from '../rules/uptake-ranking.js';
import type { ObservationLine } from '../rules/check-outcomes.js';

export interface ReceiptItemInput {
  id: string;
  type: string;
  tokens: number;
  score: number;
  reason: string;
}

export interface ReceiptInput {
  tenantId: string;
  projectId: string;
  /** The session that received it (sessions.id), when known. */
  sessionId?: string | null;
  /** The agent's own session id, when the caller named it (memflow may not know the session yet). */
  agentSessionId?: string | null;
  /** session_start, mcp_tool:<name>, resource or api. */
  channel: string;
  /** The same key twice (a retried request) writes one receipt. */
  idempotencyKey: string;
  budget: number;
  totalTokens: number;
  items: ReceiptItemInput[];
  /** Candidates left out, with why (the first WITHHELD_KEPT are kept). */
  withheld?: ReceiptItemInput[];
}

/** Left-out candidates a receipt keeps, at most. */
export const WITHHELD_KEPT = 20;

/** Uptake is read from the last 90 days of receipts: what an agent did a season ago says little. */
const UPTAKE_WINDOW_DAYS = 90;

const WRITE_SQL = `
with r as (
  insert into context_receipts (tenant_id, project_id, session_id, channel, idempotency_key, budget, total_tokens, withheld, agent_session_id)
  values ($1, $2, $3, $4, $5, $6, $7, $13::jsonb, $14)
  on conflict (tenant_id, idempotency_key) do nothing
  returning id)
insert into context_receipt_items (receipt_id, position, item_type, item_id, tokens, score, reason)
select r.id, x.ord::int - 1, x.item_type, x.item_id, x.tokens, x.score, x.reason
  from r, unnest($8::text[], $9::uuid[], $10::int[], $11::float8[], $12::text[]) with ordinality as x(item_type, item_id, tokens, score, reason, ord)`;

/** Writes a receipt and its items in one statement; a repeated key writes nothing. */
export async function writeReceipt(pool: PgPool, r: ReceiptInput): Promise<void> {
  await pool.query(WRITE_SQL, [
    r.tenantId,
    r.projectId,
    r.sessionId ?? null,
    r.channel.slice(0, 80),
    r.idempotencyKey.slice(0, 300),
    r.budget,
    r.totalTokens,
    r.items.map((i) => i.type),
    r.items.map((i) => i.id),
    r.items.map((i) => i.tokens),
    r.items.map((i) => (Number.isFinite(i.score) ? i.score : 0)),
    r.items.map((i) => i.reason),
    JSON.stringify((r.withheld ?? []).slice(0, WITHHELD_KEPT).map((i) => ({ id: i.id, type: i.type, score: Number.isFinite(i.score) ? Math.round(i.score * 100) / 100 : 0, reason: i.reason }))),
    r.agentSessionId?.slice(0, 200) ?? null,
  ]);
}

/** A record handed over by search or get: the text the agent reads of it, and why it is there. */
export interface ServedRecord {
  id: string;
  type: string;
  project: string | undefined;
  text: string;
  score: number;
  reason: string;
}

/**
 * One receipt per project of the records (no token budget: 0), keyed per request. A receipt that
 * cannot be written is logged, never a failed answer: the agent's records matter more than their
 * accounting.
 */
export async function recordServedRecords(pool: PgPool, log: Pick<Logger, 'warn'>, tenantId: string, channel: string, records: ServedRecord[]): Promise<void> {
  const byProject = new Map<string, ServedRecord[]>();
  for (const r of records) if (r.project) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
  if (byProject.size === 0) return;
  // The projects' ids by name, within the tenant (a name it does not hold gets no receipt).
  const { rows: projects } = await pool.query<{ id: string; name: string }>('select id, name from projects where tenant_id = $1 and name = any($2::text[])', [tenantId, [...byProject.keys()]]);
  const idOf = new Map(projects.map((p) => [p.name, p.id]));
  for (const [project, rows] of byProject) {
    const projectId = idOf.get(project);
    if (!projectId) continue;
    const items = rows.map((r) => ({ id: r.id, type: r.type, tokens: countTokens(r.text), score: r.score, reason: r.reason }));
    const totalTokens = items.reduce((a, i) => a + i.tokens, 0);
    await writeReceipt(pool, { tenantId, projectId, channel, idempotencyKey: `${channel}:${randomUUID()}`, budget: 0, totalTokens, items }).catch((err: Error) =>
      log.warn({ err: err.message, tenantId, channel }, 'injection receipt not written'),
    );
  }
}

/**
 * How often each of `ids` was handed over to a session that has closed since, and used there; and
 * how often each kind of item (learning, summary, observation) was used in the project.
 */
/**
 * The items of a project's receipts judged within the window ($1 tenant, $2 project): what uptake
 * is counted from, here and in the start context's one statement (api/context/context-candidates.ts).
 */
export const JUDGED_SQL = `
  select i.item_id, i.item_type, i.used, r.created_at from context_receipt_items i join context_receipts r on r.id = i.receipt_id
   where r.tenant_id = $1 and r.project_id = $2 and i.used is not null and r.created_at > now() - make_interval(days => ${UPTAKE_WINDOW_DAYS})`;

export async function readUptakeStats(pool: PgPool, tenantId: string, projectId: string, ids: string[]): Promise<{ items: Map<string, UptakeStats>; kinds: Map<string, KindUptake> }> {
  const { rows } = await pool.query<{ item_id: string | null; item_type: string | null; injected: string; used: string; last_at: Date }>(
    `with judged as (${JUDGED_SQL})
     select item_id, null as item_type, count(*) as injected, count(*) filter (where used) as used, max(created_at) as last_at
       from judged where item_id = any($3::uuid[]) group by item_id
     union all
     select null, item_type, count(*), count(*) filter (where used), max(created_at) from judged group by item_type`,
    [tenantId, projectId, [...new Set(ids)]],
  );
  const items = new Map<string, UptakeStats>();
  const kinds = new Map<string, KindUptake>();
  for (const r of rows) {
    if (r.item_id) items.set(r.item_id, { injected: Number(r.injected), used: Number(r.used), lastInjectedAt: r.last_at });
    else if (r.item_type) kinds.set(r.item_type, { judged: Number(r.injected), used: Number(r.used) });
  }
  return { items, kinds };
}

/**
 * Receipts served before memflow knew their session (a prompt's or a file's push read by the relay while
 * the SessionStart was still in its spool) name the agent's session id: they are the session's. Receipts
 * served without a session (an MCP tool or resource: the MCP server does not know the agent's session)
 * belong to the project's one session that was running when they were served; when two sessions of the
 * project overlapped then, the receipt stays unattributed.
 */
const ATTRIBUTE_SQL = `
with named as (
  update context_receipts r set session_id = s.id
    from sessions s
   where s.id = $2 and s.tenant_id = $1 and r.tenant_id = $1 and r.project_id = s.project_id and r.session_id is null
     and r.agent_session_id = s.agent_session_id
  returning r.id
)
update context_receipts r set session_id = s.id
  from sessions s
 where s.id = $2 and s.tenant_id = $1 and r.tenant_id = $1 and r.project_id = s.project_id and r.session_id is null
   and r.agent_session_id is null
   and r.created_at >= s.started_at and r.created_at <= coalesce(s.ended_at, now())
   and not exists (select 1 from sessions o where o.tenant_id = $1 and o.project_id = s.project_id and o.id <> s.id
                    and o.started_at <= r.created_at and coalesce(o.ended_at, now()) >= r.created_at)`;

/** The items of a session's receipts not yet judged, with the records they name. */
const PENDING_SQL = `
select i.receipt_id, i.position, i.item_type as type, i.item_id as id,
       coalesce(l.kind::text, su.kind::text, o.kind::text, '') as kind,
       coalesce(l.title, su.title, o.title, '') as title,
       left(coalesce(l.body, su.text, o.text, ''), 8000) as text,
       coalesce(l.citations, su.citations, '[]'::jsonb) as citations,
       o.tool_name
  from context_receipts r join context_receipt_items i on i.receipt_id = r.id
  left join learnings l on i.item_type = 'learning' and l.id = i.item_id
  left join summaries su on i.item_type = 'summary' and su.id = i.item_id
  left join observations o on i.item_type = 'observation' and o.id = i.item_id
 where r.tenant_id = $1 and r.session_id = $2 and i.used is null`;

/**
 * What the session did: its tool calls and its final answers, in order (inputs cut to what a match
 * needs). Found by the session's own index, the tenant checked on the session's row (see loadRecords
 * in activities/vectors/vector-objects.ts: a tenant unknown to the statistics misleads the planner).
 */
const ACTIVITY_SQL = `
select o.sequence, o.kind::text as kind, o.tool_name as "toolName", o.title, left(o.text, 20000) as text
  from observations o join sessions s on s.id = o.session_id and s.tenant_id = $1
 where o.session_id = $2 and o.kind in ('tool', 'stop') order by o.sequence`;

export interface UptakeOutcome {
  judged: number;
  used: number;
}

/** Judges every item the session received and has not been judged yet; running it again changes nothing. */
export async function measureSessionUptake(pool: PgPool, tenantId: string, sessionId: string): Promise<UptakeOutcome> {
  await pool.query(ATTRIBUTE_SQL, [tenantId, sessionId]);
  const pending = await pool.query<ReceivedItem & { receipt_id: string; position: number }>(PENDING_SQL, [tenantId, sessionId]);
  if (pending.rows.length === 0) return { judged: 0, used: 0 };
  const observations = await pool.query<ObservationLine>(ACTIVITY_SQL, [tenantId, sessionId]);
  const activity = sessionActivity(observations.rows);
  const verdicts = pending.rows.map((item) => ({ item, ...judgeUptake(item, activity) }));
  await pool.query(
    `with v as (select * from unnest($1::uuid[], $2::int[], $3::bool[], $4::text[]) as v(receipt_id, position, used, evidence)),
          u as (update context_receipt_items i set used = v.used, evidence = v.evidence from v
                 where i.receipt_id = v.receipt_id and i.position = v.position and i.used is null returning i.receipt_id)
     update context_receipts set uptake_measured_at = now() where id in (select receipt_id from u) and uptake_measured_at is null`,
    [verdicts.map((v) => v.item.receipt_id), verdicts.map((v) => v.item.position), verdicts.map((v) => v.used), verdicts.map((v) => v.evidence)],
  );
  return { judged: verdicts.length, used: verdicts.filter((v) => v.used).length };
}
