/**
 * The turns a search hit carries (issue 66): the page shows a session once, by its best record —
 * often its summary, which names the session but not the turn that answers. So each hit of a
 * session carries that session's best-matching turns (observations: a prompt, the agent's answer,
 * a tool call), ranked among every turn of the page's sessions: recall at the turn level does not
 * pay for recall at the session level, and the agent fetches the turn, not the session's summary.
 *
 * Which turns: the prompts and the agent's answers of the page's sessions, and of their tool calls
 * those either leg already found for the question (a long session's hundreds of tool calls are not
 * read one by one). A turn's score, over those turns (at most TURN_CANDIDATES, keyword matches
 * first): the keyword leg's text rank (the question's distinctive words, the rare ones counting
 * more, a tool call's text a little less — as keyword.ts ranks) and the vector leg's similarity
 * (the vector leg's own query, its observations asked TURN_SIMILARITY_DEPTH deep: no second query;
 * a turn beyond them counts the lowest similarity returned), each standardised over the set and blended TURN_WEIGHTS; a turn that stated a rule (the source
 * of an active learning, or a prompt read as a rule) gains STATED_BONUS over the chatter around it.
 * Without the vector leg (keyword mode, Weaviate away) the keyword rank alone orders them.
 */
import type { PgPool } from '../../common/server/pg.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { makeSnippet } from './fusion.js';
import { PRIORS, QUESTION_WORDS, type TableTerms } from './keyword.js';
import { queryPrepared, SqlParams, type SearchResult, type SearchScope } from './search-types.js';
export type { CarriedTurn } from './search-types.js';

/** Most turns a hit carries (the hit itself never among them). */
export const TURNS_PER_HIT = 2;
/** How deep the vector leg asks for observations when a search carries turns (their similarity scores the turns). */
export const TURN_SIMILARITY_DEPTH = 200;
/** Most turns of the page's sessions scored per search. */
export const TURN_CANDIDATES = 400;
/** Keyword and vector weights of a turn's score (z-scores over the page's turns). */
export const TURN_WEIGHTS = { keyword: 0.5, vector: 0.5 } as const;
/** A turn that stated a rule, over the chatter around it (in standard deviations). */
export const STATED_BONUS = 0.5;
/** A carried turn's snippet is shorter than a hit's: it is a pointer into the session. */
const TURN_SNIPPET_CHARS = 140;

interface TurnRow {
  id: string;
  session_id: string;
  kind: string;
  title: string;
  text: string;
  created_at: Date;
  kw: number;
  stated: boolean;
  /** Which exchange of its session it belongs to: a prompt and what followed it until the next prompt. */
  exchange: number;
}

/** The turns of the page's sessions with their keyword rank, best first (at most TURN_CANDIDATES): prompts, answers and the `found` tool calls. */
async function sessionTurns(pool: PgPool, sessions: string[], found: string[], leads: string[], scope: SearchScope, query: string, terms: TableTerms): Promise<TurnRow[]> {
  const p = new SqlParams();
  const q = p.add(query);
  const skip = p.add([...terms.common, ...QUESTION_WORDS]);
  const listed = p.add(terms.listed);
  const tenant = p.add(scope.tenantId);
  const sql = `with w as (select strip(ts_delete(to_tsvector('english', ${q}), ${skip}::text[])) as v),
      a as (select case when numnode(x) = 0 then null else x end as x from (select replace(w.v::text, ''' ''', ''' | ''')::tsquery as x from w) z),
      r as (select coalesce(array_agg(quote_literal(l)::tsquery), '{}') as rs from w, unnest(tsvector_to_array(w.v)) l where not (l = any(${listed}::text[])))
    select t.id, s.agent_session_id as session_id, t.kind::text as kind, t.title, left(t.text, 4000) as text, t.created_at,
      count(*) filter (where t.kind = 'prompt') over (partition by t.session_id order by t.sequence rows unbounded preceding)::int as exchange,
      (case when t.tool_name is null then 1.0 else ${PRIORS.toolCall} end) * (coalesce(ts_rank_cd(t.search_vector, (select x from a), 32), 0)
        + (select coalesce(avg((t.search_vector @@ l)::int)::float8, 0) from unnest((select rs from r)) l)) as kw,
      (t.rule_like or exists (select 1 from learning_sources ls where ls.observation_id = t.id
        and (select l.status from learnings l where l.id = ls.learning_id) = 'active')) as stated
    from observations t join sessions s on s.id = t.session_id
    where s.tenant_id = ${tenant}::uuid and s.agent_session_id = any(${p.add(sessions)}::text[])
      ${scope.projectId ? `and s.project_id = ${p.add(scope.projectId)}::uuid` : ''}
      and (t.kind in ('prompt', 'stop') or t.id = any(${p.add(found)}::uuid[])) and ${notSelfActivitySql('t')}
    order by t.id = any(${p.add(leads)}::uuid[]) desc, kw desc, t.tool_name is not null, t.sequence
    limit ${p.add(TURN_CANDIDATES)}`;
  const rows = await queryPrepared<TurnRow>(pool, sql, p.values);
  return rows.map((r) => ({ ...r, kw: Number(r.kw) }));
}

const zScores = (xs: number[]): number[] => {
  const mean = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length));
  return xs.map((x) => (sd > 0 ? (x - mean) / sd : 0));
};

/** The turns scored (pure: tested directly). A turn the vector leg did not return counts its lowest similarity. */
export function scoreTurns<T extends { id: string; kw: number; stated: boolean }>(turns: readonly T[], similarity?: ReadonlyMap<string, number>): (T & { score: number })[] {
  const kz = zScores(turns.map((t) => t.kw));
  const floor = similarity && similarity.size > 0 ? Math.min(...similarity.values()) : 0;
  const vz = similarity ? zScores(turns.map((t) => similarity.get(t.id) ?? floor)) : undefined;
  return turns.map((t, i) => ({
    ...t,
    score: (vz ? TURN_WEIGHTS.keyword * kz[i]! + TURN_WEIGHTS.vector * vz[i]! : kz[i]!) + (t.stated ? STATED_BONUS : 0),
  }));
}

/**
 * Picks, for each hit of a session, its session's best turns (not the hit itself): the session's
 * best turn always (unless the hit is that turn), the others only when they stand above the page's
 * average turn (score > 0). `leads`: per session, its observation the search ranked highest but set
 * aside for the hit (a session holds one place): carried first. Pure.
 */
export function pickTurns<T extends { id: string; session_id: string; score: number; exchange?: number }>(
  page: readonly Pick<SearchResult, 'id' | 'type' | 'sessionId'>[],
  scored: readonly T[],
  leads: ReadonlyMap<string, string> = new Map(),
): Map<string, T[]> {
  const bySession = new Map<string, T[]>();
  for (const t of [...scored].sort((a, b) => b.score - a.score)) bySession.set(t.session_id, [...(bySession.get(t.session_id) ?? []), t]);
  const out = new Map<string, T[]>();
  for (const hit of page) {
    if (!hit.sessionId) continue;
    const all = bySession.get(hit.sessionId) ?? [];
    // The session's turn that the search itself ranked best (set aside for the hit: one place a session) leads.
    const lead = all.find((t) => t.id === leads.get(hit.sessionId!) && t.id !== hit.id);
    // One turn an exchange (a prompt and the answer to it say one thing), and none of the hit's own.
    const exchanges = new Set([all.find((t) => t.id === hit.id)?.exchange]);
    const own = (lead ? [lead, ...all.filter((t) => t !== lead)] : all).filter((t) => {
      if (t.id === hit.id || (t.exchange !== undefined && exchanges.has(t.exchange))) return false;
      exchanges.add(t.exchange);
      return true;
    });
    const keep = own.slice(0, TURNS_PER_HIT).filter((t, i) => t === lead || t.score > 0 || (i === 0 && all[0]?.id !== hit.id));
    if (keep.length > 0) out.set(hit.id, keep);
  }
  return out;
}

/**
 * Per session on the page, its best-ranked observation the page set aside (a session holds one place, often taken by
 * its learning or summary): the turn its hit carries first, so the answering turn is not lost to the session's place.
 */
export function setAsideTurns(ranked: readonly Pick<SearchResult, 'id' | 'type' | 'sessionId'>[], page: readonly Pick<SearchResult, 'id' | 'sessionId'>[]): Map<string, string> {
  const shown = new Set(page.map((h) => h.id));
  const onPage = new Set(page.map((h) => h.sessionId).filter((s): s is string => s !== null));
  const out = new Map<string, string>();
  for (const r of ranked) if (r.type === 'observation' && r.sessionId && onPage.has(r.sessionId) && !shown.has(r.id) && !out.has(r.sessionId)) out.set(r.sessionId, r.id);
  return out;
}

/**
 * The page with each session's hit carrying its best turns; `found`: the observations either leg
 * returned (the tool calls that may be carried); `similarity`: the vector leg's observations and
 * their cosine similarity, absent (keyword mode, the vector leg down): keyword rank alone.
 */
export async function withCarriedTurns(
  pool: PgPool,
  page: SearchResult[],
  found: string[],
  scope: SearchScope,
  query: string,
  terms: TableTerms,
  similarity?: ReadonlyMap<string, number>,
  leads?: ReadonlyMap<string, string>,
): Promise<SearchResult[]> {
  const sessions = [...new Set(page.map((h) => h.sessionId).filter((s): s is string => s !== null))];
  if (sessions.length === 0 || !scope.types.includes('observation')) return page;
  const turns = await sessionTurns(pool, sessions, found, [...(leads?.values() ?? [])], scope, query, terms);
  const picked = pickTurns(page, scoreTurns(turns, similarity), leads);
  return page.map((hit) => {
    const carried = picked.get(hit.id);
    if (!carried) return hit;
    return {
      ...hit,
      turns: carried.map((t) => ({ id: t.id, kind: t.kind, title: t.title, snippet: makeSnippet(t.text, query, TURN_SNIPPET_CHARS), score: Number(t.score.toFixed(6)), createdAt: t.created_at.toISOString() })),
    };
  });
}
