/**
 * The session workflow's own logic, on the real Temporal test server, with its activities replaced
 * by an in-memory implementation of their real type: what `captured` signals add, summaries at stops
 * and at the end, continue-as-new with its carried state, and idle close (its saved histories replay
 * in tests/unit/replay.test.ts).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { CaptureActivities, PersistResult } from '../activities/capture/capture-activities.js';
import { createCloseActivities, type CloseActivities } from '../activities/summarize/session-close.js';
import { createTurnActivities, type TurnActivities } from '../activities/summarize/session-turn.js';
import type { UptakeActivities } from '../activities/context/uptake-activities.js';
import type { SummarizeActivities, SummaryOutcome } from '../activities/summarize/summarize-activities.js';
import type { CaptureProgress } from '../messages/capture-v1.js';
import type { HookEventName } from '../messages/hooks-v1.js';
import { capturedSignal, sessionViewQuery, sessionWorkflowId, type SessionWorkflowInput } from '../messages/workflows-v1/session.js';
import { testConfig, uniqueName } from './helpers/env.js';
import { keepHistory } from './helpers/histories.js';
import { testWorkflowBundle } from './helpers/workflow-bundle.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('session-wf') });

/** What the fake activities saw: each session's captured events (its highest sequence), closes and summaries. */
class FakeStore {
  /** Per session, the events the API captured (as the `captured` signals say): its highest sequence. */
  readonly events = new Map<string, number>();
  closed: { status: string; reason: string }[] = [];
  readonly summaryCalls: string[] = [];
  /** Catch-up activities called (runs since no-stop-catch-up-v1 call none between stops). */
  catchUps = 0;
  /** What lastLifecycle answers (a run's first events after a session-end are late). */
  lifecycle: 'start' | 'end' | null = 'start';
  /** Sessions whose uptake was measured (as they closed). */
  readonly uptake: string[] = [];
  /** Sessions whose vector sync always fails (Weaviate away), and each session's sync attempts. */
  readonly vectorsDown = new Set<string>();
  readonly syncAttempts = new Map<string, number>();
  /** Sessions whose final summary finds the budget spent once (parked until a second later). */
  readonly parkFinalOnce = new Set<string>();

  /**
   * Capture activities that answer from what was captured, plus summarization that always succeeds;
   * the close's activities are the real ones (activities/close) over these.
   */
  activities(): CaptureActivities & UptakeActivities & SummarizeActivities & CloseActivities & TurnActivities & VectorSync {
    const fakes = this.fakes();
    return { ...fakes, ...createCloseActivities({ capture: fakes, summarize: fakes, vectors: fakes, uptake: fakes }), ...createTurnActivities({ summarize: fakes, vectors: fakes }) };
  }

  private fakes(): CaptureActivities & UptakeActivities & SummarizeActivities & VectorSync {
    const done = (toSequence: number): SummaryOutcome => ({ status: 'done', summaryId: crypto.randomUUID(), fromSequence: 1, toSequence, offline: true, more: false });
    const count = (sessionId: string) => this.events.get(sessionId) ?? 0;
    return {
      summarizeBatch: async ({ flush, minTokens, afterSequence, sessionId }) => {
        this.summaryCalls.push(`batch${flush ? ':flush' : minTokens !== undefined ? ':turn' : ''}`);
        const due = (flush || minTokens !== undefined) && afterSequence < count(sessionId);
        return due ? done(count(sessionId)) : { status: 'nothing', more: false };
      },
      summarizeSession: async ({ kind, sessionId }) => {
        this.summaryCalls.push(kind);
        if (kind === 'final' && this.parkFinalOnce.delete(sessionId)) return { status: 'parked', resetsAt: Date.now() + 1000, used: 100, limit: 100 };
        return done(count(sessionId));
      },
      syncSessionVectors: async ({ sessionId }) => {
        this.summaryCalls.push('sync');
        this.syncAttempts.set(sessionId, (this.syncAttempts.get(sessionId) ?? 0) + 1);
        if (this.vectorsDown.has(sessionId)) throw new Error('connect ECONNREFUSED 127.0.0.1:28081');
      },
      // The API stored every event with its observation: a catch-up finds nothing left.
      persistEvents: async ({ sessionId }): Promise<PersistResult> => {
        this.catchUps++;
        return { eventCount: count(sessionId), stored: 0, doneIds: [], sawSessionEnd: false, sawStop: false, tokens: 0, more: false };
      },
      closeSession: async ({ status, reason }) => {
        this.closed.push({ status, reason });
      },
      lastLifecycle: async () => this.lifecycle,
      measureUptake: async ({ sessionId }) => {
        this.uptake.push(sessionId);
        return { judged: 0, used: 0 };
      },
    };
  }
}

interface VectorSync {
  syncSessionVectors(input: { tenantId: string; projectId: string; sessionId: string }): Promise<void>;
}

const store = new FakeStore();
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let client: Client;

before(async () => {
  nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await testWorkflowBundle(),
    activities: store.activities(),
  });
  running = worker.run();
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  client = new Client({ connection });
});

after(async () => {
  worker.shutdown();
  await running;
  await nativeConnection.close();
  await connection.close();
});

function input(tuning: SessionWorkflowInput['tuning']): SessionWorkflowInput {
  return { tenantId: crypto.randomUUID(), projectId: crypto.randomUUID(), sessionId: crypto.randomUUID(), agentSessionId: crypto.randomUUID(), tuning };
}

/**
 * What the API signals after capturing one event: its counts, under the session's next sequence (or
 * the last one again: a repeated signal, which the workflow drops). Returns the run that got it.
 */
async function signal(inp: SessionWorkflowInput, event: HookEventName, repeat = false): Promise<{ runId: string }> {
  const sequence = (store.events.get(inp.sessionId) ?? 0) + (repeat ? 0 : 1);
  store.events.set(inp.sessionId, sequence);
  const progress: CaptureProgress = {
    events: 1,
    tokens: 100,
    starts: event === 'session-start' ? 1 : 0,
    stops: event === 'stop' ? 1 : 0,
    ends: event === 'session-end' ? 1 : 0,
    compacts: 0,
    throughSequence: sequence,
  };
  const handle = await client.workflow.signalWithStart('sessionWorkflow', {
    workflowId: sessionWorkflowId(inp.tenantId, inp.projectId, inp.agentSessionId),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [inp],
    signal: capturedSignal,
    signalArgs: [progress],
  });
  return { runId: handle.signaledRunId };
}

test('a long session continues-as-new, carries its state and ends', async () => {
  const inp = input({ maxHistoryEvents: 60, idleTimeoutMs: 60_000 });
  const first = await signal(inp, 'session-start');
  for (let i = 0; i < 120; i++) await signal(inp, i % 2 ? 'post-tool-use' : 'pre-tool-use');
  await signal(inp, 'post-tool-use', true); // a repeated signal for events already counted
  await signal(inp, 'session-end');

  const handle = client.workflow.getHandle(sessionWorkflowId(inp.tenantId, inp.projectId, inp.agentSessionId));
  const result = await handle.result();
  assert.equal(result.status, 'completed');
  assert.equal(result.closedBy, 'session-end');
  assert.equal(result.eventCount, 122, 'the close counted every captured event once');
  assert.deepEqual(store.uptake.filter((id) => id === inp.sessionId), [inp.sessionId], 'uptake measured once, as the session closed');

  // The run that finished is not the first: the chain continued-as-new and carried its count.
  const description = await handle.describe();
  assert.notEqual(description.runId, first.runId);
  const firstRun = client.workflow.getHandle(handle.workflowId, first.runId);
  assert.equal((await firstRun.describe()).status.name, 'CONTINUED_AS_NEW');
  assert.ok((await handle.query(sessionViewQuery)).runs > 1, 'the final run knows it is not the first');

  // Keep this history as a replay fixture the first time (committed; see the replay test).
  await keepHistory('session-continue-as-new', firstRun);
});

test('an idle session closes itself as completed', async () => {
  const inp = input({ idleTimeoutMs: 1500 });
  await signal(inp, 'session-start');
  await signal(inp, 'user-prompt-submit');
  const handle = client.workflow.getHandle(sessionWorkflowId(inp.tenantId, inp.projectId, inp.agentSessionId));
  assert.equal((await handle.query(sessionViewQuery)).status, 'active');
  const result = await handle.result();
  assert.deepEqual(result, { status: 'completed', eventCount: result.eventCount, closedBy: 'idle' });

  await keepHistory('session-idle', handle);
});

test('a session is summarized at each stop and at its end, then synced to the vector store', async () => {
  const inp = input({ idleTimeoutMs: 60_000 });
  store.summaryCalls.length = 0;
  const catchUps = store.catchUps;
  await signal(inp, 'session-start');
  await signal(inp, 'user-prompt-submit');
  await signal(inp, 'stop');
  const handle = client.workflow.getHandle(sessionWorkflowId(inp.tenantId, inp.projectId, inp.agentSessionId));
  // The stop flushes a batch and makes the rolling summary before the next event is handled (one
  // activity: the workflow counts its summaries once the sync, its last step, is done).
  for (let i = 0; i < 100 && (await handle.query(sessionViewQuery)).summaries < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(store.summaryCalls, ['batch:turn', 'rolling', 'sync']);
  assert.equal(store.catchUps, catchUps, 'no catch-up activity at the stop (no-stop-catch-up-v1)');
  assert.equal((await handle.query(sessionViewQuery)).summaries, 2);
  await signal(inp, 'session-end');
  const result = await handle.result();
  assert.equal(result.closedBy, 'session-end');
  assert.deepEqual(store.summaryCalls.slice(3), ['batch:flush', 'final', 'sync']);
  // The stop's three steps are one activity (lean-session-v1); the close is one, its settling a local activity.
  const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  assert.deepEqual(scheduled, ['summarizeTurn', 'summarizeSessionEnd']);

  // session-summaries-pre-lean-session.json keeps this session as runs before lean-session-v1 ran it (three activities at the stop, the settling an activity).
  await keepHistory('session-summaries', handle);
});

/** A session of a start, a prompt and its end; returns its workflow's handle. */
async function shortSession(inp: SessionWorkflowInput) {
  for (const event of ['session-start', 'user-prompt-submit', 'session-end'] as const) await signal(inp, event);
  return client.workflow.getHandle(sessionWorkflowId(inp.tenantId, inp.projectId, inp.agentSessionId));
}

test('a session closes as completed when the vector store stays away: the sync is tried four times, then left to reconciliation', { timeout: 60_000 }, async () => {
  const inp = input({ idleTimeoutMs: 60_000 });
  store.vectorsDown.add(inp.sessionId);
  const handle = await shortSession(inp);
  const result = await handle.result();
  assert.equal(result.status, 'completed');
  assert.equal(result.closedBy, 'session-end');
  assert.equal(store.syncAttempts.get(inp.sessionId), 4, 'the settle activity retried the sync three times, then closed without it');
  assert.deepEqual(store.uptake.filter((id) => id === inp.sessionId), [inp.sessionId], 'uptake measured once');
  assert.equal((await handle.query(sessionViewQuery)).status, 'completed');
});

test('a session whose final summary finds the budget spent waits, summarizing, and closes when the budget returns', { timeout: 60_000 }, async () => {
  const inp = input({ idleTimeoutMs: 60_000 });
  store.parkFinalOnce.add(inp.sessionId);
  const handle = await shortSession(inp);
  let view = await handle.query(sessionViewQuery);
  for (let i = 0; i < 100 && view.status === 'active'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    view = await handle.query(sessionViewQuery);
  }
  assert.equal(view.status, 'summarizing', 'parked at the end, the session shows as summarizing');
  const result = await handle.result();
  assert.equal(result.status, 'completed');
  assert.ok(!store.parkFinalOnce.has(inp.sessionId), 'the final summary was asked again after the park');
  assert.equal(view.summaries, 1, 'the batch was counted; the parked final was not');
  assert.equal((await handle.query(sessionViewQuery)).summaries, 2, 'the final summary counted once it was written');
});
