/**
 * The prebuilt workflow bundle: production workers load it (MEMFLOW_WORKFLOW_BUNDLE) instead of
 * bundling from source at every start (seconds of CPU). `npm run build` (infra/build.ts) writes
 * dist/workflow-bundle.js; `npm run build:workflows` writes only it. `npm test` writes the run's own
 * with the same function (tests/helpers/workflow-bundle.ts).
 *
 * The bundle is kept beside the list of the files it was made of (every module webpack put in it,
 * ours and node_modules', with their hashes): a bundle whose files are all unchanged is used again
 * instead of bundling (~5 s of CPU).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKFLOWS_PATH } from './workflows-path.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** The workflows bundled from source (the SDK's bundler loaded only when a bundle is made). */
export async function bundleWorkflows(): Promise<{ code: string }> {
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

/** The modules webpack wrote into `code` (`/***\/ "<module id>"` headers, ids relative to the working directory; "?…" ids are modules it left out). */
function inputsOf(code: string, cwd: string): Inputs {
  const ids = [...code.matchAll(/^\/\*{3}\/ "(\.{1,2}\/[^"]+)"/gm)].map((m) => m[1]!);
  const keyed = ['package-lock.json', path.relative(cwd, WORKFLOWS_PATH), ...ids];
  return Object.fromEntries(keyed.map((id) => [id, hashOf(path.resolve(cwd, id))]));
}

/**
 * Writes the bundle of the current workflow code to `file`, unless the bundle already there was
 * made of exactly the files as they are now. Says which. `cwd`: the checkout (webpack's ids are
 * relative to the working directory).
 */
export async function writeWorkflowBundle(file: string, cwd = process.cwd()): Promise<'bundled' | 'unchanged'> {
  const inputsFile = `${file}.inputs.json`;
  try {
    const kept = JSON.parse(fs.readFileSync(inputsFile, 'utf8')) as Inputs;
    const same = Object.keys(kept).length > 2 && Object.entries(kept).every(([id, hash]) => hash !== null && hashOf(path.resolve(cwd, id)) === hash);
    if (same && fs.existsSync(file)) return 'unchanged';
  } catch {
    // no list, or not one we can read: bundle
  }
  fs.rmSync(inputsFile, { force: true });
  const { code } = await bundleWorkflows();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  fs.writeFileSync(inputsFile, JSON.stringify(inputsOf(code, cwd), null, 1));
  return 'bundled';
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const root = path.resolve(path.dirname(WORKFLOWS_PATH), '..');
  const out = path.join(root, 'dist', 'workflow-bundle.js');
  writeWorkflowBundle(out, root).then(
    (how) => console.log(`workflow bundle ${how === 'unchanged' ? 'unchanged' : 'written'}: ${path.relative(root, out)}`),
    (err: Error) => {
      console.error(`build:workflows: ${err.message}`);
      process.exit(1);
    },
  );
}
