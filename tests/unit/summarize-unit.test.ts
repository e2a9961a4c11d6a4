/**
 * The summarizer's parts on their own: batching by tokens, the offline summarizer on a recorded
 * session, learning fingerprints, prices, and the structured Claude call through the real SDK against
 * the fake Messages API (request shape, prompt caching, the repair path, and how each HTTP failure maps
 * onto Temporal's retry semantics).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { renderEvent } from '../../common/rules/observation.js';
import { chooseBatch } from '../../activities/summarize/summarize-activities.js';
import { callStructured, createAnthropic, PriceTable } from '../../activities/summarize/summary-call.js';
import { retryAfterMs } from '../../activities/failures.js';
import { Failure } from '../../messages/errors-v1.js';
import { learningFingerprint } from '../../activities/summarize/learning-merge.js';
import { offlineFinal, type OfflineObservation } from '../../activities/summarize/offline.js';
import { statedLearnings } from '../../activities/summarize/stated-learnings.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT, batchAnswerSchema, finalAnswerSchema } from '../../activities/summarize/summary-prompt.js';
import { countTokens } from '../../common/rules/tokens.js';
import { buildDebugSession } from '../fixtures/debug-session.js';
import { FakeAnthropic, apiKeyOf, behaviours } from '../helpers/fake-anthropic.js';

test('batches are cut by tokens, wait for open tool calls, and flush on demand', () => {
  const c = (sequence: number, tokenCount: number, open = false) => ({ sequence, tokenCount, open });
  // Not yet a full batch: nothing to do unless flushing.
  assert.deepEqual(chooseBatch([c(1, 100), c(2, 100)], { budget: 1000, flush: false }), { take: 0, tokens: 0, more: true });
  assert.deepEqual(chooseBatch([c(1, 100), c(2, 100)], { budget: 1000, flush: true }), { take: 2, tokens: 200, more: false });
  // A full batch is taken up to the budget.
  assert.deepEqual(chooseBatch([c(1, 600), c(2, 300), c(3, 300)], { budget: 1000, flush: false }), { take: 2, tokens: 900, more: true });
  // One observation over the budget is a batch of its own.
  assert.deepEqual(chooseBatch([c(1, 5000), c(2, 10)], { budget: 1000, flush: false }), { take: 1, tokens: 5000, more: true });
  // A tool call waiting for its result ends the batch, unless the session is over.
  assert.equal(chooseBatch([c(1, 600), c(2, 300, true), c(3, 600)], { budget: 1000, flush: false }).take, 0);
  assert.equal(chooseBatch([c(1, 600), c(2, 300, true), c(3, 600)], { budget: 1000, flush: true }).take, 2);
});

function observationsOf(sessionId: string): OfflineObservation[] {
  // The same rendering the capture activity stores; a tool call and its result are one observation.
  const s = buildDebugSession(sessionId, '/repo/shop');
  const out: OfflineObservation[] = [];
  const byCall = new Map<string, OfflineObservation>();
  s.deliveries.forEach((d, i) => {
    const r = renderEvent(d.event, d.body);
    if (!r) return;
    const row = { sequence: i + 1, kind: r.kind, toolName: r.toolName ?? null, title: r.title, text: r.text, tokenCount: countTokens(r.text) };
    if (r.toolUseId && byCall.has(r.toolUseId)) Object.assign(byCall.get(r.toolUseId)!, { title: r.title, text: r.text });
    else {
      if (r.toolUseId) byCall.set(r.toolUseId, row);
      out.push(row);
    }
  });
  return out;
}

test('the offline summarizer tells what was asked, looked at, fixed and decided', () => {
  const obs = observationsOf('offline-1');
  const a = offlineFinal(obs);
  assert.ok(a.title.startsWith('[offline] GET /api/orders/total returns a 500'), a.title);
  // The title is the first prompt; the body does not say it again (the second prompt is the rest of the request).
  assert.doesNotMatch(a.request, /returns a 500/);
  assert.match(a.request, /integer cents/);
  assert.match(a.investigated, /src\/orders\/total\.ts/);
  assert.match(a.investigated, /TypeError: Cannot read properties of undefined/);
  assert.match(a.completed, /src\/cart\/load\.ts/);
  assert.match(a.completed, /tests\/orders\/empty-cart\.test\.ts/);
  assert.match(a.learned, /npm test -- orders/);
  assert.equal(a.nextSteps, '', 'nothing is left failing');

  const fix = a.learnings.find((l) => l.kind === 'fix');
  assert.ok(fix, 'the failing-then-passing test run is a fix');
  assert.match(fix.title, /npm test -- orders failed, output: «.*TypeError/);
  assert.match(fix.body, /src\/cart\/load\.ts/);
  const seq = (pred: (o: OfflineObservation) => boolean) => obs.find(pred)!.sequence;
  assert.ok(fix.sources.includes(seq((o) => o.title.startsWith('Edit:') && o.title.includes('load.ts'))), 'cites the edit');
  assert.ok(fix.sources.includes(seq((o) => o.title === 'Bash: npm test -- orders')), 'cites the failing run');
  // The rules the person stated are taken in their words, for every summarizer (stated-learnings.ts).
  const stated = statedLearnings(obs.map((o) => ({ sequence: o.sequence, kind: o.kind, text: o.text })));
  const convention = stated.find((l) => l.kind === 'convention');
  assert.equal(convention?.title, 'Always add a regression test for every bug fix.');
  const decision = stated.find((l) => l.kind === 'decision');
  assert.match(decision?.title ?? '', /integer cents instead of floats/);
  assert.ok(!a.learnings.some((l) => l.kind === 'convention' || l.kind === 'decision'), 'the offline extractor adds no rule of its own');
  // Deterministic: the same input gives the same answer.
  assert.deepEqual(offlineFinal(observationsOf('offline-1')), a);
  assert.ok(finalAnswerSchema.safeParse(a).success, 'the offline answer has the model answer shape');
});

test('learning fingerprints ignore word order, case and filler words, but not the kind', () => {
  assert.equal(learningFingerprint('fix', 'The pool must be closed after tests'), learningFingerprint('fix', 'after tests, pool must be CLOSED'));
  assert.notEqual(learningFingerprint('fix', 'pool must be closed'), learningFingerprint('gotcha', 'pool must be closed'));
  assert.notEqual(learningFingerprint('fix', 'pool must be closed'), learningFingerprint('fix', 'pool must be opened'));
});

test('costs follow the price table, with cache reads and writes priced apart, and overrides', () => {
  const prices = new PriceTable('{"my-model":{"input":2,"output":10}}');
  const usage = { tokensIn: 1_000_000, tokensOut: 100_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 };
  assert.equal(prices.cost('claude-haiku-4-5-20251001', usage), 1 + 0.5 + 0.1 + 1.25);
  assert.equal(prices.cost('my-model', usage), 2 + 1 + 0.2 + 2.5);
  assert.equal(prices.cost('unknown-model', usage), 0);
  assert.throws(() => new PriceTable('{"m":{"input":"x"}}'), /MEMFLOW_LLM_PRICES: m needs numeric/);
  assert.throws(() => new PriceTable('not json'), /not valid JSON/);
});

test('retry-after is read in milliseconds, seconds or as a date', () => {
  assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '1500' })), 1500);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' })), 3000);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000);
  assert.equal(retryAfterMs(new Headers({})), undefined);
});

const fake = new FakeAnthropic();
before(() => fake.start());
after(() => fake.stop());

const call = async (schema = batchAnswerSchema, maxRepairs = 2) =>
  callStructured(await createAnthropic('sk-test-unit', fake.url), {
    model: 'claude-haiku-4-5',
    maxTokens: 700,
    system: SYSTEM_PROMPT,
    toolName: SUMMARY_TOOL,
    toolDescription: 'Record the summary.',
    schema,
    user: 'Project: shop\n#2 prompt: Fix the login bug\n#3 tool: Read: src/login.ts',
    maxRepairs,
  });

test('a structured call sends a forced tool, a cached system prompt and the key, and reads the answer', async () => {
  fake.reset();
  const first = await call();
  const second = await call();
  assert.equal(first.answer.title, 'Worked on: Fix the login bug');
  assert.equal(first.requests, 1);
  const [req] = fake.requests;
  assert.equal(apiKeyOf(req!.headers), 'sk-test-unit');
  assert.ok(req!.headers['anthropic-version']);
  assert.equal(req!.body.model, 'claude-haiku-4-5');
  assert.equal(req!.body.max_tokens, 700);
  assert.deepEqual(req!.body.tool_choice, { type: 'tool', name: SUMMARY_TOOL });
  assert.equal(req!.body.tools?.[0]?.name, SUMMARY_TOOL);
  assert.deepEqual(Object.keys(req!.body.tools![0]!.input_schema.properties ?? {}).sort(), ['completed', 'investigated', 'learned', 'nextSteps', 'request', 'title']);
  assert.deepEqual((req!.body.system as { cache_control?: unknown }[])[0]!.cache_control, { type: 'ephemeral' });
  // The first call writes the cache; the second reads the same prefix from it.
  assert.ok(first.usage.cacheWriteTokens > 1000, `cache write ${first.usage.cacheWriteTokens}`);
  assert.equal(second.usage.cacheWriteTokens, 0);
  assert.equal(second.usage.cacheReadTokens, first.usage.cacheWriteTokens);
  assert.ok(second.usage.tokensIn < 200, 'only the varying part is billed as input');
});

test('an answer that does not validate is repaired by a follow-up request, a bounded number of times', async () => {
  fake.reset();
  fake.enqueue(behaviours.invalidToolInput());
  const repaired = await call();
  assert.equal(repaired.requests, 2);
  const followUp = fake.requests[1]!.body.messages;
  assert.equal(followUp.length, 3, 'user, assistant (the bad answer), user (the tool error)');
  const toolResult = (followUp[2]!.content as { type: string; is_error?: boolean; content?: string }[])[0]!;
  assert.equal(toolResult.type, 'tool_result');
  assert.equal(toolResult.is_error, true);
  assert.match(toolResult.content ?? '', /title/);
  assert.ok(repaired.usage.tokensOut > 0 && repaired.usage.cacheReadTokens > 0, 'usage of both requests is counted');

  fake.reset();
  fake.enqueue(behaviours.text()); // a prose answer is also repaired
  assert.equal((await call()).requests, 2);

  fake.reset();
  fake.always = behaviours.invalidToolInput();
  await assert.rejects(call(batchAnswerSchema, 2), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, Failure.LlmMalformedOutput);
    assert.equal(err.nonRetryable, true);
    return true;
  });
  assert.equal(fake.requests.length, 3, 'one request and two repairs, then it stops');
});

test('HTTP failures map onto retryable and non-retryable failures, honouring retry-after', async () => {
  const cases: [ReturnType<(typeof behaviours)[keyof typeof behaviours]>, string, boolean, number | undefined][] = [
    [behaviours.rateLimited(7), Failure.LlmRateLimited, false, 7000],
    [behaviours.overloaded(), Failure.LlmUnavailable, false, undefined],
    [behaviours.serverError(), Failure.LlmUnavailable, false, undefined],
    [behaviours.unauthorized(), Failure.LlmAuthFailed, true, undefined],
    [behaviours.badRequest(), Failure.LlmRequestRejected, true, undefined],
  ];
  for (const [behaviour, type, nonRetryable, delay] of cases) {
    fake.reset();
    fake.enqueue(behaviour);
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, `${type}: ${String(err)}`);
      assert.equal(err.type, type);
      assert.equal(err.nonRetryable, nonRetryable);
      if (delay !== undefined) assert.equal(err.nextRetryDelay, delay);
      return true;
    });
    assert.equal(fake.requests.length, 1, `${type}: the SDK does not retry on its own`);
  }
  // A body that is not JSON is not an ApplicationFailure: Temporal retries it as transient.
  fake.reset();
  fake.enqueue(behaviours.notJson());
  await assert.rejects(call(), (err: unknown) => !(err instanceof ApplicationFailure) || !err.nonRetryable);
});
