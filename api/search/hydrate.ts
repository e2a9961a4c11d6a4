/**
 * Turns fused references into the compact index entries of GET /v1/search, reading titles, text for
 * the snippet and the agent's session id from PostgreSQL — the system of record. The scope is
 * applied again here, so a record another leg returned (Weaviate, which may lag a deletion or hold
 * a stale copy) is shown only if PostgreSQL still holds it for this tenant and filter. The snippet
 * of each entry is cut last (makeSnippet).
 */
import type { PgPool } from '../../common/server/pg.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { approvalSql } from '../../common/server/learning-revisions.js';
import { agentSql } from '../provenance/agent.js';
import { queryPrepared, scopeClauses, SqlParams, refKey, type RankedRef, type RecordType, type SearchResult, type SearchScope } from './search-types.js';

/** Longest prefix of a body read for the snippet (the window is taken from it). */
const SNIPPET_SOURCE_CHARS = 4000;

/** The agent session of a learning: the session of its earliest source observation or summary. */
const LEARNING_SESSION = `(select s from learning_sources ls
    left join observations o on o.id = ls.observation_id
    left join summaries su on su.id = ls.summary_id
    join sessions s on s.id = coalesce(o.session_id, su.session_id)
    where ls.learning_id = t.id order by ls.created_at, ls.id limit 1)`;

const SELECTS: Record<RecordType, (where: string, ids: string) => string> = {
  observation: (where, ids) => `select 'observation' as type, t.id, t.title, left(t.text, ${SNIPPET_SOURCE_CHARS}) as text, s.agent_session_id as session_id, ${agentSql('s')} as agent, t.created_at, null::text as edited_by, null::text as approved_by, null::text as status
    from observations t join sessions s on s.id = t.session_id where ${where} and t.id = any(${ids}::uuid[]) and ${notSelfActivitySql('t')}
      and t.kind not in ('start', 'end')`,
  summary: (where, ids) => `select 'summary' as type, t.id, t.title, left(t.text, ${SNIPPET_SOURCE_CHARS}) as text, s.agent_session_id as session_id, ${agentSql('s')} as agent, t.created_at, null::text as edited_by, null::text as approved_by, null::text as status
    from summaries t join sessions s on s.id = t.session_id where ${where} and t.id = any(${ids}::uuid[])`,
  learning: (where, ids) => `select 'learning' as type, t.id, t.title, left(t.body, ${SNIPPET_SOURCE_CHARS}) as text, (f.s).agent_session_id as session_id,
      case when f.s is null then null else ${agentSql('(f.s)')} end as agent, t.created_at, t.edited_by::text, ${approvalSql('t.id', 'by')} as approved_by, t.status::text
    from learnings t left join lateral (select ${LEARNING_SESSION} as s) f on true where ${where} and t.id = any(${ids}::uuid[])`,
};

interface Row {
  type: RecordType;
  id: string;
  title: string;
  text: string;
  session_id: string | null;
  agent: string | null;
  created_at: Date;
  edited_by: string | null;
  approved_by: string | null;
  status: string | null;
}

const flat = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * The hydrated entries of `refs`, in their order, each scoped again. Not an answer to the question:
 * an observation whose whole text is the question itself — the asking session's just-submitted
 * prompt, when an agent searches with its task (it ranked first with 5.80 against 0.46 for the next).
 */
export async function hydrateResults(pool: PgPool, refs: readonly RankedRef[], scope: SearchScope, query: string): Promise<SearchResult[]> {
  if (refs.length === 0) return [];
  const p = new SqlParams();
  const parts: string[] = [];
  for (const type of Object.keys(SELECTS) as RecordType[]) {
    const ids = refs.filter((r) => r.type === type).map((r) => r.id);
    if (ids.length > 0) parts.push(SELECTS[type](scopeClauses(scope, p, type), p.add(ids)));
  }
  const rows = await queryPrepared<Row>(pool, parts.join(' union all '), p.values);
  const byKey = new Map(rows.map((r) => [refKey(r), r]));
  const out: SearchResult[] = [];
  for (const ref of refs) {
    const row = byKey.get(refKey(ref));
    if (!row || (row.type === 'observation' && flat(row.text) === flat(query))) continue;
    out.push({
      id: row.id,
      type: row.type,
      title: row.title,
      snippet: makeSnippet(row.text, query),
      score: Number(ref.score.toFixed(6)),
      sessionId: row.session_id,
      agent: row.agent,
      createdAt: row.created_at.toISOString(),
      ...(row.edited_by ? { editedBy: row.edited_by } : {}),
      ...(row.approved_by ? { approvedBy: row.approved_by } : {}),
      ...(row.status === 'pending' ? { status: 'pending' as const } : {}),
    });
  }
  return out;
}

/**
 * A short excerpt of a record for the compact search index: the window around the first place the
 * query's words occur (prefix match, a cheap stand-in for stemming), or the start of the text.
 * Cheaper than ts_headline, which re-parses every document, and it works for records found only
 * by their vectors.
 */
export const SNIPPET_CHARS = 200;

const STOP = new Set(['the', 'and', 'for', 'with', 'was', 'what', 'why', 'how', 'did', 'does', 'our', 'that', 'this', 'from', 'when', 'where', 'which', 'who']);

function queryStems(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? [])].filter((w) => !STOP.has(w)).map((w) => w.slice(0, Math.max(3, Math.min(w.length, 5))));
}

export function makeSnippet(text: string, query: string, max = SNIPPET_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const stem of queryStems(query)) {
    const i = lower.search(new RegExp(`(^|[^\\p{L}\\p{N}_])${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u'));
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  // Start a little before the hit, on a word boundary, so the hit reads in context.
  let start = at < 0 ? 0 : Math.max(0, at - Math.floor(max / 4));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space >= 0 && space < start + 20 ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + max);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + max / 2) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
