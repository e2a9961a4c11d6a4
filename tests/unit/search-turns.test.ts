/**
 * The turns a search hit carries (api/search/turns.ts, issue 66): how the turns of the page's
 * sessions are scored (keyword and vector z-scores, a stated rule above the chatter) and which a
 * hit carries (its own session's best, never itself).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickTurns, scoreTurns, STATED_BONUS, TURNS_PER_HIT } from '../../api/search/turns.js';
import { searchLine } from '../../mcp/tools/tool-kit.js';

const turn = (id: string, session: string, kw: number, stated = false) => ({ id, session_id: session, kw, stated });

test('a paraphrased answer the keyword rank misses is carried by its vector similarity', () => {
  const turns = [turn('chatter', 's1', 0.3), turn('answer', 's1', 0), turn('other', 's1', 0)];
  const sim = new Map([
    ['chatter', 0.2],
    ['answer', 0.9],
    ['other', 0.25],
  ]);
  const scored = scoreTurns(turns, sim);
  const best = [...scored].sort((a, b) => b.score - a.score)[0]!;
  assert.equal(best.id, 'answer');
  // Without vectors the keyword rank alone decides.
  assert.equal([...scoreTurns(turns)].sort((a, b) => b.score - a.score)[0]!.id, 'chatter');
});

test('a turn that stated a rule ranks above chatter that matches as well', () => {
  const turns = [turn('chatter', 's1', 0.5), turn('rule', 's1', 0.5, true), turn('noise', 's1', 0.1)];
  const scored = scoreTurns(turns, new Map([['chatter', 0.5], ['rule', 0.5], ['noise', 0.1]]));
  const byId = new Map(scored.map((t) => [t.id, t.score]));
  assert.equal(byId.get('rule')! - byId.get('chatter')!, STATED_BONUS);
});

test('each hit carries its own session\'s best turns, never itself, the second only above the average', () => {
  const scored = [
    { id: 'a1', session_id: 's1', score: 1.5 },
    { id: 'a2', session_id: 's1', score: 0.4 },
    { id: 'a3', session_id: 's1', score: -0.2 },
    { id: 'b1', session_id: 's2', score: 0.9 },
    { id: 'b2', session_id: 's2', score: -0.5 },
  ];
  const page = [
    { id: 'sum-1', type: 'summary' as const, sessionId: 's1' },
    { id: 'b1', type: 'observation' as const, sessionId: 's2' },
    { id: 'learning', type: 'learning' as const, sessionId: null },
  ];
  const picked = pickTurns(page, scored);
  assert.deepEqual(picked.get('sum-1')!.map((t) => t.id), ['a1', 'a2']);
  assert.ok(picked.get('sum-1')!.length <= TURNS_PER_HIT);
  // The hit that is itself s2's best turn carries the next one only if it stands above average: it does not.
  assert.equal(picked.has('b1'), false);
  assert.equal(picked.has('learning'), false, 'a hit without a session carries nothing');
});

test('a hit carries one turn an exchange, none of its own exchange, and first the turn the search set aside for it', () => {
  // s1: exchange 1 (prompt p1, answer a1), exchange 2 (p2, a2), exchange 3 (p3).
  const scored = [
    { id: 'p1', session_id: 's1', score: 1.4, exchange: 1 },
    { id: 'a1', session_id: 's1', score: 1.2, exchange: 1 },
    { id: 'a2', session_id: 's1', score: 0.6, exchange: 2 },
    { id: 'p2', session_id: 's1', score: 0.5, exchange: 2 },
    { id: 'p3', session_id: 's1', score: -0.4, exchange: 3 },
  ];
  const learningHit = [{ id: 'l1', type: 'learning' as const, sessionId: 's1' }];
  assert.deepEqual(pickTurns(learningHit, scored).get('l1')!.map((t) => t.id), ['p1', 'a2']);
  // The answer of exchange 1 is the hit: its prompt is not carried beside it.
  assert.deepEqual(pickTurns([{ id: 'a1', type: 'observation' as const, sessionId: 's1' }], scored).get('a1')!.map((t) => t.id), ['a2']);
  // The search ranked p3 best of s1's records but set it aside for the learning: it leads, below the average or not.
  assert.deepEqual(pickTurns(learningHit, scored, new Map([['s1', 'p3']])).get('l1')!.map((t) => t.id), ['p3', 'p1']);
});

test('the MCP index shows a hit\'s carried turns under it, by short id', () => {
  const line = searchLine({
    id: '611e4b0e-0000-4000-8000-000000000000',
    type: 'summary',
    title: 'Retry worker settled',
    snippet: 'Retry worker settled',
    score: 1,
    sessionId: 's1',
    createdAt: '2026-07-30T00:00:00Z',
    turns: [{ id: '7a2c9f10-0000-4000-8000-000000000000', kind: 'prompt', title: 'Make retries exactly 7', snippet: 'exactly 7 retries, measured to the rate-limit window', score: 1.2, createdAt: '2026-07-30T00:00:00Z' }],
  } as never);
  assert.match(line, /\n {2}↳ 7a2c9f10 prompt: exactly 7 retries, measured to the rate-limit window$/);
});
