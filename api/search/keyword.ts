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
import type { PgPool } from '../../common/pg.js';
import { NO_COMMON_TERMS, type CommonTerms } from './common-terms.js';
import { queryPrepared, scopeClauses, SqlParams } from './sql.js';
import type { RankedRef, RecordType, SearchScope } from './types.js';

/** Quotes, `-word` exclusions and the `or` operator: the caller asked for web-search semantics. */
const WEBSEARCH_SYNTAX = /["]|(^|\s)-\S|\sor\s/i;

export const usesWebsearchSyntax = (q: string) => WEBSEARCH_SYNTAX.test(q);

const TABLES: Record<RecordType, { table: string; extra: string }> = {
  observation: { table: 'observations', extra: '' },
  summary: { table: 'summaries', extra: '' },
  // A superseded learning is history, not advice: it stays reachable by id, never in results.
  learning: { table: 'learnings', extra: ` and t.status = 'active'` },
};

/**
 * Which matches are ranked, per table. Ranking costs ~5-30 µs a row here (the tsvector is read and
 * decompressed), and a query of fairly common words can match tens of thousands of rows at 100k,
 * so not every match can be ranked. Two tiers, both found through the GIN index:
 * - records holding at least two of the query's distinctive words (any pair of them, OR-ed: the
 *   index answers it) — the evidence worth ranking, whatever its age; the newest PAIR_WINDOW;
 * - records holding any one of them: the newest ANY_WINDOW, for questions whose words meet one at a
 *   time — only when the first tier found fewer candidates than the leg returns.
 * A query with one distinctive word ranks its newest PAIR_WINDOW matches. The windows bound the
 * ranking cost: ts_rank_cd took ~25 µs a row here (EXPLAIN ANALYZE at 100k records).
 */
export const PAIR_WINDOW = 800;
export const ANY_WINDOW = 200;
/** Distinctive words that form pairs (8 words: 28 pairs). */
const PAIR_WORDS = 8;

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
  const queries = (type: RecordType): { anyQ: string; pairQ: string } => {
    if (strict) return { anyQ: '(select all_q from q)', pairQ: '(select all_q from q)' };
    const words = `strip(ts_delete(q.v, ${p.add(common[type])}::text[]))`;
    // The query's words minus the table's common ones, OR-ed ('a' 'b' -> 'a' | 'b'); all_q when none is left.
    const any = `(select case when numnode(x) = 0 then q.all_q else x end from (select replace(${words}::text, ''' ''', ''' | ''')::tsquery as x) z)`;
    const firstWords = `(select l, i from unnest(tsvector_to_array(${words})) with ordinality u(l, i) limit ${PAIR_WORDS})`;
    return {
      anyQ: `(select ${any} from q)`,
      // Every pair of the first PAIR_WORDS distinctive words, OR-ed: ('a' & 'b') | ('a' & 'c') | …;
      // with fewer than two words, the any-word query.
      pairQ: `(select coalesce((select string_agg(quote_literal(w1.l) || ' & ' || quote_literal(w2.l), ' | ')::tsquery
             from ${firstWords} w1 join ${firstWords} w2 on w1.i < w2.i), ${any}) from q)`,
    };
  };
  const lim = p.add(depth);
  const pairWindow = p.add(PAIR_WINDOW);
  const anyWindow = p.add(ANY_WINDOW);
  const where = scopeClauses(scope, p);
  const pairs: string[] = [];
  const legs = scope.types.map((type) => {
    const { table, extra } = TABLES[type];
    const { anyQ, pairQ } = queries(type);
    // (select … from q) are InitPlans: computed once, and usable by the GIN index scan (a join
    // against the CTE would make the match a per-row filter over the whole tenant).
    const tier = (tsq: string, window: string, gate = '') => `select t.id, t.search_vector, t.created_at from ${table} t
            where ${where} and t.search_vector @@ ${tsq}${extra}${gate}
            order by t.created_at desc limit ${window}`;
    pairs.push(`pairs_${type} as materialized (${tier(pairQ, pairWindow)})`);
    // The any-word tier runs only when the pair tier found fewer than a page of candidates: it
    // has to fetch and sort every record holding any one word (most of the leg's time at 100k).
    const gate = ` and (select count(*) from pairs_${type}) < ${lim}`;
    return `(select '${type}' as type, c.id, (c.search_vector @@ (select all_q from q))::int + ts_rank_cd(c.search_vector, ${anyQ}, 32) as score
      from (select * from pairs_${type} union (${tier(anyQ, anyWindow, gate)})) c
      order by score desc, c.created_at desc
      limit ${lim})`;
  });
  const sql = `with q as (${terms}), ${pairs.join(', ')} select * from (${legs.join(' union all ')}) hits order by score desc`;
  const rows = await queryPrepared<{ type: RecordType; id: string; score: number }>(pool, sql, p.values);
  return rows.map((r) => ({ type: r.type, id: r.id, score: Number(r.score) }));
}
