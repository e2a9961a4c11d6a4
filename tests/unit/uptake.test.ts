/**
 * Uptake, judged from what a session did (common/rules/uptake.ts), and how uptake moves an item in
 * context ranking (common/rules/uptake-ranking.ts, api/context/start-context.ts): a cited file
 * opened or edited, a cited command run, a cited symbol touched, a quote in the final answer, a
 * recorded dead end repeated; never-used items demoted, then left out with their reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeUptake, sessionActivity, type ReceivedItem } from '../../common/rules/uptake.js';
import { BEYOND_CHANCE, chanceOfUses, nearRecentWork, ownUse, UNPROVEN_SHARE, uptakeAdjustment, UPTAKE_RULES } from '../../common/rules/uptake-ranking.js';
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
  test("once its kind's rate here is known, an item's use is judged against it: above it, a use of its own; below it, as good as unused", () => {
    // Learnings used in 3 % of servings here: 3 of 12 (25 %) is well above the average learning.
    assert.equal(ownUse({ injected: 12, used: 3 }, 0.03), 'proven');
    assert.equal(uptakeAdjustment({ injected: 12, used: 3 }, { kindRate: 0.03 }).note, 'raised: used in 3 of 12 sessions');
    // Learnings used in 30 %: 1 of 8 (12 %) does no better than an untried one.
    assert.equal(ownUse({ injected: 8, used: 1 }, 0.3), 'below');
    assert.deepEqual(uptakeAdjustment({ injected: 8, used: 1 }, { kindRate: 0.3 }), { factor: 0, withhold: true, note: 'left out: used in only 1 of 8 sessions' });
    // Too few servings to call it below its kind (at a rate of 50 %, one use in 5 is still only chance), or never used.
    assert.equal(ownUse({ injected: UPTAKE_RULES.RARE_EVIDENCE - 1, used: 1 }, 0.5), 'chance');
    assert.equal(ownUse({ injected: 9, used: 0 }, 0.03), 'none');
  });
  test('a use of its own is beyond chance: one use in 19 servings is what an untried item of a kind used in 5 % shows by luck', () => {
    // 1 − 0.95^19: 62 % of items used at the kind's rate would have been used at least once.
    assert.ok(Math.abs(chanceOfUses(1, 19, 0.05) - (1 - 0.95 ** 19)) < 1e-9);
    assert.equal(ownUse({ injected: 19, used: 1 }, 0.05), 'chance');
    // Still raised (it was used), not left out.
    assert.equal(uptakeAdjustment({ injected: 19, used: 1 }, { kindRate: 0.05 }).note, 'raised: used in 1 of 19 sessions');
    // Before the kind's rate is known there is nothing to compare with: a use is a use.
    assert.equal(ownUse({ injected: 19, used: 2 }, undefined), 'proven');
    assert.equal(chanceOfUses(0, 10, 0.05), 1);
    assert.equal(chanceOfUses(3, 10, 0), 0);
    // Long histories do not underflow: 600 uses in 20,000 servings, where 2 % (400) are expected, is no chance.
    assert.ok(chanceOfUses(600, 20_000, 0.02) < 1e-6);
    assert.ok(chanceOfUses(400, 20_000, 0.02) > 0.4 && chanceOfUses(400, 20_000, 0.02) < 0.6);
    assert.ok(BEYOND_CHANCE > 0 && BEYOND_CHANCE < 1);
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

describe('rules a person stated last', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  test('a decision handed over again and again and never used is not left out (uptake orders rules, never drops them)', () => {
    const decision: Candidate = {
      type: 'learning', id: '00000000-0000-4000-8000-0000000000d1', kind: 'decision', title: 'Retries are capped at 7 — never change that', text: '"We decided retries are capped at 7 — never change that." — the user',
      tool_name: null, confidence: 0.8, strength: 1, at: new Date(now - 86_400_000), relevance: 0, project_name: 'shop', origin: 'user',
    };
    const built = assembleContext('shop', [decision], 1500, { now, uptake: new Map([[decision.id, { injected: 16, used: 0 }]]) });
    assert.deepEqual(built.items, [decision.id]);
    assert.ok(!built.served!.some((s) => !s.included));
  });
});

describe('near recent work and the share of the unproven', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const learning = (n: number, path: string, confidence = 0.9): Candidate => ({
    type: 'learning', id: id(n), kind: 'pattern', title: `Pattern ${n} about the module`, text: `How pattern ${n} is used, at some length, so that each line costs tokens.`,
    tool_name: null, confidence, strength: 1, at: new Date(now - n * 3_600_000), relevance: 0, project_name: 'shop', citations: [{ path, startLine: 1, endLine: 1, hash: 'h', lines: [] }],
  });
  // Learnings are used in 2 % of servings here: a kind rarely used.
  const kinds = new Map([['learning', { judged: 100, used: 2 }], ['observation', { judged: 100, used: 1 }]]);

  test('a cited file is near recent work when the latest tool calls touched it (absolute or relative)', () => {
    assert.equal(nearRecentWork(['src/cart/total.ts'], ['/home/dev/shop/src/cart/total.ts']), true);
    assert.equal(nearRecentWork(['src/cart/total.ts'], ['/home/dev/shop/src/auth/session.ts']), false);
    assert.equal(nearRecentWork(['src/cart/total.ts'], []), false);
  });

  test('a learning near recent work is raised and not left out for looking unused', () => {
    const far = learning(1, 'src/auth/session.ts', 0.95);
    const near = learning(2, 'src/cart/total.ts', 0.6);
    const uptake = new Map([[near.id, { injected: 6, used: 0 }], [far.id, { injected: 6, used: 0 }]]);
    const built = assembleContext('shop', [{ ...far, touched: ['/home/dev/shop/src/cart/total.ts'] }, near], 1500, { now, uptake, kinds });
    assert.ok(built.items.includes(near.id));
    assert.ok(!built.items.includes(far.id));
    const served = built.served!.find((x) => x.id === near.id)!;
    assert.match(served.reason, /near recent work/);
    assert.equal(built.served!.find((x) => x.id === far.id)!.reason, 'left out: injected 6×, never used');
  });

  test('items without a use of their own (here all near recent work, so not limited to the tried) take at most their share of the budget; used ones are not limited', () => {
    const unproven = Array.from({ length: 60 }, (_, i) => learning(10 + i, `src/area${i}/file.ts`));
    const used = Array.from({ length: 3 }, (_, i) => learning(150 + i, `src/used${i}/file.ts`, 0.5));
    const uptake = new Map(used.map((c) => [c.id, { injected: 4, used: 2 }]));
    const budget = 1500;
    const touched = unproven.map((_, i) => `/home/dev/shop/src/area${i}/file.ts`);
    const built = assembleContext('shop', [{ ...unproven[0]!, touched }, ...unproven.slice(1), ...used], budget, { now, uptake, kinds });
    const included = built.served!.filter((x) => x.included);
    const unprovenTokens = included.filter((x) => x.type === 'learning' && !used.some((u) => u.id === x.id)).reduce((a, x) => a + x.tokens, 0);
    assert.ok(unprovenTokens <= UNPROVEN_SHARE * budget, `${unprovenTokens} tokens of unproven items`);
    for (const u of used) assert.ok(built.items.includes(u.id));
    assert.ok(built.tokens < budget * 0.6);
    assert.match(built.served!.filter((x) => !x.included).map((x) => x.reason).join('\n'), /has no use of its own, and such items' \d+ % of the budget is spent/);
    // Without uptake (as before it was measured) the budget is filled as far as the candidates go.
    assert.ok(assembleContext('shop', [...unproven, ...used], budget, { now }).tokens > 2 * built.tokens);
  });

  test('items used, but no more than chance gives an untried one, share the budget too; they are not limited to the tried', () => {
    // Learnings used in 2 % of servings here: one use in 40 servings is what 55 % of untried ones would show.
    const lucky = Array.from({ length: 40 }, (_, i) => learning(200 + i, `src/lucky${i}/file.ts`));
    const uptake = new Map(lucky.map((c) => [c.id, { injected: 40, used: 1 }]));
    const budget = 1500;
    const built = assembleContext('shop', lucky, budget, { now, uptake, kinds });
    const included = built.served!.filter((x) => x.included);
    // More than the few newest tried (each is raised for its use), but within the share.
    assert.ok(included.length > 4, `${included.length} included`);
    assert.ok(included.reduce((a, x) => a + x.tokens, 0) <= UNPROVEN_SHARE * budget);
    const out = built.served!.filter((x) => !x.included).map((x) => x.reason);
    assert.ok(out.length > 0);
    for (const why of out) assert.match(why, /its uses are no more than chance gives an untried one, and such items' \d+ % of the budget is spent/);
  });
});
