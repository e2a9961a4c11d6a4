/**
 * Model-call activities heartbeat on a timer while they run (activities/heartbeating.ts), so their
 * preset's heartbeat timeout notices a lost attempt; the timer stops when the activity settles.
 * Progress heartbeats (after a page, a batch) are sent only once an attempt has run a while.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { allHeartbeating, HEARTBEAT_EVERY_MS, heartbeating, progressHeartbeat } from '../../activities/heartbeating.js';
import { llmCalls } from '../../workflows/activity-presets.js';

test('an activity heartbeats every interval while it runs, and not after it settled, whatever its outcome', async () => {
  // The clock is the test's (setInterval mocked): beats are counted per interval, not per wall time.
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    let finish!: (v: number) => void;
    const slow = heartbeating((ms: number) => new Promise<number>((resolve) => (finish = (v) => resolve(v + ms))), 20);
    const ran = env.run(slow, 210);
    await new Promise(setImmediate); // the activity has started
    mock.timers.tick(210);
    finish(210);
    assert.equal(await ran, 420);
    const afterRun = beats;
    assert.equal(afterRun, 10, 'one heartbeat per 20 ms of its 210 ms');
    mock.timers.tick(100);
    assert.equal(beats, afterRun, 'no heartbeat once the activity returned');

    let fail!: () => void;
    const failing = allHeartbeating({ fails: () => new Promise<never>((_, reject) => (fail = () => reject(new Error('model refused')))) }, 20);
    const failed = env.run(failing.fails);
    await new Promise(setImmediate);
    mock.timers.tick(90);
    fail();
    await assert.rejects(failed, /model refused/);
    const afterFailure = beats;
    assert.equal(afterFailure - afterRun, 4, 'it heartbeat while the failing call ran (90 ms: 4 beats)');
    mock.timers.tick(100);
    assert.equal(beats, afterFailure, 'no heartbeat once the activity failed');
  } finally {
    mock.timers.reset();
  }
});

test('the model-call preset has a heartbeat timeout that the timer keeps well inside', () => {
  const ms = (d: unknown) => Number(String(d).split(' ')[0]) * 1000;
  assert.ok(llmCalls.heartbeatTimeout, 'llmCalls has a heartbeat timeout');
  assert.ok(ms(llmCalls.heartbeatTimeout) >= 3 * HEARTBEAT_EVERY_MS, 'at least three timer heartbeats fit in it');
});

test('a progress heartbeat reaches Temporal only once the attempt has run a while, never from a local activity', async () => {
  const beatsOf = async (info: ConstructorParameters<typeof MockActivityEnvironment>[0]) => {
    const env = new MockActivityEnvironment(info);
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await env.run(async () => {
      progressHeartbeat({ page: 1 });
      progressHeartbeat({ page: 2 });
    });
    return beats;
  };
  assert.equal(await beatsOf({ currentAttemptScheduledTimestampMs: Date.now() }), 0, 'a short attempt sends none (the first would go to the server at once)');
  assert.equal(await beatsOf({ currentAttemptScheduledTimestampMs: Date.now() - 2 * HEARTBEAT_EVERY_MS }), 2, 'a long one heartbeats on every progress');
  assert.equal(await beatsOf({ currentAttemptScheduledTimestampMs: Date.now() - 2 * HEARTBEAT_EVERY_MS, isLocal: true }), 0, 'a local activity has no heartbeat');
  assert.doesNotThrow(() => progressHeartbeat(), 'outside an activity it does nothing');
});
