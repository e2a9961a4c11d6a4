/**
 * The hybrid ranking's pure parts (api/search/fusion.ts): per-leg normalisation and weighted
 * blending, and the page's dedupe and per-session quota.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bySessionEvidence, diversify, keptWithin, SESSION_WEIGHTS, weightedFusion, zScoreFusion } from '../../api/search/fusion.js';
import type { RankedRef } from '../../api/search/search-types.js';
import { setAsideTurns } from '../../api/search/turns.js';

const ref = (id: string, score: number, type: RankedRef['type'] = 'observation'): RankedRef => ({ type, id, score });

test('each leg is normalised by its best score, so neither scale dominates', () => {
  // Keyword scores run to 2 (all words + ts_rank_cd), cosine similarity to 1: after normalising,
  // the two legs' first places are worth their weights, not their raw numbers.
  const fused = weightedFusion([ref('k1', 2), ref('k2', 1)], [ref('v1', 0.5), ref('v2', 0.25)], { keyword: 0.5, vector: 0.5, agreement: 0 });
  assert.deepEqual(
    fused.map((r) => [r.id, r.score]),
    [
      ['k1', 0.5],
      ['v1', 0.5],
      ['k2', 0.25],
      ['v2', 0.25],
    ],
  );
});

test('a record both legs found outranks one leg\'s first place', () => {
  const fused = weightedFusion([ref('solo-k', 1), ref('both', 0.8)], [ref('solo-v', 0.9), ref('both', 0.85)]);
  assert.equal(fused[0]!.id, 'both');
  assert.equal(new Set(fused.map((r) => r.id)).size, fused.length, 'no record twice');
});

test('a leg holding the same id under two types keeps them apart; a leg repeating a record counts it once', () => {
  const fused = weightedFusion([ref('x', 1, 'summary'), ref('x', 1, 'observation'), ref('x', 0.1, 'summary')], []);
  assert.deepEqual(fused.map((r) => `${r.type}:${r.id}`).sort(), ['observation:x', 'summary:x']);
});

test('an empty leg leaves the other leg\'s order as it was', () => {
  const kw = [ref('a', 3), ref('b', 2), ref('c', 1)];
  assert.deepEqual(weightedFusion(kw, []).map((r) => r.id), ['a', 'b', 'c']);
  assert.deepEqual(weightedFusion([], kw).map((r) => r.id), ['a', 'b', 'c']);
});

/** Digits spelled as letters: records differing only in a number would be near-identical. */
const words = (id: string) => id.replace(/\d/g, (d) => ` ${'abcdefghij'[Number(d)]}x`);
const hit = (id: string, sessionId: string | null, score: number, title = `title ${words(id)}`) => ({ id, type: 'observation' as const, title, snippet: `text of ${words(id)}`, sessionId, score });

test('a session is shown once, by its learning or else its best record, before any second record; one summary of a session; scores stay in page order', () => {
  const learning = { ...hit('l1', 'A', 0.55), type: 'learning' as const };
  const summary = (id: string, session: string, score: number) => ({ ...hit(id, session, score), type: 'summary' as const });
  const page = diversify([hit('a1', 'A', 0.9), hit('a2', 'A', 0.8), summary('s1', 'A', 0.75), summary('s2', 'A', 0.72), hit('a3', 'A', 0.7), learning, hit('b1', 'B', 0.5), hit('c1', 'C', 0.4), hit('b2', 'B', 0.35), hit('d1', 'D', 0.3)], 7);
  // Every session's best first, A shown by its learning at its best record's place (scored as it); then the others'
  // further records in order; never a second summary of a session.
  assert.deepEqual(page.map((r) => r.id), ['l1', 'b1', 'c1', 'd1', 'a1', 'a2', 's1']);
  assert.equal(page[0]!.score, 0.9);
  // Two learnings of one session: the first shows it, the second waits with its records.
  const two = diversify([hit('a1', 'A', 0.9), { ...learning, score: 0.6 }, { ...hit('l2', 'A', 0.58), type: 'learning' as const }, hit('b1', 'B', 0.5)], 10);
  assert.deepEqual(two.map((r) => r.id), ['l1', 'b1', 'a1', 'l2']);
  // A learning ranked above its session's records holds the session's place; they follow every other session's best.
  const led = diversify([{ ...learning, score: 0.95 }, hit('a1', 'A', 0.9), hit('b1', 'B', 0.5), hit('c1', 'C', 0.4)], 10);
  assert.deepEqual(led.map((r) => r.id), ['l1', 'b1', 'c1', 'a1']);
  // Set aside for its learning, A's best turn is the one A's hit carries first (turns.ts setAsideTurns).
  // The two ways bench:retrieval --page-ab compares: the earlier rule (a learning takes no place of its session) and a learning as a plain record.
  const ab = [hit('a1', 'A', 0.9), { ...learning, score: 0.85 }, hit('b1', 'B', 0.5)];
  assert.deepEqual(diversify(ab, 10, 'apart').map((r) => r.id), ['a1', 'l1', 'b1']);
  assert.deepEqual(diversify(ab, 10, 'record').map((r) => r.id), ['a1', 'b1', 'l1']);
  assert.deepEqual(diversify(ab, 10).map((r) => r.id), ['l1', 'b1', 'a1']);
  const ranked = [{ ...learning, score: 0.95 }, hit('a1', 'A', 0.9), hit('a2', 'A', 0.8), hit('b1', 'B', 0.5)];
  assert.deepEqual([...setAsideTurns(ranked, led.slice(0, 3))], [['A', 'a1']]);
  for (let i = 1; i < page.length; i++) assert.ok(page[i]!.score <= page[i - 1]!.score);
  // Records without a session are each their own.
  assert.deepEqual(diversify([hit('x1', null, 0.9), hit('x2', null, 0.8)], 10).map((r) => r.id), ['x1', 'x2']);
});

test('near-identical records (same words once numbers are masked) are shown once', () => {
  const page = diversify([hit('r1', 'A', 0.9, 'Bash: npm test (run 412)'), hit('r2', 'B', 0.8, 'Bash: npm test (run 97)'), hit('r3', 'C', 0.7, 'Bash: npm run lint')].map((h) => ({ ...h, snippet: '' })), 10);
  assert.deepEqual(page.map((r) => r.id), ['r1', 'r3']);
});

test('one title (type and title, numbers masked) holds one of the first places; the others follow in order', () => {
  const page = diversify(
    [hit('g1', 'A', 0.9, 'Grep: valid credentials'), hit('g2', 'B', 0.85, 'Grep: valid credentials'), hit('g3', 'C', 0.8, 'Grep: valid credentials'), hit('x1', 'D', 0.5), hit('y1', 'E', 0.4)],
    10,
  );
  assert.deepEqual(page.map((r) => r.id), ['g1', 'x1', 'y1', 'g2', 'g3']);
});

test('z-score fusion: a flat leg cannot outvote a leg with a clear winner; records both legs hold rank first', () => {
  // The vector leg's candidates are all about as good; the keyword leg has one clear winner.
  const kw = [ref('k-win', 1.7), ref('both', 0.7), ref('k2', 0.68), ref('k3', 0.66)];
  const vec = [ref('v-noise', 0.36), ref('both', 0.355), ref('v2', 0.35), ref('v3', 0.34)];
  const fused = zScoreFusion(kw, vec).map((r) => r.id);
  assert.equal(fused[0], 'k-win');
  assert.ok(fused.indexOf('both') < fused.indexOf('v-noise'));
  // One leg alone keeps its order; duplicates count once.
  assert.deepEqual(zScoreFusion([ref('a', 3), ref('b', 2), ref('a', 1), ref('c', 1)], []).map((r) => r.id), ['a', 'b', 'c']);
  assert.deepEqual(zScoreFusion([], []), []);
});

test('z-score fusion keeps the keyword leg\'s best match within the first five places, and only it', () => {
  // Five records both legs hold outrank, by the sum of both legs, the keyword leg's best (which the vector leg lacks).
  const both = ['b1', 'b2', 'b3', 'b4', 'b5'];
  const kw = [ref('k-best', 1.0), ...both.map((id) => ref(id, 0.95)), ...Array.from({ length: 14 }, (_, i) => ref(`k${i}`, 0.1))];
  const vec = [...both.map((id) => ref(id, 0.9)), ...Array.from({ length: 20 }, (_, i) => ref(`v${i}`, 0.3))];
  const fused = zScoreFusion(kw, vec);
  assert.deepEqual(fused.slice(0, 6).map((r) => r.id), ['b1', 'b2', 'b3', 'b4', 'k-best', 'b5']);
  for (let i = 1; i < fused.length; i++) assert.ok(fused[i]!.score <= fused[i - 1]!.score, 'scores stay in page order');
  // Only the leg's best is kept up: its second (k0, 0.1) stays where the scores put it.
  assert.ok(fused.findIndex((r) => r.id === 'k0') > 5);
  // Already within reach: nothing moves; otherwise it takes the place and that place's score.
  assert.deepEqual(keptWithin([ref('a', 3), ref('b', 2), ref('c', 1)], ref('b', 2), 5).map((r) => r.id), ['a', 'b', 'c']);
  assert.deepEqual(keptWithin([ref('a', 3), ref('b', 2), ref('c', 1)], ref('c', 1), 2), [ref('a', 3), ref('c', 2), ref('b', 2)]);
});

/** A hydrated record of `session` (null: none) with its fused score. */
const rec = (id: string, session: string | null, score: number, type: 'observation' | 'summary' | 'learning' = 'observation') => ({ id, type, sessionId: session, score });

test('session order (issue 66): a session with a second record found outranks one lucky record; records keep their order within a session and the scores of their places', () => {
  // A's best record is a little ahead of B's; B has a second record found, A none.
  const results = [rec('a1', 'A', 1.0), rec('b1', 'B', 0.9), rec('b2', 'B', 0.6), rec('c1', 'C', 0.5), rec('d1', 'D', 0.0)];
  // Default weights: B's lift is SESSION_WEIGHTS.second x 0.6 (its second record above the weakest candidate, 0.0) = 0.3.
  assert.equal(SESSION_WEIGHTS.second, 0.5);
  const ordered = bySessionEvidence(results, new Map());
  assert.deepEqual(ordered.map((r) => r.id), ['b1', 'a1', 'b2', 'c1', 'd1']);
  assert.deepEqual(ordered.map((r) => r.score), [1.0, 0.9, 0.6, 0.5, 0.0]);
  // The page shows B's second record after every other session's best.
  assert.deepEqual(diversify(ordered.map((r) => ({ ...r, title: `record ${r.id.replace(/\d/g, (d) => 'xyz'[Number(d)]!)}`, snippet: '' })), 10).map((r) => r.id), ['b1', 'a1', 'c1', 'd1', 'b2']);
  // One record each: the fused order.
  assert.deepEqual(bySessionEvidence([rec('a1', 'A', 1.0), rec('b1', 'B', 0.9), rec('c1', 'C', 0.5)], new Map()).map((r) => r.id), ['a1', 'b1', 'c1']);
  // With a weight on the nearest turn (off by default), a session whose turn stands out lifts; one below the mean or absent gains nothing.
  const w = { second: 0, nearest: 0.5 };
  const nearest = new Map([['A', 0.3], ['B', 0.3], ['C', 0.9]]);
  assert.deepEqual(bySessionEvidence([rec('a1', 'A', 1.0), rec('b1', 'B', 0.9), rec('c1', 'C', 0.5), rec('d1', 'D', 0.4)], nearest, undefined, w).map((r) => r.id), ['c1', 'a1', 'b1', 'd1']);
});

test('session order: learnings and records of no session keep their places; the keyword leg\'s best stays within five', () => {
  const results = [rec('l1', 'A', 1.2, 'learning'), rec('a1', 'A', 1.0), rec('x1', null, 0.95), rec('b1', 'B', 0.9), rec('b2', 'B', 0.8), rec('c1', 'C', 0.1)];
  // B (a second record) takes A's place; the learning (of A) and the record of no session stay where they were.
  const ordered = bySessionEvidence(results, new Map());
  assert.deepEqual(ordered.map((r) => r.id), ['l1', 'b1', 'x1', 'b2', 'a1', 'c1']);
  assert.deepEqual(ordered.map((r) => r.score), [1.2, 1.0, 0.95, 0.9, 0.8, 0.1]);
  // The keyword leg's best record, pushed down by other sessions' lift, is kept at the fifth place.
  const many = [rec('k', 'K', 1.0), ...['P', 'Q', 'R', 'S', 'T'].map((s) => rec(`${s}1`, s, 0.95)), ...['P', 'Q', 'R', 'S', 'T'].map((s) => rec(`${s}2`, s, 0.8)), rec('z', 'Z', 0)];
  assert.ok(bySessionEvidence(many, new Map()).findIndex((r) => r.id === 'k') > 4, 'without the keep it falls below');
  assert.equal(bySessionEvidence(many, new Map(), { type: 'observation', id: 'k', score: 1 }).findIndex((r) => r.id === 'k'), 4);
});
