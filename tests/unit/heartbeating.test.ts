/**
 * Model-call activities heartbeat on a timer while they run (activities/heartbeating.ts), so their
 * preset's heartbeat timeout notices a lost attempt; the timer stops when the activity settles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { allHeartbeating, HEARTBEAT_EVERY_MS, heartbeating } from '../../activities/heartbeating.js';
import { llmCalls } from '../../workflows/activity-presets.js';

test('an activity heartbeats every interval while it runs, and not after it settled, whatever its outcome', async () => {
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  const slow = heartbeating(async (ms: number) => {
    await sleep(ms);
    return ms * 2;
  }, 20);
  assert.equal(await env.run(slow, 210), 420);
  const afterRun = beats;
  assert.ok(afterRun >= 5 && afterRun <= 11, `about one heartbeat per 20 ms of 210 ms, saw ${afterRun}`);
  await sleep(100);
  assert.equal(beats, afterRun, 'no heartbeat once the activity returned');

  const failing = allHeartbeating({
    fails: async () => {
      await sleep(90);
      throw new Error('model refused');
    },
  }, 20);
  await assert.rejects(env.run(failing.fails), /model refused/);
  const afterFailure = beats;
  assert.ok(afterFailure - afterRun >= 2, 'it heartbeat while the failing call ran');
  await sleep(100);
  assert.equal(beats, afterFailure, 'no heartbeat once the activity failed');
});

test('the model-call preset has a heartbeat timeout that the timer keeps well inside', () => {
  const ms = (d: unknown) => Number(String(d).split(' ')[0]) * 1000;
  assert.ok(llmCalls.heartbeatTimeout, 'llmCalls has a heartbeat timeout');
  assert.ok(ms(llmCalls.heartbeatTimeout) >= 3 * HEARTBEAT_EVERY_MS, 'at least three timer heartbeats fit in it');
});
