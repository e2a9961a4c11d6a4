/**
 * Every saved workflow history (tests/fixtures/histories, recorded by `npm run fixtures:histories`)
 * replays against the current workflow code without nondeterminism; and, as the negative control,
 * one of them with a command the code does not issue (an activity of another name) fails with
 * DeterminismViolationError, so the replay does detect a change. The Temporal runtime is installed
 * as the worker installs it (workers/temporal-logger.ts): Core's own (Rust) logs go to the pino
 * logger rather than to the console.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type ReplayHistoriesIterable } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createLogger } from '../../common/server/logger.js';
import { installTemporalRuntime } from '../../workers/temporal-logger.js';
import { HISTORIES_DIR } from '../helpers/histories.js';
import { testWorkflowBundle } from '../helpers/workflow-bundle.js';

/** Every kind of workflow memflow runs; each needs at least one saved history. */
const KINDS = ['session-', 'erase-', 'backup-', 'restore-', 'retention-', 'memory-', 'reconcile-', 'redaction-'];

/** What the runtime logged at warn and above, as pino JSON lines. */
const logged: string[] = [];
installTemporalRuntime(createLogger('replay-test', 'warn', { write: (line: string) => void logged.push(line) }));

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const readJson = (file: string): { events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[] } =>
  JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));

async function replay(histories: { workflowId: string; json: unknown }[]): Promise<Map<string, Error | undefined>> {
  const iterable: ReplayHistoriesIterable = histories.map(({ workflowId, json }) => ({ workflowId, history: historyFromJSON(json) }));
  const results = new Map<string, Error | undefined>();
  for await (const r of Worker.runReplayHistories({ workflowBundle: await testWorkflowBundle(), replayName: 'memflow-replay' }, iterable)) {
    results.set(r.workflowId, r.error);
  }
  return results;
}

test('every saved history replays against the current workflow code', { timeout: 180_000 }, async () => {
  for (const kind of KINDS) assert.ok(files.some((f) => f.startsWith(kind)), `a saved history of ${kind}* exists`);
  const results = await replay(files.map((f) => ({ workflowId: f, json: readJson(f) })));
  assert.equal(results.size, files.length, 'every history was replayed');
  for (const [file, error] of results) assert.equal(error, undefined, `${file}: ${error?.stack ?? ''}`);
});

test('a history the code would not produce fails replay with DeterminismViolationError', { timeout: 180_000 }, async () => {
  const file = 'session-busy-workers.json';
  const json = readJson(file);
  const scheduled = json.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  assert.ok(scheduled?.activityTaskScheduledEventAttributes, `${file} schedules an activity`);
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'anActivityNoWorkflowSchedules';
  const results = await replay([{ workflowId: `altered-${file}`, json }]);
  const error = results.get(`altered-${file}`);
  assert.ok(error instanceof DeterminismViolationError, `expected DeterminismViolationError, got ${error?.stack ?? 'no error'}`);
});
