/**
 * `npm run build`: the server as plain JavaScript, so that the API, the worker and the migrations
 * run with `node` alone (no TypeScript loader, no esbuild service beside each process):
 *
 * - dist/server/: every TypeScript file the server is made of (SERVER_DIRS), transpiled one file to
 *   one file by esbuild, at the same path as its source, with a source map beside it (run with
 *   `node --enable-source-maps`); plain .js files of those folders are copied. The layout mirrors the
 *   checkout, so `./x.js` imports resolve as in the sources, node_modules resolve from the checkout,
 *   and a module that reads files beside its source maps its location back (common/source-path.ts).
 *   Type checking is `npm run typecheck`'s, not the build's.
 * - dist/workflow-bundle.js: the workflows bundled for the workers (workers/build-bundle.ts).
 * - dist/viewer/: the web viewer (viewer/build.ts).
 *
 * Each part is skipped when what it is made of did not change (a digest of its inputs), so `npm run
 * up` runs this on every start and a fresh clone's first `up` builds it. `--force` rebuilds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { BUILT_SERVER_DIR } from '../common/source-path.js';
import { writeWorkflowBundle } from '../workers/build-bundle.js';
import { ensurePrismaClient } from './prisma-generate.js';
import { repoRoot } from './profile.js';

/** The folders the server's processes load code from (the API, the worker, the migrations and the operator CLI). */
export const SERVER_DIRS = ['messages', 'clients', 'common', 'prisma', 'generated', 'activities', 'workflows', 'workers', 'api', 'mcp', 'cli'];

export const builtServerDir = path.join(repoRoot, BUILT_SERVER_DIR);
export const workflowBundleFile = path.join(repoRoot, 'dist', 'workflow-bundle.js');

/** Where the built JavaScript of a source entry (`api/main.ts`) is. */
export const builtEntry = (entry: string): string => path.join(builtServerDir, entry.replace(/\.ts$/, '.js'));

/**
 * How a built entry runs: `node --enable-source-maps <file>` (stack traces name the TypeScript
 * source's lines). The same arguments for `npm run up`, the cluster profile and the container image.
 */
export const nodeArgs = (entry: string): string[] => ['--enable-source-maps', builtEntry(entry)];

const STAMP = '.stamp';

/**
 * When what a process of `kind` runs was last built (ms since the epoch; 0 when never): the server's
 * stamp, and the workflow bundle (a worker) or the viewer (an API). A process started before it runs
 * an older build (`up` restarts it).
 */
export function builtAt(kind: 'api' | 'worker'): number {
  const files = [path.join(builtServerDir, STAMP), kind === 'worker' ? workflowBundleFile : path.join(repoRoot, 'dist', 'viewer', '.stamp')];
  return Math.max(0, ...files.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
}

/** The server's source files, relative to the checkout, sorted: TypeScript (not declarations) and plain JavaScript. */
function serverSources(): string[] {
  const out: string[] = [];
  for (const dir of SERVER_DIRS) {
    const abs = path.join(repoRoot, dir);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
      if (f.split(path.sep).includes('node_modules')) continue;
      if (/\.d\.[cm]?ts$/.test(f) || !/\.(?:ts|[cm]?js)$/.test(f)) continue;
      out.push(path.join(dir, f));
    }
  }
  return out.sort();
}

/** A digest of the sources (names and contents), the locked esbuild and this script. */
function digestOf(files: string[]): string {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(fs.readFileSync(path.join(repoRoot, f))).update('\0');
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  h.update(`esbuild@${lock.packages['node_modules/esbuild']?.version ?? '?'}\0`);
  h.update(fs.readFileSync(new URL(import.meta.url)));
  return h.digest('hex');
}

/** Transpiles the server into dist/server unless its stamp says the sources are the same; whether it built. */
export async function buildServerCode(force = false): Promise<{ built: boolean; files: number; ms: number }> {
  const t0 = performance.now();
  const files = serverSources();
  const hash = digestOf(files);
  const stampFile = path.join(builtServerDir, STAMP);
  if (!force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash) return { built: false, files: files.length, ms: performance.now() - t0 };
  // Written whole into a folder beside it, then swapped in: a process starting meanwhile finds the
  // old build or the new one, and a source deleted since leaves nothing behind.
  const next = `${builtServerDir}.${process.pid}.tmp`;
  fs.rmSync(next, { recursive: true, force: true });
  const ts = files.filter((f) => f.endsWith('.ts'));
  await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: ts,
    outdir: next,
    outbase: repoRoot,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    tsconfig: path.join(repoRoot, 'tsconfig.json'),
    logLevel: 'warning',
  });
  for (const f of files.filter((f) => !f.endsWith('.ts'))) {
    fs.mkdirSync(path.join(next, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, f), path.join(next, f));
  }
  fs.writeFileSync(path.join(next, STAMP), hash);
  const old = `${builtServerDir}.${process.pid}.old`;
  if (fs.existsSync(builtServerDir)) fs.renameSync(builtServerDir, old);
  fs.renameSync(next, builtServerDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { built: true, files: files.length, ms: performance.now() - t0 };
}

/**
 * Everything the server runs from, each part built only when stale: the Prisma Client (generated
 * from the schema), dist/server, the workflow bundle and the viewer.
 */
export async function buildServer(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(`[build] ${line}`));
  const t0 = performance.now();
  await ensurePrismaClient({ log });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  if (opts.force) fs.rmSync(`${workflowBundleFile}.inputs.json`, { force: true });
  const { buildViewer } = await import('../viewer/build.js');
  const [server, workflows, viewer] = await Promise.all([
    buildServerCode(opts.force),
    (async () => {
      const t = performance.now();
      return { how: await writeWorkflowBundle(workflowBundleFile, repoRoot), ms: performance.now() - t };
    })(),
    buildViewer({ force: opts.force ?? false }),
  ]);
  log(`server: ${server.built ? `built ${server.files} files in ${seconds(server.ms)}` : 'unchanged'} (${path.relative(repoRoot, builtServerDir)})`);
  log(`workflow bundle: ${workflows.how === 'bundled' ? `bundled in ${seconds(workflows.ms)}` : 'unchanged'} (${path.relative(repoRoot, workflowBundleFile)})`);
  log(`viewer: ${viewer.built ? `built in ${seconds(viewer.ms)}` : 'unchanged'} (dist/viewer)`);
  log(`done in ${seconds(performance.now() - t0)}`);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  buildServer({ force: process.argv.includes('--force') }).catch((err: Error) => {
    console.error(`memflow build: ${err.message}`);
    process.exit(1);
  });
}
