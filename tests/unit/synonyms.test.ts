/**
 * The shape of common/rules/synonyms.ts: narrow groups, written the way the matcher reads text.
 * Entries are compared after the matcher's own normalisation (split at non-letters, lowercase,
 * the embedder's light stemming), so "baskets" and "basket" count as one word.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STOP_WORDS } from '../../common/server/embeddings/lexicon.js';
import { stem } from '../../common/server/embeddings/local.js';
import { SYNONYM_GROUPS } from '../../common/rules/synonyms.js';

/** An entry as the matcher would see it: stemmed words, stop words kept (they tell "log in" from "log"). */
function key(entry: string): string {
  return entry
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => stem(w))
    .join(' ');
}

/** Words that can carry meaning once the matcher drops stop words and one-letter tokens. */
function contentWords(entry: string): string[] {
  return entry.split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

test('between 400 and 700 groups', () => {
  assert.ok(SYNONYM_GROUPS.length >= 400 && SYNONYM_GROUPS.length <= 700, `${SYNONYM_GROUPS.length} groups`);
});

test('every entry is lowercase, trimmed, at most three words, and names something beyond stop words', () => {
  const bad: string[] = [];
  for (const entry of SYNONYM_GROUPS.flat()) {
    if (entry !== entry.toLowerCase()) bad.push(`not lowercase: "${entry}"`);
    if (entry !== entry.trim().replace(/\s+/g, ' ')) bad.push(`stray spaces: "${entry}"`);
    if (entry.split(/[\s-]+/).length > 3) bad.push(`more than three words: "${entry}"`);
    if (contentWords(entry).length === 0) bad.push(`only stop words or single letters: "${entry}"`);
  }
  assert.deepEqual(bad, []);
});

test('every group holds two or more different entries', () => {
  const bad: string[] = [];
  for (const group of SYNONYM_GROUPS) {
    const keys = group.map(key);
    if (new Set(keys).size < 2) bad.push(`fewer than two distinct entries: ${JSON.stringify(group)}`);
    else if (new Set(keys).size !== keys.length) bad.push(`an entry repeats (after stemming): ${JSON.stringify(group)}`);
  }
  assert.deepEqual(bad, []);
});

test('no entry sits in more than two groups', () => {
  const groupsOf = new Map<string, number[]>();
  SYNONYM_GROUPS.forEach((group, i) => {
    for (const k of new Set(group.map(key))) groupsOf.set(k, [...(groupsOf.get(k) ?? []), i]);
  });
  const over = [...groupsOf].filter(([, gs]) => gs.length > 2).map(([k, gs]) => `${k}: ${gs.map((g) => JSON.stringify(SYNONYM_GROUPS[g])).join(' ')}`);
  assert.deepEqual(over, []);
});

test('no two groups are the same', () => {
  const seen = new Map<string, number>();
  SYNONYM_GROUPS.forEach((group, i) => {
    const sig = [...new Set(group.map(key))].sort().join('|');
    assert.ok(!seen.has(sig), `groups ${seen.get(sig)} and ${i} are the same: ${JSON.stringify(group)}`);
    seen.set(sig, i);
  });
});

test('no group is contained in another', () => {
  const sets = SYNONYM_GROUPS.map((g) => new Set(g.map(key)));
  const bad: string[] = [];
  sets.forEach((a, i) => {
    sets.forEach((b, j) => {
      if (i !== j && a.size <= b.size && [...a].every((k) => b.has(k))) bad.push(`${JSON.stringify(SYNONYM_GROUPS[i])} is inside ${JSON.stringify(SYNONYM_GROUPS[j])}`);
    });
  });
  assert.deepEqual(bad, []);
});

test('every group joins different words: its entries do not all share one', () => {
  const bad = SYNONYM_GROUPS.filter((group) => {
    const words = group.map((e) => new Set(contentWords(e).map((w) => stem(w))));
    return [...words[0]!].some((w) => words.every((ws) => ws.has(w)));
  });
  assert.deepEqual(bad, []);
});
