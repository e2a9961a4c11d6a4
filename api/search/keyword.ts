/**
 * The keyword leg: PostgreSQL full-text search over the weighted, GIN-indexed `search_vector`
 * columns of observations, summaries and learnings, always filtered by tenant in SQL.
 *
 * Matching: a plain query ("why does the login test time out") matches records holding ANY of its
 * stemmed words — except the words too common in that table to select anything (common-terms.ts;
 * when every word is common, records holding ALL of them) — and ranks records holding all the
 * words first, then by ts_rank_cd (cover density, normalized to 0..1). Strict AND matching alone
 * finds nothing for most questions an agent asks, because questions carry words the stored text
 * does not. A query that uses web-search syntax (quotes, a leading `-`, `or`) is taken literally
 * with websearch_to_tsquery.
 */
import type { PgPool } from '../../common/server/pg.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { LONE_ROWS, NO_COMMON_TERMS, type CommonTerms } from './common-terms.js';
import { queryPrepared, scopeClauses, SqlParams } from './search-sql.js';
import type { RankedRef, RecordType, SearchScope } from './search-types.js';

/** Quotes, `-word` exclusions and the `or` operator: the caller asked for web-search semantics. */
const WEBSEARCH_SYNTAX = /["]|(^|\s)-\S|\sor\s/i;

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
  // The learning's status is part of the scope (search-sql.ts: learningStatusClause).
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
 *   words, as many as together select at most LONE_ROWS rows (common-terms.ts: at 1M a fairly
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
  const strict = usesWebsearchSyntax(query);
  // all_q (every word) ranks first; each table matches its own any_q. An empty tsquery matches nothing.
  const terms = strict
    ? `select websearch_to_tsquery('english', ${q}) as all_q, null::tsvector as v`
    : `select plainto_tsquery('english', ${q}) as all_q, to_tsvector('english', ${q}) as v`;
  const queries = (type: RecordType): { rare: string; anyQ: string; loneQ: string; pairQ: string; tripleQ: string } => {
    if (strict) return { rare: `'{}'::tsquery[]`, anyQ: '(select all_q from q)', loneQ: '(select all_q from q)', pairQ: '(select all_q from q)', tripleQ: '(select all_q from q)' };
    const t = common[type];
    const words = `strip(ts_delete(q.v, ${p.add([...t.common, ...QUESTION_WORDS])}::text[]))`;
    // The query's words minus the table's common ones, OR-ed: what ranks, and what pairs and triples are made of.
    const any = `(select case when numnode(x) = 0 then q.all_q else x end from (select replace(${words}::text, ''' ''', ''' | ''')::tsquery as x) z)`;
    // What selects a record on one word alone: the rarest words while their rows add up to at
    // most LONE_ROWS (common-terms.ts); all_q when not even the rarest fits.
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
