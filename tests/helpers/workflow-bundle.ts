/**
 * The workflow bundle every test worker and replay uses. `npm test` and `npm run test:unit`
 * (tests/run.ts) bundle the workflows once per run and name the file in MEMFLOW_WORKFLOW_BUNDLE,
 * which the config carries to every worker the tests start (in process or as a child process); a
 * test file run on its own without it bundles once per process here.
 *
 * The run's bundle is kept beside the list of the files it was made of (every module webpack put in
 * it, ours and node_modules', with their hashes): a run whose files are all unchanged uses it again
 * instead of bundling (~5 s of CPU) on the run's critical path.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowBundle } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/workflows-path.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
let bundled: Promise<WorkflowBundle> | undefined;

/** The run's prebuilt bundle when there is one, else the workflows bundled from source (once). */
export function testWorkflowBundle(): Promise<WorkflowBundle> {
  const file = process.env.MEMFLOW_WORKFLOW_BUNDLE;
  bundled ??= file ? Promise.resolve({ code: fs.readFileSync(file, 'utf8') }) : bundle();
  return bundled;
}

/** The workflows bundled from source (the SDK's bundler loaded only when a bundle is made). */
async function bundle(): Promise<WorkflowBundle> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
}

/** What a bundle was made of: each module's file (webpack's id, relative to the working directory) and its hash. */
type Inputs = Record<string, string | null>;

const hashOf = (file: string): string | null => {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null; // gone: the bundle that had it is stale
  }
};

/** The modules webpack wrote into `code` (`/***\/ "./workflows/index.ts"` headers; "?…" ids are modules it left out). */
function inputsOf(code: string, cwd: string): Inputs {
  const ids = [...code.matchAll(/^\/\*{3}\/ "(\.{1,2}\/[^"]+)"/gm)].map((m) => m[1]!);
  const keyed = ['package-lock.json', path.relative(cwd, WORKFLOWS_PATH), ...ids];
  return Object.fromEntries(keyed.map((id) => [id, hashOf(path.resolve(cwd, id))]));
}

/**
 * Writes the bundle of the current workflow code to `file` (tests/run.ts, once per run), unless
 * the bundle already there was made of exactly the files as they are now. Says which.
 */
export async function writeWorkflowBundle(file: string): Promise<'bundled' | 'unchanged'> {
  const cwd = process.cwd();
  const inputsFile = `${file}.inputs.json`;
  try {
    const kept = JSON.parse(fs.readFileSync(inputsFile, 'utf8')) as Inputs;
    const same = Object.keys(kept).length > 2 && Object.entries(kept).every(([id, hash]) => hash !== null && hashOf(path.resolve(cwd, id)) === hash);
    if (same && fs.existsSync(file)) return 'unchanged';
  } catch {
    // no list, or not one we can read: bundle
  }
  fs.rmSync(inputsFile, { force: true });
  const { code } = await bundle();
  fs.writeFileSync(file, code);
  fs.writeFileSync(inputsFile, JSON.stringify(inputsOf(code, cwd), null, 1));
  return 'bundled';
}
