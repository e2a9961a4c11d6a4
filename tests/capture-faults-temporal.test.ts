/**
 * Capture survives the stack's Temporal server going away: restarted mid-session (the events
 * acknowledged meanwhile are processed once) and down when the session-end is acknowledged (the API's
 * redispatch completes the session). It stops and starts the shared Temporal (`stackManages`), so it
 * runs in the one-at-a-time tier; the faults of a file's own processes are
 * tests/capture-faults.test.ts.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { temporalService } from '../infra/services/temporal.js';
import { buildSession } from './fixtures/claude-sessions.js';
import { startTestApi, startTestWorker } from './helpers/app.js';
import { captureFaults } from './helpers/capture-faults.js';
import { stackManages, testConfig, testProfile, uniqueName } from './helpers/env.js';
import { replay } from './helpers/sessions.js';

const faults = captureFaults();
const { prisma, tuning, redispatch, cwd, assertCompletedOnce } = faults;

/** An in-process API and worker on a fresh task queue, for the body of one test. */
async function withApiAndWorker(name: string, body: (apiUrl: string) => Promise<void>): Promise<void> {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName(name) });
  const api = await startTestApi(config, prisma, { tuning, redispatch });
  const worker = await startTestWorker(config, prisma);
  try {
    await body(api.url);
  } finally {
    await worker.stop();
    await api.close();
  }
}

test('Temporal server restarted mid-session: events acknowledged meanwhile are processed once', {
  skip: !stackManages('temporal') && 'the test stack does not manage Temporal here',
}, async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 8);
  const third = Math.floor(s.deliveries.length / 3);
  await withApiAndWorker('temporal-restart', async (apiUrl) => {
    await replay(apiUrl, faults.tenant.key, s.deliveries.slice(0, third));
    assert.equal(await temporalService.stop(testProfile()), true);
    // Temporal is down: PostgreSQL still takes the events, so they are acknowledged.
    await replay(apiUrl, faults.tenant.key, s.deliveries.slice(third, 2 * third));
    await temporalService.start(testProfile(), () => undefined);
    await replay(apiUrl, faults.tenant.key, s.deliveries.slice(2 * third));
    await assertCompletedOnce(s);
  });
});

test('session-end acknowledged while Temporal is down still completes the session (redispatch)', {
  skip: !stackManages('temporal') && 'the test stack does not manage Temporal here',
}, async () => {
  const s = buildSession(crypto.randomUUID(), cwd(), 3);
  await withApiAndWorker('temporal-down-end', async (apiUrl) => {
    assert.equal(await temporalService.stop(testProfile()), true);
    await replay(apiUrl, faults.tenant.key, s.deliveries); // every signal fails; every event is durable
    await temporalService.start(testProfile(), () => undefined);
    await assertCompletedOnce(s);
  });
});
