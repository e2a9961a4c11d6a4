/**
 * `npm run build:workflows`: the prebuilt workflow bundle for production workers (bundling from
 * source at every worker start costs seconds of CPU). Run the worker with
 * MEMFLOW_WORKFLOW_BUNDLE=dist/workflow-bundle.js to use it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './workflows-path.js';

async function run(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = path.join(root, 'dist', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`workflow bundle written: ${path.relative(root, out)} (${(code.length / 1024).toFixed(0)} KiB)`);
}

run().catch((err: Error) => {
  console.error(`build:workflows: ${err.message}`);
  process.exit(1);
});
