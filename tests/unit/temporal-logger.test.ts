/**
 * Core's own (Rust) log lines reach the worker's pino logger when the Temporal runtime is installed
 * as the worker installs it (workers/temporal-logger.ts, `telemetryOptions.logging.forward`): each
 * with its level, its fields and `sdkComponent: "core"`, rather than printed to the console. No server
 * is needed: a replay worker (with nothing to replay) makes Core log "Initializing worker" at INFO
 * with its namespace and task queue. The runtime can be installed once per process, so this file
 * holds this one test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../../common/server/logger.js';
import { waitUntil } from '../../infra/wait-until.js';
import { installTemporalRuntime } from '../../workers/temporal-logger.js';

/** What the runtime logged, as the pino JSON lines it wrote. */
const logged: Record<string, unknown>[] = [];
installTemporalRuntime(createLogger('core-log-test', 'info', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) }));

const IDLE_WORKFLOW = fileURLToPath(new URL('../fixtures/idle-workflow.ts', import.meta.url));

test("Core's log lines arrive in the pino logger with their level and fields", { timeout: 180_000 }, async () => {
  const initializing = () => logged.find((l) => l.sdkComponent === 'core' && l.msg === 'Initializing worker');
  // The replay worker lives while its histories are being read, and Core hands its log lines over
  // only while the runtime lives (it shuts down with the last worker): so the "histories" are an
  // empty stream that ends once the line arrived (the SDK holds forwarded lines ~100 ms to sort
  // them by time). An empty array ended the worker at once, and the line came only when the
  // machine was slow enough to flush before the shutdown.
  let waited: Error | undefined;
  async function* noHistoriesUntilLogged(): AsyncGenerator<never> {
    await waitUntil(async () => initializing() !== undefined, { what: "Core's 'Initializing worker' line in the pino logger", timeoutMs: 10_000 }).catch((err: Error) => (waited = err));
  }
  for await (const result of Worker.runReplayHistories({ workflowsPath: IDLE_WORKFLOW, replayName: 'core-log-test' }, noHistoriesUntilLogged())) {
    assert.fail(`nothing was given to replay, yet ${result.workflowId} was`);
  }
  if (waited) throw waited;
  const line = initializing()!;
  assert.equal(line.level, 30, 'INFO in Core is info (30) in pino');
  assert.equal(line.name, 'core-log-test', "the worker's logger wrote it");
  assert.match(String(line.target), /^temporalio_sdk_core::worker/, "Core's module, as a field");
  assert.equal(line.namespace, 'default', "Core's structured fields are fields of the line");
  assert.match(String(line.taskQueue), /^core-log-test-\d+$/);
  // Core's filter follows the logger's level: nothing below info came through.
  assert.deepEqual(logged.filter((l) => l.sdkComponent === 'core' && Number(l.level) < 30), []);
});
