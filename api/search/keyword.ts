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
 * Matches ranked per table: the most recent ones. Ranking costs ~5-30 µs a row here (the tsvector
 * is read and decompressed); a query whose words are all fairly common can match thousands of rows.
 */
export const RANK_WINDOW = 500;

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
  const anyQuery = (type: RecordType) =>
    strict
      ? '(select all_q from q)'
      : // The query's words minus the table's common ones, OR-ed ('a' 'b' -> 'a' | 'b'); all_q when none is left.
        `(select case when numnode(x) = 0 then q.all_q else x end from q,
          lateral (select replace(strip(ts_delete(q.v, ${p.add(common[type])}::text[]))::text, ''' ''', ''' | ''')::tsquery as x) l)`;
  const lim = p.add(depth);
  const window = p.add(RANK_WINDOW);
  const where = scopeClauses(scope, p);
  const legs = scope.types.map((type) => {
    const { table, extra } = TABLES[type];
    const anyQ = anyQuery(type);
    // (select … from q) are InitPlans: computed once, and usable by the GIN index scan (a join
    // against the CTE would make the match a per-row filter over the whole tenant). Ranking reads
    // (and decompresses) each row's tsvector, so only the RANK_WINDOW most recent matches are ranked.
    return `(select '${type}' as type, c.id, (c.search_vector @@ (select all_q from q))::int + ts_rank_cd(c.search_vector, ${anyQ}, 32) as score
      from (select t.id, t.search_vector, t.created_at from ${table} t
            where ${where} and t.search_vector @@ ${anyQ}${extra}
            order by t.created_at desc limit ${window}) c
      order by score desc, c.created_at desc
      limit ${lim})`;
  });
  const sql = `with q as (${terms}) select * from (${legs.join(' union all ')}) hits order by score desc`;
  const rows = await queryPrepared<{ type: RecordType; id: string; score: number }>(pool, sql, p.values);
  return rows.map((r) => ({ type: r.type, id: r.id, score: Number(r.score) }));
}
