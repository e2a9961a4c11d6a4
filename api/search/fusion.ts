/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each list contributes
 * 1 / (k + rank) for every record it holds (rank 1-based), and records are ordered by the sum.
 * It needs no score calibration between legs (ts_rank_cd and Weaviate's hybrid score live on
 * unrelated scales), rewards records both legs agree on, and k = 60 — the paper's value — keeps a
 * single first place in one list from outweighing solid placements in both.
 */
import { refKey, type RankedRef } from './types.js';

export const RRF_K = 60;

export function reciprocalRankFusion(lists: readonly (readonly RankedRef[])[], k = RRF_K): RankedRef[] {
  const fused = new Map<string, RankedRef>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.forEach((ref, i) => {
      const key = refKey(ref);
      if (seen.has(key)) return; // a list counts each record once, at its best rank
      seen.add(key);
      const entry = fused.get(key) ?? { type: ref.type, id: ref.id, score: 0 };
      entry.score += 1 / (k + i + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
