/**
 * The keyword leg: PostgreSQL full-text search over the weighted, GIN-indexed `search_vector`
 * columns of observations, summaries and learnings, always filtered by tenant in SQL.
 *
 * Matching: a plain query ("why does the login test time out") matches records holding ANY of its
 * stemmed words — except the words too common in that table to select anything (commonTermsReader, below;
 * when every word is common, records holding ALL of them) — and ranks records holding all the
 * words first, then by ts_rank_cd (cover density, normalized to 0..1). Strict AND matching alone
 * finds nothing for most questions an agent asks, because questions carry words the stored text
 * does not. A query that uses web-search syntax (quotes, `or`) ranks what matches it literally
 * (websearch_to_tsquery: the phrase, either side of the `or`) first, and still matches records by its
 * words as a plain query does: a question that merely quotes a word or offers two options ("did we keep
 * Redis or move to Memcached?") matched nothing when all its words had to be there. A `-word` exclusion
 * is deliberate syntax: such a query is taken literally, whole. Which words are too common is read below
 * (commonTermsReader), and last the time a question names (timeWindowOf), which the window search prefers.
 */
import type { PgPool } from '../../common/server/pg.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { queryPrepared, scopeClauses, SqlParams, type RankedRef, type RecordType, type SearchScope } from './search-types.js';

/** Quotes, `-word` exclusions and the `or` operator: the caller asked for web-search semantics. */
const WEBSEARCH_SYNTAX = /["]|(^|\s)-\S|\sor\s/i;
/** A `-word` exclusion: the query is taken literally, whole (what it excludes never matches). */
const EXCLUSION = /(^|\s)-\S/;

export const usesWebsearchSyntax = (q: string) => WEBSEARCH_SYNTAX.test(q);

/**
 * Per table: which rows may match, and the prior a row's text rank is multiplied by.
 * - memflow's own activity (the agent calling memflow's MCP tools) is not the project's work: it
 *   never matches (common/rules/self-activity.ts).
 * - A superseded learning is history, not advice: it stays reachable by id, never in results.
 * - Priors: a decision or convention is what a question about "what we decided" wants, above a raw
 *   tool call that merely mentions its terms; a tool call's text (a file read, command output) holds
 *   many words by accident, so it counts a little less than what a person or the agent said.
 */
export const PRIORS = { toolCall: 0.8, ruleLearning: 1.5, otherLearning: 1.15 } as const;
const TABLES: Record<RecordType, { table: string; extra: string; prior: string }> = {
  observation: { table: 'observations', extra: ` and ${notSelfActivitySql('t')}`, prior: `case when t.tool_name is null then 1.0 else ${PRIORS.toolCall} end` },
  summary: { table: 'summaries', extra: '', prior: '1.0' },
  // The learning's status is part of the scope (search-types.ts: learningStatusClause).
  learning: { table: 'learnings', extra: '', prior: `case when t.kind in ('decision', 'convention') then ${PRIORS.ruleLearning} else ${PRIORS.otherLearning} end` },
};

/**
 * Which matches are ranked, per table. Ranking costs ~5-30 µs a row here (the tsvector is read and
 * decompressed), and a query of fairly common words can match tens of thousands of rows at 100k,
 * so not every match can be ranked. Matches are taken by how many of the query's distinctive
 * words they hold, most first — all found through the GIN index, whatever their age:
 * - records holding at least three of them (any three: the OR of every triple, which the index
 *   answers), the newest TIER_WINDOW;
 * - only when fewer than the leg's depth hold three: those holding two (any pair), the newest TIER_WINDOW;
 * - only when fewer than the depth hold two: also the newest ANY_WINDOW holding one of its rarer
 *   words, as many as together select at most LONE_ROWS rows (commonTermsReader: at 1M a fairly
 *   frequent word alone selects tens of thousands of rows, all fetched to keep the newest few).
 * So the records sharing most words with the question are ranked, old or new; recency only orders
 * a tier that alone holds more than TIER_WINDOW records. The windows bound the ranking cost:
 * ts_rank_cd took ~25 µs a row here (EXPLAIN ANALYZE at 100k records).
 */
export const TIER_WINDOW = 800;
export const ANY_WINDOW = 200;
/** Distinctive words that form pairs and triples (8 words: 28 pairs, 56 triples). */
const TIER_WORDS = 8;

/**
 * Words of how a question is asked, not of what it asks about ("list every change we made across
 * sessions", "do you remember"): stemmed, left out of matching like the common words (a record
 * holding every word of the question still ranks first).
 */
export const QUESTION_WORDS = ['list', 'everi', 'across', 'session', 'rememb', 'happen', 'anyth', 'ago', 'yesterday'];

/**
 * What a record matching the question's rare words gains, times the share of them it holds. The
 * statistics list a table's ~1,000 most common words; a word they do not list is rare. ts_rank_cd
 * weighs every word alike, so a record holding three everyday words of the question ("change",
 * "made", "tests") outranked the one holding its only rare word (the file it asks about).
 */
export const RARE_WEIGHT = 1;

/** Ranked references of the records matching `query`, best first, at most `depth` per type. */
export async function keywordSearch(pool: PgPool, query: string, scope: SearchScope, depth: number, common: CommonTerms = NO_COMMON_TERMS): Promise<RankedRef[]> {
  if (scope.types.length === 0 || query.trim() === '') return [];
  const p = new SqlParams();
  const q = p.add(query);
  const strict = EXCLUSION.test(query);
  // all_q (every word, or the web-search query's literal reading) ranks first; each table matches its own any_q. An
  // empty tsquery matches nothing.
  const terms = strict
    ? `select websearch_to_tsquery('english', ${q}) as all_q, null::tsvector as v`
    : `select ${usesWebsearchSyntax(query) ? 'websearch_to_tsquery' : 'plainto_tsquery'}('english', ${q}) as all_q, to_tsvector('english', ${q}) as v`;
  const queries = (type: RecordType): { rare: string; anyQ: string; loneQ: string; pairQ: string; tripleQ: string } => {
    if (strict) return { rare: `'{}'::tsquery[]`, anyQ: '(select all_q from q)', loneQ: '(select all_q from q)', pairQ: '(select all_q from q)', tripleQ: '(select all_q from q)' };
    const t = common[type];
    const words = `strip(ts_delete(q.v, ${p.add([...t.common, ...QUESTION_WORDS])}::text[]))`;
    // The query's words minus the table's common ones, OR-ed: what ranks, and what pairs and triples are made of.
    const any = `(select case when numnode(x) = 0 then q.all_q else x end from (select replace(${words}::text, ''' ''', ''' | ''')::tsquery as x) z)`;
    // What selects a record on one word alone: the rarest words while their rows add up to at
    // most LONE_ROWS (commonTermsReader); all_q when not even the rarest fits.
    const lone = `(select coalesce(string_agg(quote_literal(l), ' | ')::tsquery, q.all_q) from (
        select l, sum(r) over (order by r, l rows unbounded preceding) as cum
        from (select u.l, coalesce(s.r, 0) as r from unnest(tsvector_to_array(${words})) u(l)
              left join unnest(${p.add(t.sized)}::text[], ${p.add(t.sizedRows)}::float8[]) s(e, r) on s.e = u.l) x) y
      where cum <= ${p.add(LONE_ROWS)})`;
    const w = (n: number) => `(select l, i from unnest(tsvector_to_array(${words})) with ordinality u(l, i) limit ${TIER_WORDS}) w${n}`;
    const lit = (n: number) => `quote_literal(w${n}.l)`;
    // Every pair (triple) of the first TIER_WORDS distinctive words, OR-ed: ('a' & 'b') | ('a' & 'c') | …;
    // with fewer words, the next looser query.
    const pairs = `(select string_agg(${lit(1)} || ' & ' || ${lit(2)}, ' | ')::tsquery from ${w(1)} join ${w(2)} on w1.i < w2.i)`;
    const triples = `(select string_agg(${lit(1)} || ' & ' || ${lit(2)} || ' & ' || ${lit(3)}, ' | ')::tsquery
             from ${w(1)} join ${w(2)} on w1.i < w2.i join ${w(3)} on w2.i < w3.i)`;
    // The rare words, each as its own tsquery (parsed once, not once per ranked row).
    const rare = `(select coalesce(array_agg(quote_literal(l)::tsquery), '{}') from q, unnest(tsvector_to_array(${words})) l where not (l = any(${p.add(t.listed)}::text[])))`;
    return {
      rare,
      anyQ: `(select ${any} from q)`,
      loneQ: `(select ${lone} from q)`,
      pairQ: `(select coalesce(${pairs}, ${any}) from q)`,
      tripleQ: `(select coalesce(${triples}, ${pairs}, ${any}) from q)`,
    };
  };
  const lim = p.add(depth);
  // In one project, the match reads the project's own posting lists (migration
  // 20261127180000_project_scoped_lexemes): its lexemes are indexed prefixed with the project, so
  // the work follows the project's matching rows, not the whole table's nor every row of the project.
  const project = scope.projectId ? p.add(scope.projectId) : undefined;
  // A web-search query may hold a phrase, which that index answers as AND: the phrase itself is then a filter.
  const matches = (tsq: string) =>
    !project
      ? `t.search_vector @@ ${tsq}`
      : `project_lexemes(t.project_id, t.search_vector) @@ (select project_tsquery(${project}::uuid, ${tsq}))${strict ? ` and t.search_vector @@ ${tsq}` : ''}`;
  const tierWindow = p.add(TIER_WINDOW);
  const anyWindow = p.add(ANY_WINDOW);
  const tiers: string[] = [];
  const legs = scope.types.map((type) => {
    // In one project the scoped GIN index alone selects the rows: the scope stays a filter (`is
    // true` keeps the planner from ANDing in a bitmap of every row of the project from the b-tree).
    const where = project ? `(${scopeClauses(scope, p, type)}) is true` : scopeClauses(scope, p, type);
    const { table, extra, prior } = TABLES[type];
    const { rare, anyQ, loneQ, pairQ, tripleQ } = queries(type);
    // (select … from q) are InitPlans: computed once, and usable by the GIN index scan (a join
    // against the CTE would make the match a per-row filter over the whole tenant).
    const tier = (tsq: string, window: string, gate = '') => `select t.id, t.search_vector, t.created_at, ${prior} as prior from ${table} t
            where ${where} and ${matches(tsq)}${extra}${gate}
            order by t.created_at desc limit ${window}`;
    // A looser tier runs only when the tighter ones found fewer than the depth: it fetches and
    // sorts more records (fetching every one-word match was most of the leg's time at 100k).
    tiers.push(`triples_${type} as materialized (${tier(tripleQ, tierWindow)})`);
    tiers.push(`pairs_${type} as materialized (${tier(pairQ, tierWindow, ` and (select count(*) from triples_${type}) < ${lim}`)})`);
    const gate = ` and (select count(*) from triples_${type}) + (select count(*) from pairs_${type}) < ${lim}`;
    const rareShare = `(select coalesce(avg((c.search_vector @@ l)::int)::float8, 0) from unnest(${rare}) l)`;
    return `(select '${type}' as type, c.id, c.prior * ((c.search_vector @@ (select all_q from q))::int + ts_rank_cd(c.search_vector, ${anyQ}, 32) + ${RARE_WEIGHT} * ${rareShare}) as score
      from (select * from triples_${type} union select * from pairs_${type} union (${tier(loneQ, anyWindow, gate)})) c
      order by score desc, c.created_at desc
      limit ${lim})`;
  });
  const sql = `with q as (${terms}), ${tiers.join(', ')} select * from (${legs.join(' union all ')}) hits order by score desc`;
  // Over the whole tenant, not a named prepared statement: after five runs PostgreSQL may keep a
  // generic plan, blind to the words; scoped to a project at 1M records one walked the project's rows
  // newest first, filtering each by the match (p50 234 ms, p95 401 ms, against 17 / 60 planned for
  // each query's words). In one project that plan cannot be made (the scope is no index condition
  // there) and every plan reads the scoped index, so the statement is prepared: planning the
  // nine-CTE statement cost more than running it on a small project (6-17 ms at 100k records).
  type Hit = { type: RecordType; id: string; score: number };
  const rows = project ? await queryPrepared<Hit>(pool, sql, p.values) : (await pool.query<Hit>(sql, p.values)).rows;
  return rows.map((r) => ({ type: r.type, id: r.id, score: Number(r.score) }));
}

/** File names a question names ("lock.yaml", "test_utils.py"): stored records hold them inside whole paths. */
const FILE_NAME = /[\w-]+\.[a-z][a-z0-9]{0,4}\b/gi;
/** The most records of a time window ranked one by one (newest first beyond it). */
export const WINDOW_ROWS = 2000;

/**
 * The keyword leg inside a time the question names (the scope's since/until): few records, so each
 * is ranked — its words as the keyword leg does (any of the question's words), plus a match of a
 * file the question names by its base name anywhere in its title or text (the full-text index
 * holds "/repo/.github/workflows/lock.yaml" as one token, which "lock.yaml" does not match).
 */
export async function windowSearch(pool: PgPool, query: string, scope: SearchScope, depth: number): Promise<RankedRef[]> {
  if (scope.types.length === 0) return [];
  const p = new SqlParams();
  const anyQ = `(select case when numnode(x) = 0 then null else x end from (select replace(strip(ts_delete(to_tsvector('english', ${p.add(query)}), ${p.add(QUESTION_WORDS)}::text[]))::text, ''' ''', ''' | ''')::tsquery as x) z)`;
  const files = [...new Set((query.match(FILE_NAME) ?? []).map((f) => `%${f.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`))];
  const filesP = p.add(files);
  const rows = p.add(WINDOW_ROWS);
  const lim = p.add(depth);
  const legs = scope.types.map((type) => {
    const { table, extra, prior } = TABLES[type];
    const body = type === 'learning' ? 't.body' : 't.text';
    return `(select '${type}' as type, t.id, ${prior} * (coalesce(ts_rank_cd(t.search_vector, ${anyQ}, 32), 0)
        + case when lower(t.title) like any(${filesP}::text[]) or lower(left(${body}, 4000)) like any(${filesP}::text[]) then 1 else 0 end) as score
      from (select * from ${table} t where ${scopeClauses(scope, p, type)}${extra} order by t.created_at desc limit ${rows}) t
      order by score desc limit ${lim})`;
  });
  const { rows: out } = await pool.query<{ type: RecordType; id: string; score: number }>(`select * from (${legs.join(' union all ')}) hits where score > 0 order by score desc`, p.values);
  return out.map((r) => ({ type: r.type, id: r.id, score: Number(r.score) }));
}

/**
 * Words too common to select anything: the lexemes PostgreSQL's statistics (ANALYZE, pg_stats
 * most_common_elems) find in more than COMMON_SHARE of a table's rows, e.g. "user" in summaries
 * that all begin "The user asked...". An any-word match on such a lexeme selects most of the table
 * and then ranks every row of it (hundreds of ms at 100k rows), while telling nothing about
 * relevance — the IDF argument. The keyword leg leaves them out of matching (a record holding every
 * word, common ones included, still ranks first).
 *
 * The one-word tier (keywordSearch) fetches every row holding any of the question's words to keep
 * the newest few, ~2.5 µs a row here. At 1M records "how did we handle build cache never used"
 * fetched 70k observations that way (keyword leg p95 135 ms over bench:search's questions). So
 * that tier takes the question's words rarest first while their rows add up to at most
 * LONE_ROWS; the others still count in pairs and triples. The rows of a word come from the same
 * statistics (share × the table's rows); a word they do not list is rarer than every listed one
 * and counts as none. A question whose words together hold at most LONE_ROWS rows is matched as
 * before.
 * Read once per TTL; a failure means no exclusions.
 */
export const COMMON_SHARE = 0.05;
export const LONE_ROWS = 8_000;
/** Words under this many rows are not passed to the query (they count as none). */
const SIZED_FLOOR = LONE_ROWS / 32;
const TTL_MS = 5 * 60_000;

export interface TableTerms {
  /** In more than COMMON_SHARE of the table's rows: never matched on. */
  common: string[];
  /** The other listed words of at least SIZED_FLOOR rows, and their estimated rows. */
  sized: string[];
  sizedRows: number[];
  /** Every word the statistics list (the table's most common ~1,000 at the default target): a word not listed is rare. */
  listed: string[];
}
export type CommonTerms = Record<RecordType, TableTerms>;
const NONE: TableTerms = { common: [], sized: [], sizedRows: [], listed: [] };
export const NO_COMMON_TERMS: CommonTerms = { observation: NONE, summary: NONE, learning: NONE };

const TABLE_TYPES: Record<string, RecordType> = { observations: 'observation', summaries: 'summary', learnings: 'learning' };

async function readCommonTerms(pool: PgPool): Promise<CommonTerms> {
  const { rows } = await pool.query<{ tablename: string; elems: string[] | null; freqs: number[] | null; rows: number | null }>(
    `select s.tablename, s.most_common_elems::text::text[] as elems, s.most_common_elem_freqs as freqs, c.reltuples::float8 as rows
     from pg_stats s left join pg_class c on c.relname = s.tablename and c.relnamespace = to_regnamespace(current_schema())
     where s.schemaname = current_schema() and s.attname = 'search_vector' and s.tablename = any($1)`,
    [Object.keys(TABLE_TYPES)],
  );
  const out: CommonTerms = { ...NO_COMMON_TERMS };
  for (const r of rows) {
    const type = TABLE_TYPES[r.tablename];
    if (!type || !r.elems || !r.freqs) continue;
    // freqs holds one share per element, then min, max and null share: zip with elems only.
    // reltuples is -1 before the first ANALYZE (no statistics then, so no rows here either).
    const tableRows = Math.max(0, r.rows ?? 0);
    const terms: TableTerms = { common: [], sized: [], sizedRows: [], listed: [...r.elems] };
    r.elems.forEach((elem, i) => {
      const share = r.freqs![i] ?? 0;
      if (share > COMMON_SHARE) terms.common.push(elem);
      else if (share * tableRows >= SIZED_FLOOR) {
        terms.sized.push(elem);
        terms.sizedRows.push(Math.round(share * tableRows));
      }
    });
    out[type] = terms;
  }
  return out;
}

/** A cached reader of the common terms (refreshed every TTL_MS). */
export function commonTermsReader(pool: PgPool): () => Promise<CommonTerms> {
  let at = 0;
  let value: Promise<CommonTerms> = Promise.resolve(NO_COMMON_TERMS);
  return () => {
    if (Date.now() - at > TTL_MS) {
      at = Date.now();
      value = readCommonTerms(pool).catch(() => NO_COMMON_TERMS);
    }
    return value;
  };
}

/**
 * Time named in a question: "what did we change in core.py 3 days ago", "yesterday", "last week",
 * "on 2026-11-14", "on November 14", "in October". Such a question asks about the records of that
 * time: the search service runs its keyword leg once more inside the window and ranks those matches
 * first (api/search/search-routes.ts). It is a soft preference, not a filter: a question whose time is wrong
 * by a day still gets the rest of the ranking after the window's records. Explicit since/until
 * parameters win over anything read from the words.
 */
const DAY_MS = 86_400_000;

export interface TimeWindow {
  since: Date;
  until: Date;
  /** What the question asked, the time words taken out. */
  rest: string;
}

const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fourteen: 14, twenty: 20, thirty: 30 };
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = `(${MONTHS.join('|')}|${MONTHS.map((m) => m.slice(0, 3)).join('|')})`;

const num = (s: string) => NUMBER_WORDS[s.toLowerCase()] ?? Number(s);
const monthOf = (s: string) => MONTHS.findIndex((m) => m.startsWith(s.toLowerCase().slice(0, 3)));

/** The window of days [from, to] back from `now` (from > to: days ago), half a day of slack each side. */
function daysBack(now: number, from: number, to: number): { since: Date; until: Date } {
  return { since: new Date(now - from * DAY_MS - DAY_MS / 2), until: new Date(now - to * DAY_MS + DAY_MS / 2) };
}

/** A calendar day or month in the year of `now` (last year if that would be in the future). */
function calendar(now: number, month: number, day?: number): { since: Date; until: Date } {
  const year = new Date(now).getUTCFullYear();
  let start = Date.UTC(year, month, day ?? 1);
  if (start > now) start = Date.UTC(year - 1, month, day ?? 1);
  const end = day === undefined ? Date.UTC(new Date(start).getUTCFullYear(), month + 1, 1) : start + DAY_MS;
  return { since: new Date(start - DAY_MS / 2), until: new Date(end + DAY_MS / 2) };
}

const RULES: { re: RegExp; window: (m: RegExpExecArray, now: number) => { since: Date; until: Date } | undefined }[] = [
  { re: /\b(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty)\s+days?\s+ago\b/i, window: (m, now) => daysBack(now, num(m[1]!) + 1, num(m[1]!)) },
  { re: /\b(\d{1,2}|an?|one|two|three|four|five|six)\s+weeks?\s+ago\b/i, window: (m, now) => daysBack(now, 7 * num(m[1]!) + 7, 7 * num(m[1]!) - 7) },
  { re: /\byesterday\b/i, window: (_m, now) => daysBack(now, 2, 0) },
  { re: /\btoday\b/i, window: (_m, now) => daysBack(now, 1, 0) },
  { re: /\blast\s+week\b/i, window: (_m, now) => daysBack(now, 14, 6) },
  { re: /\bthis\s+week\b/i, window: (_m, now) => daysBack(now, 7, 0) },
  { re: /\blast\s+month\b/i, window: (_m, now) => daysBack(now, 62, 28) },
  { re: /\b(\d{4})-(\d{2})-(\d{2})\b/, window: (m) => ({ since: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) - DAY_MS / 2), until: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) + DAY_MS * 1.5) }) },
  { re: new RegExp(`\\b(?:on\\s+)?${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b`, 'i'), window: (m, now) => (+m[2]! <= 31 ? calendar(now, monthOf(m[1]!), +m[2]!) : undefined) },
  { re: new RegExp(`\\b(?:on\\s+)?(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\b`, 'i'), window: (m, now) => (+m[1]! <= 31 ? calendar(now, monthOf(m[2]!), +m[1]!) : undefined) },
  { re: new RegExp(`\\bin\\s+${MONTH_RE}\\b`, 'i'), window: (m, now) => calendar(now, monthOf(m[1]!)) },
];

/** The time a question names, if any (the first rule that matches). */
export function timeWindowOf(query: string, now = Date.now()): TimeWindow | undefined {
  for (const rule of RULES) {
    const m = rule.re.exec(query);
    if (!m) continue;
    const w = rule.window(m, now);
    if (!w || Number.isNaN(w.since.getTime()) || Number.isNaN(w.until.getTime())) continue;
    return { ...w, rest: `${query.slice(0, m.index)} ${query.slice(m.index + m[0].length)}`.replace(/\s+/g, ' ').trim() };
  }
  return undefined;
}
