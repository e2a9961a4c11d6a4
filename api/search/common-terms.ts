/**
 * Words too common to select anything: the lexemes PostgreSQL's statistics (ANALYZE, pg_stats
 * most_common_elems) find in more than COMMON_SHARE of a table's rows, e.g. "user" in summaries
 * that all begin "The user asked...". An any-word match on such a lexeme selects most of the table
 * and then ranks every row of it (hundreds of ms at 100k rows), while telling nothing about
 * relevance — the IDF argument. The keyword leg leaves them out of matching (a record holding every
 * word, common ones included, still ranks first). Read once per TTL; a failure means no exclusions.
 */
import type { PgPool } from '../../common/pg.js';
import type { RecordType } from './types.js';

export const COMMON_SHARE = 0.05;
const TTL_MS = 5 * 60_000;

export type CommonTerms = Record<RecordType, string[]>;
export const NO_COMMON_TERMS: CommonTerms = { observation: [], summary: [], learning: [] };

const TABLE_TYPES: Record<string, RecordType> = { observations: 'observation', summaries: 'summary', learnings: 'learning' };

async function readCommonTerms(pool: PgPool): Promise<CommonTerms> {
  const { rows } = await pool.query<{ tablename: string; elems: string[] | null; freqs: number[] | null }>(
    `select tablename, most_common_elems::text::text[] as elems, most_common_elem_freqs as freqs
     from pg_stats where schemaname = current_schema() and attname = 'search_vector' and tablename = any($1)`,
    [Object.keys(TABLE_TYPES)],
  );
  const out: CommonTerms = { observation: [], summary: [], learning: [] };
  for (const r of rows) {
    const type = TABLE_TYPES[r.tablename];
    if (!type || !r.elems || !r.freqs) continue;
    // freqs holds one share per element, then min, max and null share: zip with elems only.
    out[type] = r.elems.filter((_, i) => (r.freqs![i] ?? 0) > COMMON_SHARE);
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
