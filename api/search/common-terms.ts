/**
 * Words too common to select anything: the lexemes PostgreSQL's statistics (ANALYZE, pg_stats
 * most_common_elems) find in more than COMMON_SHARE of a table's rows, e.g. "user" in summaries
 * that all begin "The user asked...". An any-word match on such a lexeme selects most of the table
 * and then ranks every row of it (hundreds of ms at 100k rows), while telling nothing about
 * relevance — the IDF argument. The keyword leg leaves them out of matching (a record holding every
 * word, common ones included, still ranks first).
 *
 * The one-word tier (keyword.ts) fetches every row holding any of the question's words to keep
 * the newest few, ~2.5 µs a row here. At 1M records "how did we handle build cache never used"
 * fetched 70k observations that way (keyword leg p95 135 ms over bench:search's questions). So
 * that tier takes the question's words rarest first while their rows add up to at most
 * LONE_ROWS; the others still count in pairs and triples. The rows of a word come from the same
 * statistics (share × the table's rows); a word they do not list is rarer than every listed one
 * and counts as none. A question whose words together hold at most LONE_ROWS rows is matched as
 * before.
 * Read once per TTL; a failure means no exclusions.
 */
import type { PgPool } from '../../common/server/pg.js';
import type { RecordType } from './search-types.js';

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
