/**
 * Hybrid ranking: two independent legs — PostgreSQL full text (keyword) and Weaviate nearVector
 * (semantic) — each normalised on its own, then blended by weight. Weaviate's own hybrid query is
 * not used: it carries BM25 of its own, so keyword evidence would count twice and could outvote
 * the vectors (the old RRF over PostgreSQL + Weaviate-hybrid ranked below semantic alone).
 *
 * Normalisation (per leg, over its candidate list): score / best score of that leg, so the leg's
 * top hit is 1 and the rest keep their relative distance to it (min-max would turn a tail of near
 * ties into 0..1 and exaggerate tiny differences). A record missing from a leg gets 0 from it.
 *
 *   fused = KEYWORD_WEIGHT · kw/kw_max + VECTOR_WEIGHT · vec/vec_max  (+ AGREEMENT when both legs hold it)
 *
 * A record both legs found is rewarded a little beyond the sum (the two signals are independent
 * evidence). This was the production ranking until zScoreFusion (below) replaced it; it stays as a
 * candidate of the benchmarks' --sweep.
 *
 * From the legs' lists to the page, in this file: the fusions, the page's diversity (diversify), the
 * vector leg's relevance floor (aboveVectorFloor), and last the fused references hydrated from
 * PostgreSQL (hydrateResults), which search-routes.ts does between the floor and diversify.
 */
import type { PgPool } from '../../common/server/pg.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { approvalSql } from '../../common/server/learning-revisions.js';
import { summaryHeldSql } from '../../common/server/review-hold.js';
import { agentSql } from '../provenance/agent.js';
import { queryPrepared, scopeClauses, SqlParams, refKey, type RankedRef, type RecordType, type SearchResult, type SearchScope } from './search-types.js';

export const KEYWORD_WEIGHT = 0.6;
export const VECTOR_WEIGHT = 0.4;
export const AGREEMENT_BONUS = 0.1;

/** A leg's list as key -> score / best score (0..1); the first occurrence of a record counts. */
function normalised(list: readonly RankedRef[]): Map<string, { ref: RankedRef; norm: number }> {
  const out = new Map<string, { ref: RankedRef; norm: number }>();
  const best = Math.max(0, ...list.map((r) => r.score));
  for (const ref of list) {
    const key = refKey(ref);
    if (out.has(key)) continue;
    out.set(key, { ref, norm: best > 0 ? Math.max(0, ref.score) / best : 0 });
  }
  return out;
}

export interface FusionWeights {
  keyword: number;
  vector: number;
  agreement: number;
}

export const DEFAULT_WEIGHTS: FusionWeights = { keyword: KEYWORD_WEIGHT, vector: VECTOR_WEIGHT, agreement: AGREEMENT_BONUS };

/** The keyword and vector lists fused into one, best first (a pure function: tested directly). */
export function weightedFusion(keyword: readonly RankedRef[], vector: readonly RankedRef[], w: FusionWeights = DEFAULT_WEIGHTS): RankedRef[] {
  const kw = normalised(keyword);
  const vec = normalised(vector);
  const fused = new Map<string, RankedRef>();
  for (const [key, { ref, norm }] of kw) fused.set(key, { type: ref.type, id: ref.id, score: w.keyword * norm });
  for (const [key, { ref, norm }] of vec) {
    const entry = fused.get(key);
    if (entry) entry.score += w.vector * norm + w.agreement * Math.min(norm, kw.get(key)!.norm);
    else fused.set(key, { type: ref.type, id: ref.id, score: w.vector * norm });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** Weights of the z-score fusion (chosen with --sweep of bench:search and bench:retrieval, docs/benchmarks.md). */
export const Z_WEIGHTS = { keyword: 0.7, vector: 0.3 } as const;
/** The keyword leg's best match is never ranked below this place (1-based) of the fused list. */
export const KEYWORD_BEST_WITHIN = 5;
/** What a record missing from a leg's candidates counts from it: one standard deviation below that leg's mean. */
export const Z_MISSING = -1;

/** A leg's list as key -> (score - mean) / standard deviation over its candidates; the first occurrence counts. */
function standardised(list: readonly RankedRef[]): Map<string, { ref: RankedRef; z: number }> {
  const firsts = new Map<string, RankedRef>();
  for (const ref of list) if (!firsts.has(refKey(ref))) firsts.set(refKey(ref), ref);
  const xs = [...firsts.values()];
  const mean = xs.reduce((a, r) => a + r.score, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((a, r) => a + (r.score - mean) ** 2, 0) / Math.max(1, xs.length));
  return new Map(xs.map((r) => [refKey(r), { ref: r, z: sd > 0 ? (r.score - mean) / sd : 0 }]));
}

/**
 * The hybrid ranking in production: each leg's scores standardised over its own candidates (how far
 * above that leg's typical candidate a record stands), then blended by weight. Unlike dividing by
 * the best score, a leg whose candidates are all about as good (a flat list: the local embedder
 * often gives 30 hits within 0.03 cosine of each other) cannot hand its noise nearly full marks,
 * and a leg with one clear winner lifts it. A record missing from a leg gets Z_MISSING from it.
 * On bench:search's buried questions at 100k this kept hybrid at or above the keyword leg where
 * weightedFusion fell below it (docs/benchmarks.md).
 *
 * The keyword leg's best match — the record sharing most of the question's words, often its exact
 * error text or identifier — is kept within the first KEYWORD_BEST_WITHIN places: a vector leg
 * confident about a neighbour (a z-score of 4-5 is common with the local embedder) could otherwise
 * push it off the first page. Measured on four replays of bench:search's buried questions this kept
 * hybrid at or above the keyword leg in every column, where plain 0.7/0.3 fell one question short
 * of it in the whole-tenant scope at 10k; on bench:retrieval it raised recall@1 and MRR (docs/benchmarks.md).
 */
export function zScoreFusion(keyword: readonly RankedRef[], vector: readonly RankedRef[], w: { keyword: number; vector: number } = Z_WEIGHTS): RankedRef[] {
  const kw = standardised(keyword);
  const vec = standardised(vector);
  const fused: RankedRef[] = [];
  for (const key of new Set([...kw.keys(), ...vec.keys()])) {
    const k = kw.get(key);
    const v = vec.get(key);
    const ref = (k ?? v)!.ref;
    fused.push({ type: ref.type, id: ref.id, score: w.keyword * (k?.z ?? Z_MISSING) + w.vector * (v?.z ?? Z_MISSING) });
  }
  fused.sort((a, b) => b.score - a.score);
  return keptWithin(fused, keyword[0], KEYWORD_BEST_WITHIN);
}

/** `ref` moved up to place `within` (1-based) when the list ranks it lower, at that place's score; the list otherwise unchanged. */
export function keptWithin(list: RankedRef[], ref: RankedRef | undefined, within: number): RankedRef[] {
  if (!ref || within < 1) return list;
  const i = list.findIndex((r) => refKey(r) === refKey(ref));
  if (i < within) return list;
  const [moved] = list.splice(i, 1);
  list.splice(within - 1, 0, { ...moved!, score: list[within - 1]?.score ?? moved!.score });
  return list;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009) of the same two legs, weighted: each
 * list gives weight / (k + rank). Kept beside weightedFusion for bench:retrieval --sweep.
 */
export function weightedRrf(keyword: readonly RankedRef[], vector: readonly RankedRef[], w: { keyword: number; vector: number } = { keyword: 1, vector: 1 }, k = 60): RankedRef[] {
  const fused = new Map<string, RankedRef>();
  for (const [list, weight] of [
    [keyword, w.keyword],
    [vector, w.vector],
  ] as const) {
    const seen = new Set<string>();
    list.forEach((ref, i) => {
      const key = refKey(ref);
      if (seen.has(key)) return;
      seen.add(key);
      const entry = fused.get(key) ?? { type: ref.type, id: ref.id, score: 0 };
      entry.score += weight / (k + i + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** One title (type and title, numbers masked) holds at most one of the first QUOTA_WINDOW places. */
export const QUOTA_WINDOW = 5;

/** Lowercased words with numbers masked: two records differing only in counters are the same (hex ids and hashes still tell records apart). */
const shape = (r: Pick<SearchResult, 'type' | 'title' | 'snippet'>) =>
  `${r.type}|${`${r.title} ${r.snippet}`
    .toLowerCase()
    .replace(/\d+/g, '#')
    .replace(/[^\p{L}#]+/gu, ' ')
    .trim()}`;

/** A record's type and title with numbers masked: "Grep: valid credentials" in four sessions is one title. */
const titleShape = (r: Pick<SearchResult, 'type' | 'title'>) => `${r.type}|${r.title.toLowerCase().replace(/\d+/g, '#').trim()}`;

/**
 * How a learning drawn from a session takes places on the page: `hold` (production) keeps its place and holds its
 * session's; `apart` is the earlier rule (a learning takes no session's place); `record`: a learning is one of its
 * session's records like any other (ranked below them, it waits). The last two are kept for bench:retrieval's --page-ab.
 */
export type LearningPlaces = 'hold' | 'apart' | 'record';

/**
 * Each session's first learning among `results` moved up to the place of the session's best record (scored as it):
 * the session is shown by the rule drawn from it, and the record it displaced waits with the session's others (its
 * best turn rides with the learning, turns.ts setAsideTurns).
 */
function learningsLead<T extends Pick<SearchResult, 'type' | 'sessionId' | 'score'>>(results: readonly T[]): T[] {
  const lead = new Map<string, T>();
  for (const r of results) if (r.type === 'learning' && r.sessionId && !lead.has(r.sessionId)) lead.set(r.sessionId, r);
  if (lead.size === 0) return [...results];
  const placed = new Set<string>();
  const moved = new Set<string>();
  const out: T[] = [];
  for (const r of results) {
    const l = r.sessionId ? lead.get(r.sessionId) : undefined;
    if (r.sessionId && !placed.has(r.sessionId)) {
      placed.add(r.sessionId);
      if (l && l !== r) {
        out.push({ ...l, score: r.score });
        moved.add(r.sessionId);
      }
    }
    // The learning itself, where it ranked: already shown at its session's place when it was moved up.
    if (!(r === l && moved.has(r.sessionId!))) out.push(r);
  }
  return out;
}

/**
 * The final page: near-identical records (same type, same words once numbers are masked) are shown
 * once; an agent session is shown once, by its best record, before any session's second record —
 * a session's batch summary, final summary and observations say the same thing, and one session
 * holding several places hides the other sessions that may hold the answer (the record itself is
 * one step away: timeline, get); its further records follow every other session's best (a project
 * of few sessions still fills its page), and only one of its summaries is ever shown. A session that
 * has a learning among the results is shown by it, at the place of its best record (learningsLead: a
 * rule ranks above the chatter around it), and holds the session's place: the session's further records
 * and learnings wait, and its best turn rides with the learning (turns.ts setAsideTurns). Before, a
 * learning took no session's place, and a conversation's learning and its records took two or three of
 * the first five places, pushing off the other sessions that held the answer (docs/retrieval.md); then a
 * learning kept its own place, and a session's record and its learning still took two (docs/retrieval.md,
 * 2026-11-30 evening). Deferring a learning itself behind its session's records was tried: it cost
 * bench:retrieval the learnings that answer.
 * And one title (type and title, numbers masked) holds one of the first QUOTA_WINDOW places: the
 * same tool call ("Grep: valid credentials") or learning in four sessions fills the top five with
 * one question's worth of answers; records set aside by it keep their order after.
 */
export function diversify<T extends Pick<SearchResult, 'type' | 'title' | 'snippet' | 'sessionId' | 'score'>>(results: readonly T[], limit: number, learnings: LearningPlaces = 'hold'): T[] {
  const seen = new Set<string>();
  const sessions = new Set<string>();
  const summarized = new Set<string>();
  const later: T[] = [];
  const unique = (learnings === 'hold' ? learningsLead(results) : results).filter((r) => {
    const key = shape(r);
    if (seen.has(key)) return false;
    seen.add(key);
    if (!r.sessionId) return true;
    // `apart`: a learning takes no session's place. `hold`: the session's first learning holds it (learningsLead
    // moved it to the session's best place); the session's further records and learnings wait.
    if (r.type === 'learning' && learnings === 'apart') return true;
    if (r.type === 'learning' && learnings === 'hold' && !sessions.has(r.sessionId)) return sessions.add(r.sessionId), true;
    // Never a session's batch and final summary both.
    if (r.type === 'summary' && summarized.has(r.sessionId)) return false;
    if (r.type === 'summary') summarized.add(r.sessionId);
    if (!sessions.has(r.sessionId)) return sessions.add(r.sessionId), true;
    later.push(r);
    return false;
  });
  // A session's other records only after every other session's best (a project of few sessions still fills its page).
  unique.push(...later);
  const head: T[] = [];
  const deferred: T[] = [];
  const titles = new Set<string>();
  for (const r of unique) {
    const title = titleShape(r);
    if (head.length < QUOTA_WINDOW && titles.has(title)) {
      deferred.push(r);
      continue;
    }
    if (head.length < QUOTA_WINDOW) titles.add(title);
    head.push(r);
  }
  // Fewer than QUOTA_WINDOW other records: the deferred ones fill the page, still in score order.
  const rank = new Map(unique.map((r, i) => [r, i]));
  const page = [...head.slice(0, QUOTA_WINDOW), ...[...deferred, ...head.slice(QUOTA_WINDOW)].sort((a, b) => rank.get(a)! - rank.get(b)!)].slice(0, limit);
  // Scores stay in page order: a record moved down by the quota shows the score of its new place.
  let floor = Infinity;
  return page.map((r) => {
    floor = Math.min(floor, r.score);
    return r.score === floor ? r : { ...r, score: floor };
  });
}

/**
 * A session's evidence across its records (issue 66), for the page's session order. A session is
 * shown once, by its best record; which session comes first was its best record's fused score
 * alone, so one lucky record of a session on the question's subject outranked the session whose
 * several turns each answer part of it (a conversation's question paraphrases its prompt and its
 * answer together). A session's score is its best record's, plus
 * - SESSION_WEIGHTS.second x how far its second record stands above the weakest candidate (two of its
 *   records found, not one), and
 * - SESSION_WEIGHTS.nearest x how far its nearest turn's similarity to the question stands above
 *   the sessions' mean, in standard deviations (the vector leg's observations, asked
 *   TURN_SIMILARITY_DEPTH deep for the turns a hit carries, so deeper than the 30 fused candidates:
 *   a session whose answering turn only the wide list holds still counts it). Only a reward: a
 *   session below the mean or absent from the wide list gains nothing (counting it -1, as fusion
 *   counts a record a leg lacks, cost bench:retrieval's session recall@5 0.933 -> 0.907: over a
 *   whole tenant of 10k records the 200 nearest observations miss most sessions).
 * Chosen on the dev split of bench:retrieval-history's conversational corpus (docs/retrieval.md).
 * The nearest turn is off (weight 0, not read): on the conversational corpus it lifted strict all@5
 * most, but on bench:retrieval (one fill, with and without, --sessions-ab) any weight of it, 0.1
 * to 0.75, cost observation recall@5 (0.92 -> 0.86-0.88) and session recall@5; the second record
 * alone cost nothing there. bench:retrieval --sessions-ab-weights measures it again.
 */
export const SESSION_WEIGHTS = { second: 0.5, nearest: 0 } as const;
export type SessionWeights = { second: number; nearest: number };

/**
 * `results` (hydrated, in fused order) with the sessions' records reordered by their session's lift
 * (session score - best record's score; order within a session kept). Only the places sessions'
 * records held are shared out again, each taking the score of its new place: a learning and a
 * record of no session keep their place (a lift, mostly upward, would otherwise sink every learning
 * below the sessions' records: on bench:retrieval learning recall@1 fell from 0.32 to 0). `nearest`:
 * agent session id -> its nearest turn's similarity. `keep`: a record (the keyword leg's best match)
 * that stays within the first KEYWORD_BEST_WITHIN places, as zScoreFusion keeps it. Pure.
 */
export function bySessionEvidence<T extends Pick<SearchResult, 'type' | 'id' | 'sessionId' | 'score'>>(results: readonly T[], nearest: ReadonlyMap<string, number>, keep?: RankedRef, w: SessionWeights = SESSION_WEIGHTS): T[] {
  if (results.length === 0) return [];
  const ofSession = (r: T) => (r.type === 'learning' ? null : r.sessionId);
  const floor = Math.min(...results.map((r) => r.score));
  const tops = new Map<string, number[]>();
  for (const r of results) {
    const s = ofSession(r);
    if (s === null) continue;
    const xs = tops.get(s) ?? [];
    if (xs.length < 2) xs.push(r.score);
    tops.set(s, xs);
  }
  const sims = [...nearest.values()];
  const mean = sims.reduce((a, x) => a + x, 0) / Math.max(1, sims.length);
  const sd = Math.sqrt(sims.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, sims.length));
  const lift = new Map<string, number>();
  for (const [s, [, second]] of tops) {
    const sim = nearest.get(s);
    // Only a reward: a session whose turns the wide list lacks or ranks low keeps its best record's place.
    const z = sim === undefined || sd === 0 ? 0 : Math.max(0, (sim - mean) / sd);
    lift.set(s, w.second * Math.max(0, (second ?? floor) - floor) + w.nearest * z);
  }
  const places: number[] = [];
  const moved: { r: T; key: number; i: number }[] = [];
  results.forEach((r, i) => {
    const s = ofSession(r);
    if (s === null) return;
    places.push(i);
    moved.push({ r, key: r.score + lift.get(s)!, i });
  });
  moved.sort((a, b) => b.key - a.key || a.i - b.i);
  const out = [...results];
  places.forEach((place, j) => (out[place] = { ...moved[j]!.r, score: results[place]!.score }));
  if (!keep) return out;
  const at = out.findIndex((r) => r.type === keep.type && r.id === keep.id);
  if (at < KEYWORD_BEST_WITHIN) return out;
  const [kept] = out.splice(at, 1);
  out.splice(KEYWORD_BEST_WITHIN - 1, 0, { ...kept!, score: out[KEYWORD_BEST_WITHIN - 1]?.score ?? kept!.score });
  return out;
}

/**
 * Each session's nearest turn to the question: the highest similarity among its observations in
 * `similarity` (observation id -> cosine similarity, the vector leg's wide list), by agent session
 * id; scoped to the tenant (and project), and not memflow's own activity nor a session's start or end.
 */
export async function nearestTurnBySession(pool: PgPool, similarity: ReadonlyMap<string, number>, scope: SearchScope): Promise<Map<string, number>> {
  if (similarity.size === 0) return new Map();
  const p = new SqlParams();
  const ids = p.add([...similarity.keys()]);
  const sims = p.add([...similarity.values()]);
  const sql = `select s.agent_session_id as session_id, max(x.sim) as sim
    from unnest(${ids}::uuid[], ${sims}::float8[]) x(id, sim) join observations t on t.id = x.id join sessions s on s.id = t.session_id
    where t.tenant_id = ${p.add(scope.tenantId)}::uuid${scope.projectId ? ` and t.project_id = ${p.add(scope.projectId)}::uuid` : ''}
      and t.kind not in ('start', 'end') and ${notSelfActivitySql('t')}
    group by s.agent_session_id`;
  const rows = await queryPrepared<{ session_id: string; sim: number }>(pool, sql, p.values);
  return new Map(rows.map((r) => [r.session_id, Number(r.sim)]));
}

/** Results kept whatever the floor says, so a question always gets its best few answers. */
export const FLOOR_MIN_KEPT = 3;

/**
 * The relevance floor of the vector leg: a nearest-neighbour query always returns its whole depth,
 * down to records that have nothing to do with the question ("Session started"). Of the records the
 * vector leg alone found, those below the mean similarity of its candidates (z < 0) are dropped; every
 * record the keyword leg found stays (it shares the question's words), and so do the first
 * FLOOR_MIN_KEPT of the list. `ranked` keeps its order.
 */
export function aboveVectorFloor(ranked: readonly RankedRef[], vector: readonly RankedRef[], keyword: readonly RankedRef[] = []): RankedRef[] {
  const vec = standardised(vector);
  const kw = new Set(keyword.map(refKey));
  return ranked.filter((r, i) => {
    if (i < FLOOR_MIN_KEPT) return true;
    const key = refKey(r);
    if (kw.has(key)) return true;
    const v = vec.get(key);
    return v === undefined || v.z >= 0;
  });
}

/**
 * Hydration: turns fused references into the compact index entries of GET /v1/search, reading titles, text for
 * the snippet and the agent's session id from PostgreSQL — the system of record. The scope is
 * applied again here, so a record another leg returned (Weaviate, which may lag a deletion or hold
 * a stale copy) is shown only if PostgreSQL still holds it for this tenant and filter. The snippet
 * of each entry is cut last (makeSnippet).
 */
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
  summary: (where, ids) => `select 'summary' as type, t.id, t.title, left(t.text, ${SNIPPET_SOURCE_CHARS}) as text, s.agent_session_id as session_id, ${agentSql('s')} as agent, t.created_at, null::text as edited_by, null::text as approved_by,
      case when ${summaryHeldSql('t', ['pending'])} then 'pending' end as status
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
