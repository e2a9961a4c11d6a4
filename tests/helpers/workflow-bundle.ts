/**
 * The workflow bundle every test worker and replay uses. `npm test` and `npm run test:unit`
 * (tests/run.ts) bundle the workflows once per run (writeWorkflowBundle, kept when its files are
 * unchanged) and name the file in MEMFLOW_WORKFLOW_BUNDLE, which the config carries to every worker
 * the tests start (in process or as a child process); a test file run on its own without it
 * bundles once per process here.
 */
import fs from 'node:fs';
import type { WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/build-bundle.js';

export { writeWorkflowBundle } from '../../workers/build-bundle.js';

let bundled: Promise<WorkflowBundle> | undefined;

/** The run's prebuilt bundle when there is one, else the workflows bundled from source (once). */
export function testWorkflowBundle(): Promise<WorkflowBundle> {
  const file = process.env.MEMFLOW_WORKFLOW_BUNDLE;
  bundled ??= file ? Promise.resolve({ code: fs.readFileSync(file, 'utf8') }) : bundleWorkflows();
  return bundled;
}
