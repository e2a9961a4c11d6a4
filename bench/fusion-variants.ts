/**
 * Fusion candidates scored by the benchmarks' `--sweep` (bench/fusion-replay.ts) beside the one in
 * production (api/search/fusion.ts): score normalisations (by the best score, min-max, z-score),
 * rank fusion, and each leg alone as a reference.
 */
import { weightedFusion, weightedRrf, zScoreFusion } from '../api/search/fusion.js';
import { refKey, type RankedRef } from '../api/search/search-types.js';
import type { Fuse } from './fusion-replay.js';

type Norm = (list: readonly RankedRef[]) => Map<string, { ref: RankedRef; norm: number }>;

const firsts = (list: readonly RankedRef[]) => {
  const out = new Map<string, RankedRef>();
  for (const r of list) if (!out.has(refKey(r))) out.set(refKey(r), r);
  return [...out.values()];
};

const minMax: Norm = (list) => {
  const xs = firsts(list);
  const hi = Math.max(...xs.map((r) => r.score));
  const lo = Math.min(...xs.map((r) => r.score));
  return new Map(xs.map((r) => [refKey(r), { ref: r, norm: hi > lo ? (r.score - lo) / (hi - lo) : 1 }]));
};

const zScore: Norm = (list) => {
  const xs = firsts(list);
  const m = xs.reduce((a, r) => a + r.score, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((a, r) => a + (r.score - m) ** 2, 0) / Math.max(1, xs.length)) || 1;
  return new Map(xs.map((r) => [refKey(r), { ref: r, norm: (r.score - m) / sd }]));
};

/** A blend of two normalised legs; a record missing from a leg gets `missing` from it. */
function blend(norm: Norm, wk: number, wv: number, agreement = 0, missing = 0): Fuse {
  return (keyword, vector) => {
    const kw = norm(keyword);
    const vec = norm(vector);
    const out = new Map<string, RankedRef>();
    for (const key of new Set([...kw.keys(), ...vec.keys()])) {
      const k = kw.get(key);
      const v = vec.get(key);
      const ref = (k ?? v)!.ref;
      const score = wk * (k?.norm ?? missing) + wv * (v?.norm ?? missing) + (k && v ? agreement * Math.min(k.norm, v.norm) : 0);
      out.set(key, { type: ref.type, id: ref.id, score });
    }
    return [...out.values()].sort((a, b) => b.score - a.score);
  };
}

export const VARIANTS: [string, Fuse][] = [
  ['keyword leg alone', (k) => [...k]],
  ['vector leg alone', (_, v) => [...v]],
  ['production (zScoreFusion 0.7/0.3, keyword best within 5)', (k, v) => zScoreFusion(k, v)],
  ['z-score 0.6/0.4 (production before)', blend(zScore, 0.6, 0.4, 0, -1)],
  ['best-score 0.6/0.4 +0.1 (weightedFusion)', (k, v) => weightedFusion(k, v)],
  ['best-score 0.5/0.5 +0.1', (k, v) => weightedFusion(k, v, { keyword: 0.5, vector: 0.5, agreement: 0.1 })],
  ['rrf k=60', (k, v) => weightedRrf(k, v)],
  ['rrf k=20', (k, v) => weightedRrf(k, v, { keyword: 1, vector: 1 }, 20)],
  ['rrf k=60 kw 1.3', (k, v) => weightedRrf(k, v, { keyword: 1.3, vector: 1 })],
  ['min-max 0.5/0.5', blend(minMax, 0.5, 0.5)],
  ['min-max 0.6/0.4', blend(minMax, 0.6, 0.4)],
  ['min-max 0.4/0.6', blend(minMax, 0.4, 0.6)],
  ['min-max 0.5/0.5 +0.1', blend(minMax, 0.5, 0.5, 0.1)],
  ['z-score 0.5/0.5', blend(zScore, 0.5, 0.5, 0, -1)],
  ['z-score 0.7/0.3', blend(zScore, 0.7, 0.3, 0, -1)],
  ['z-score 0.4/0.6', blend(zScore, 0.4, 0.6, 0, -1)],
];
