/**
 * The workflow bundle every test worker and replay uses. `npm test` (tests/run.ts) bundles the
 * workflows once per run and names the file in MEMFLOW_WORKFLOW_BUNDLE, which the config carries to
 * every worker the tests start (in process or as a child process); a test file run on its own
 * without it bundles once per process here.
 */
import fs from 'node:fs';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/workflows-path.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
let bundled: Promise<WorkflowBundle> | undefined;

/** The run's prebuilt bundle when there is one, else the workflows bundled from source (once). */
export function testWorkflowBundle(): Promise<WorkflowBundle> {
  const file = process.env.MEMFLOW_WORKFLOW_BUNDLE;
  bundled ??= file ? Promise.resolve({ code: fs.readFileSync(file, 'utf8') }) : bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
  return bundled;
}

/** Writes the bundle of the current workflow code to `file` (tests/run.ts, once per run). */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
  fs.writeFileSync(file, code);
}
