/**
 * Replays the hybrid ranking offline, in this process, from the two legs' own lists: for each
 * question the keyword leg (PostgreSQL) and the vector leg (Weaviate) are asked once, as the search
 * service asks them, the union of their candidates is hydrated once, and then any fusion function
 * can be scored on the same candidates — the page it would have answered (fused, hydrated,
 * diversified), without a round trip per variant. Used by `--sweep` of bench:search and
 * bench:retrieval to choose the fusion on both benchmarks at once.
 */
import fs from 'node:fs';
import { commonTermsReader, keywordSearch } from '../api/search/keyword.js';
import { diversify, hydrateResults } from '../api/search/fusion.js';
import { vectorSearch, type VectorBackend } from '../api/search/semantic.js';
import { candidateDepth } from '../api/search/search-routes.js';
import { refKey, type RankedRef, type SearchResult, type SearchScope } from '../api/search/search-types.js';
import type { PgPool } from '../common/server/pg.js';

/** One question's candidates: each leg's ranked list and every candidate's index entry. */
export interface Legs {
  keyword: RankedRef[];
  vector: RankedRef[];
  records: Map<string, SearchResult>;
}

export type Fuse = (keyword: readonly RankedRef[], vector: readonly RankedRef[]) => RankedRef[];

/** Both legs' lists for one query, at the depth the service asks for a page of `limit`. */
export async function legsOf(pool: PgPool, vectors: VectorBackend, scope: SearchScope, query: string, limit: number): Promise<Legs> {
  const depth = candidateDepth(limit);
  const common = await commonTermsReader(pool)();
  const [client, vector] = await Promise.all([vectors.client(), vectors.embedQuery(query)]);
  const [keyword, vec] = await Promise.all([keywordSearch(pool, query, scope, depth, common), vectorSearch(client, { vector, scope, depth })]);
  const seen = new Map<string, RankedRef>();
  for (const r of [...keyword, ...vec]) if (!seen.has(refKey(r))) seen.set(refKey(r), r);
  const hydrated = await hydrateResults(pool, [...seen.values()], scope, query);
  return { keyword, vector: vec, records: new Map(hydrated.map((h) => [refKey(h), h])) };
}

/** The page a fusion would answer for these candidates: fused, hydrated (dropping what PostgreSQL lacks), diversified. */
export function replayPage(legs: Legs, fuse: Fuse, limit: number): SearchResult[] {
  const fused = fuse(legs.keyword, legs.vector);
  const page: SearchResult[] = [];
  for (const ref of fused) {
    const rec = legs.records.get(refKey(ref));
    if (rec) page.push({ ...rec, score: ref.score });
  }
  return diversify(page, limit);
}

/** One question of a sweep: its candidates, and what a page scores on it (metric -> value, averaged over questions). */
export interface SweepCase {
  legs: Legs;
  /** What answers it (written by dumpCases for offline study). */
  want: { sessionId: string; evidence?: string[]; scope: string };
  score(page: SearchResult[]): Record<string, number>;
}

/** Every variant's mean of every metric over the cases: [variant, [metric values in `metrics` order]]. */
export function sweepRows(cases: readonly SweepCase[], variants: readonly [string, Fuse][], metrics: readonly string[], limit = 10): [string, string[]][] {
  return variants.map(([name, fuse]) => {
    const sums = new Map<string, number>();
    for (const c of cases) for (const [m, v] of Object.entries(c.score(replayPage(c.legs, fuse, limit)))) sums.set(m, (sums.get(m) ?? 0) + v);
    return [name, metrics.map((m) => ((sums.get(m) ?? 0) / Math.max(1, cases.length)).toFixed(3))];
  });
}

/** MEMFLOW_SWEEP_DUMP=file: the cases as JSON (legs, candidates, what answers each), to study fusions offline. */
export function dumpCases(cases: readonly SweepCase[], label: string): void {
  const file = process.env.MEMFLOW_SWEEP_DUMP;
  if (!file) return;
  const json = cases.map((c) => ({ want: c.want, keyword: c.legs.keyword, vector: c.legs.vector, records: [...c.legs.records.values()] }));
  fs.writeFileSync(`${file}.${label}.json`, JSON.stringify(json));
}
