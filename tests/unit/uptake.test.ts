/**
 * Uptake, judged from what a session did (common/rules/uptake.ts), and how uptake moves an item in
 * context ranking (common/rules/uptake-ranking.ts, api/context/start-context.ts): a cited file
 * opened or edited, a cited command run, a cited symbol touched, a quote in the final answer, a
 * recorded dead end repeated; never-used items demoted, then left out with their reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeUptake, sessionActivity, type ReceivedItem } from '../../common/rules/uptake.js';
import { uptakeAdjustment, UPTAKE_RULES } from '../../common/rules/uptake-ranking.js';
import type { ObservationLine } from '../../common/rules/check-outcomes.js';
import { assembleContext, type Candidate } from '../../api/context/start-context.js';

let seq = 0;
const tool = (toolName: string, input: Record<string, unknown>, title: string, result = 'ok'): ObservationLine => ({
  sequence: ++seq,
  kind: 'tool',
  toolName,
  title,
  text: `${JSON.stringify(input)}\n---\n${result}`,
});
const stop = (text: string): ObservationLine => ({ sequence: ++seq, kind: 'stop', toolName: null, title: 'Stop', text });

const session = sessionActivity([
  tool('Read', { file_path: '/home/dev/shop/src/auth/session.ts' }, 'Read: src/auth/session.ts'),
  tool('Edit', { file_path: '/home/dev/shop/src/cart/total.ts', old_string: 'computeTotal(items)', new_string: 'computeTotal(items, tax)' }, 'Edit: src/cart/total.ts'),
  tool('Bash', { command: 'npm run test:auth -- --watch=false' }, 'Bash: npm run test:auth -- --watch=false'),
  tool('Bash', { command: 'npm run migrate:legacy' }, 'FAILED Bash: npm run migrate:legacy', 'failed: Exit code 1'),
  tool('mcp__memflow__search', { query: 'src/billing/invoice.ts' }, 'mcp__memflow__search: src/billing/invoice.ts'),
  stop('Done. As memflow noted, the webhook signature must be verified before parsing the body, so I kept that order.'),
]);

const item = (over: Partial<ReceivedItem>): ReceivedItem => ({ id: '0f0e0d0c-0000-4000-8000-000000000001', type: 'learning', kind: 'fix', title: '', text: '', citations: [], ...over });

describe('judgeUptake', () => {
  test('a cited file opened or edited is use', () => {
    assert.deepEqual(judgeUptake(item({ title: 'Session tokens expire', citations: [{ path: 'src/auth/session.ts' }] }), session), { used: true, evidence: 'opened /home/dev/shop/src/auth/session.ts' });
    assert.equal(judgeUptake(item({ title: 'Totals round per line', text: 'See src/cart/total.ts for the rounding.' }), session).evidence, 'edited /home/dev/shop/src/cart/total.ts');
  });
  test('a cited command run is use; a symbol touched is use', () => {
    assert.equal(judgeUptake(item({ title: 'Auth tests', text: 'Run `npm run test:auth` before pushing.' }), session).evidence, 'ran npm run test:auth -- --watch=false');
    assert.equal(judgeUptake(item({ title: 'Totals', text: 'Pass the tax into `computeTotal`.' }), session).evidence, 'touched computeTotal');
  });
  test('a quote in the final answer is use, as is the item id', () => {
    const v = judgeUptake(item({ title: 'Webhooks', text: 'The webhook signature must be verified before parsing the body.' }), session);
    assert.equal(v.used, true);
    assert.match(v.evidence, /^quoted in the final answer/);
    assert.equal(judgeUptake(item({ id: 'abcdef12-0000-4000-8000-000000000000', title: 'x' }), sessionActivity([stop('I followed abcdef12.')])).used, true);
  });
  test('a recorded dead end repeated is not use, and says so', () => {
    const v = judgeUptake(item({ kind: 'dead_end', title: 'Legacy migration fails', text: '`npm run migrate:legacy` fails on the new schema; use migrate:v2.' }), session);
    assert.deepEqual(v, { used: false, evidence: 'repeated the recorded dead end: npm run migrate:legacy' });
  });
  test("nothing of it came up: unused; memflow's own tool calls do not count", () => {
    const v = judgeUptake(item({ title: 'Invoices', citations: [{ path: 'src/billing/invoice.ts' }], text: 'Use `formatInvoice` for PDFs.' }), session);
    assert.equal(v.used, false);
    assert.match(v.evidence, /none of its files/);
  });
});

describe('uptakeAdjustment', () => {
  test('too little evidence changes nothing; never used is demoted, then left out', () => {
    assert.deepEqual(uptakeAdjustment({ injected: UPTAKE_RULES.MIN_EVIDENCE - 1, used: 0 }), { factor: 1, withhold: false, note: '' });
    const demoted = uptakeAdjustment({ injected: UPTAKE_RULES.MIN_EVIDENCE, used: 0 });
    assert.equal(demoted.withhold, false);
    assert.ok(demoted.factor < 1);
    assert.equal(demoted.note, `demoted: injected ${UPTAKE_RULES.MIN_EVIDENCE}×, never used`);
    const left = uptakeAdjustment({ injected: UPTAKE_RULES.WITHHOLD_AFTER, used: 0 });
    assert.deepEqual(left, { factor: 0, withhold: true, note: `left out: injected ${UPTAKE_RULES.WITHHOLD_AFTER}×, never used` });
  });
  test('an explicit query that matches it, or a restatement since, brings it back', () => {
    assert.equal(uptakeAdjustment({ injected: 9, used: 0 }, { asked: true }).withhold, false);
    const restated = uptakeAdjustment({ injected: 9, used: 0, lastInjectedAt: new Date('2026-01-01') }, { restatedAt: new Date('2026-02-01') });
    assert.equal(restated.factor, 1);
    assert.match(restated.note, /restated since/);
  });
  test('used items rise with their use rate', () => {
    const a = uptakeAdjustment({ injected: 4, used: 1 });
    const b = uptakeAdjustment({ injected: 4, used: 4 });
    assert.ok(b.factor > a.factor && a.factor > 1);
    assert.equal(b.note, 'raised: used in 4 of 4 sessions');
  });
  test('used in 1 of 8 servings still rises (far above the few % an item is used on average); in 1 of 12 it is left out', () => {
    assert.equal(uptakeAdjustment({ injected: 8, used: 1 }).note, 'raised: used in 1 of 8 sessions');
    assert.deepEqual(uptakeAdjustment({ injected: 12, used: 1 }), { factor: 0, withhold: true, note: 'left out: used in only 1 of 12 sessions' });
  });
});

describe('assembleContext with uptake', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const learning = (id: string, title: string, confidence: number): Candidate => ({
    type: 'learning', id, kind: 'fix', title, text: `${title}: details of the fix.`, tool_name: null, confidence, strength: 1, at: new Date(now - 86_400_000), relevance: 0, project_name: 'shop',
  });
  const candidates = [learning('00000000-0000-4000-8000-00000000000a', 'Strong but never used', 0.95), learning('00000000-0000-4000-8000-00000000000b', 'Weaker and used', 0.6)];
  test('a never-used item is left out with its reason; a used one is chosen with its reason', () => {
    const before = assembleContext('shop', candidates, 1500, { now });
    assert.deepEqual(before.items, [candidates[0]!.id, candidates[1]!.id]);
    const uptake = new Map([
      [candidates[0]!.id, { injected: 5, used: 0 }],
      [candidates[1]!.id, { injected: 5, used: 3 }],
    ]);
    const after = assembleContext('shop', candidates, 1500, { now, uptake });
    assert.deepEqual(after.items, [candidates[1]!.id]);
    const served = after.served!;
    assert.equal(served.length, 2);
    assert.equal(served[0]!.included, true);
    assert.match(served[0]!.reason, /^learning \(fix\), score .*raised: used in 3 of 5 sessions$/);
    assert.ok(served[0]!.tokens > 0);
    assert.deepEqual({ ...served[1], score: 0 }, { id: candidates[0]!.id, type: 'learning', tokens: 0, score: 0, reason: 'left out: injected 5×, never used', included: false });
  });
});
