/**
 * The test runner behind three npm scripts:
 *
 *   npm test [-- files...]       the whole suite (or the named files): provisions the test stack (its
 *                                own database, Temporal and Weaviate on shifted ports), Chromium,
 *                                helm/kubeconform and the agent CLIs, bundles the workflows and the
 *                                CLI (cli/cli-fast.js) once, runs the unit tier, then the files
 *                                that need servers, and prints a line-coverage summary checked
 *                                against the floor (COVERAGE_FLOOR).
 *   npm run test:unit            the unit tier alone (tests/unit/): no servers, no provisioning.
 *   npm run fixtures:histories   re-records the workflow histories the replay test replays
 *                                (tests/fixtures/histories), from the files that keep them.
 *
 * Tiers and order: tests/unit/ needs no servers and runs while the stack comes up, its files shared
 * out over a few processes (unitProcesses). The files that
 * need servers run in parallel (each on its own task queue and tenants), except those that stop or
 * restart a shared server (they call `stackManages`, tests/helpers/env.ts) and those that must not
 * share the database with another file's API (they say RUNS_ALONE: e.g. rows left unprocessed on
 * purpose, which any API's capture sweep would pick up): those run one at a time beside the unit
 * tier (which uses no server), as soon as the stack is up, and the parallel files after both.
 * MEMFLOW_KEEP_STACK=1 leaves the servers running for a faster next run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureAgentClis } from '../infra/agent-clis.js';
import { ensurePrismaClient } from '../infra/prisma-generate.js';
import { repoRoot } from '../infra/profile.js';
import { dropDatabase, resolveDatabaseUrl } from '../infra/postgres.js';
import { chooseTestProfile, managedServices, startStack, stopStack } from '../infra/stack.js';
import { buildViewer } from '../viewer/build.js';
import { prepareCliBundle } from '../cli/cli-fast.js';
import { failureLines, tapFailures, type TapFailure } from './helpers/tap-failures.js';

/**
 * Line coverage `npm test` must keep (c8 over the product's folders, every process the tests start).
 * A few points under the measured figure: raise it as coverage grows, never lower it to pass.
 */
const COVERAGE_FLOOR = 70;
/** The folders whose code the coverage figure is of (workflows/ runs inside Temporal's sandbox bundle, which V8 coverage does not map back to its files). */
const COVERED = ['api', 'activities', 'clients', 'cli', 'common', 'mcp', 'messages', 'workers'];

const log = (line: string) => console.log(`[stack] ${line}`);

/** Children of this run (test runners, the tools' provisioning): stopped with it when it is interrupted. */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(1);
  });
}
const testsDir = path.join(repoRoot, 'tests');
const unitDir = path.join(testsDir, 'unit');

function allTestFiles(): string[] {
  return fs
    .readdirSync(testsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(testsDir, f));
}

const isUnit = (file: string) => file.startsWith(unitDir + path.sep);

/**
 * The files that need servers take 3–140 s each (three at a time on two cores); run in name
 * order, the longest ones can start last and leave one slot working alone at the end of the tier.
 * So they start longest first: by each file's time in the last whole run's parallel tier of this
 * checkout (ORDER_TIMES in the profile's state
 * folder), else — on a fresh clone, as in CI — by these (seconds: the mean of two whole runs on the
 * 2-core machine, 2026-11-28, one of them a fresh clone), else as a file of DEFAULT_SECONDS. With
 * stale estimates a fresh clone's tier took 799.5 s for 2,324 s of files (775 s if packed evenly).
 */
const SECONDS_ESTIMATE: Record<string, number> = {
  'hosts-lifecycle': 135,
  'hosts-capture': 125,
  rederive: 112,
  'hosts-mcp-scope': 109,
  'claude-code-real': 97,
  fuzz: 85,
  'hosts-push': 82,
  'capture-faults': 75,
  summarize: 74,
  'viewer-findable': 68,
  review: 62,
  viewer: 60,
  mcp: 60,
  'cli-memories': 54,
  'cli-retrieval': 51,
  'cli-admin': 48,
  'cli-operator': 46,
  'agent-hosts': 44,
  'cli-hook': 43,
  roles: 42,
  'claude-code-push': 42,
  sso: 40,
  'claude-code': 40,
  infra: 39,
  export: 38,
  poisoning: 33,
  'capture-ledger': 33,
  'cli-install': 28,
  'redaction-rescan': 27,
  'capture-batched': 27,
  'session-workflow': 26,
  'cli-sessions': 26,
  'summaries-truth': 25,
  'relay-behind-agent': 24,
  'viewer-review': 22,
  openapi: 22,
  'temporal-down': 21,
  'claude-code-handover': 20,
  provenance: 19,
  erase: 19,
  backup: 19,
  'client-package': 18,
  'redaction-replay': 17,
  'temporal-tls': 15,
  audit: 15,
  search: 14,
  'retrieval-quality': 14,
  metrics: 14,
  capture: 14,
  'prompt-push-quotes': 13,
  'auth-cache': 13,
  receipts: 12,
  context: 11,
  hardening: 10,
  'redact-model-output': 9,
  'api-health': 9,
  'agent-filter': 9,
  'haproxy-retries': 8,
  schema: 7,
  deploy: 4,
};
const DEFAULT_SECONDS = 30;
/** Where a whole run keeps its parallel tier's file times (tests/helpers/file-times.mjs) for the next run's order. */
const ORDER_TIMES = 'order.times';

function slowestFirst(files: string[], timesFile: string): string[] {
  const measured = new Map<string, number>();
  try {
    for (const line of fs.readFileSync(timesFile, 'utf8').split('\n')) {
      const [secs, file] = line.split('\t');
      if (file && Number(secs) > 0) measured.set(path.resolve(repoRoot, file), Number(secs));
    }
  } catch {
    // no whole run yet: the estimates
  }
  const seconds = (f: string) => measured.get(f) ?? SECONDS_ESTIMATE[path.basename(f, '.test.ts')] ?? DEFAULT_SECONDS;
  return [...files].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
}

/**
 * Files that need servers at once: more than the cores, since most of a file's time is spent waiting
 * (on workflows, the agent CLIs, the model stand-ins, polling) rather than computing.
 * MEMFLOW_TEST_CONCURRENCY overrides it.
 */
const serverTierConcurrency = (cores: number) => Number(process.env.MEMFLOW_TEST_CONCURRENCY) || cores + 1;
/** The word a test file writes (in a comment) when no other file's API may run beside it. */
const RUNS_ALONE = '@memflow-test runs-alone';
/**
 * A file that stops or restarts a server the other files share (it asks `stackManages` first), or
 * that says it must run alone.
 */
const restartsServers = (file: string) => {
  const text = fs.readFileSync(file, 'utf8');
  return text.includes('stackManages(') || text.includes(RUNS_ALONE);
};

/**
 * The unit tier runs its files in a few processes, not one per file: a process of its own costs a
 * file ~0.6 s of CPU (node, tsx, the test runner, imports the other files load too) before its first
 * test, most of the tier's time on two cores (38 files, 2026-11-27: 94 s of CPU one process each,
 * 46 s in one). A batch is a generated module that imports its files in turn. A file that installs
 * the process-wide Temporal runtime, or says OWN_PROCESS, gets a process of its own.
 */
const OWN_PROCESS = '@memflow-test own-process';
const ownProcess = (file: string) => {
  const text = fs.readFileSync(file, 'utf8');
  return text.includes(OWN_PROCESS) || text.includes('installTemporalRuntime(');
};
/**
 * The unit files' CPU seconds, each in a process of its own (2026-11-27, 23:00, load ~12: a process's
 * own ~0.6 s included), for balancing the processes; the others count 1.
 */
const UNIT_WEIGHTS: Record<string, number> = {
  replay: 4.1, // a process of its own
  'relay-users': 4.0, // and ~10 s of waiting on two relays
  'temporal-logger': 3.6, // a process of its own
  'summarize-unit': 3.4,
  'host-model': 3.1, // the real CLI, ~13 runs (2026-11-28: 10.2 before install and relay stop stopped loading the relay; 7.1 scaled by 8.0/18.2 s of CPU alone at load ~9 once the CLI ran from its bundle, cli/cli-fast.js)
  'redact-corpus': 3.0,
  'relay-peer': 3.0,
  'handover-truth': 2.8,
  'redact-tenant-rules': 2.7,
  redact: 2.6,
  embeddings: 2.6,
  tokens: 2.5,
  'mcp-tools': 2.3,
  'cli-fast': 2.2, // scratch bundles, the real CLI through tsx (2026-11-28: 5.7 s of CPU alone at load ~9, scaled as host-model's)
  'rederive-unit': 2.2,
  project: 2.0,
  'prompt-push': 1.8,
  'embeddings-onnx': 1.7,
};
const unitWeight = (file: string) => UNIT_WEIGHTS[path.basename(file, '.test.ts')] ?? 1;

/**
 * The processes of a unit run: the files that need a process of their own, then `batches`
 * generated entry modules (written to `dir`) that share the other files out by weight, heaviest
 * first, so that each of the `batches` slots has about the same to do: the own-process files count
 * in the slot they are expected to take.
 */
function unitProcesses(files: string[], batches: number, dir: string): string[] {
  const alone = files.filter(ownProcess).sort((a, b) => unitWeight(b) - unitWeight(a) || a.localeCompare(b));
  const shared = files.filter((f) => !alone.includes(f)).sort((a, b) => unitWeight(b) - unitWeight(a) || a.localeCompare(b));
  if (shared.length <= 1) return files;
  const bins = Array.from({ length: Math.min(batches, shared.length) }, () => ({ weight: 0, files: [] as string[] }));
  const lightest = () => bins.reduce((a, b) => (b.weight < a.weight ? b : a));
  for (const f of alone) lightest().weight += unitWeight(f);
  for (const f of shared) {
    const bin = lightest();
    bin.files.push(f);
    bin.weight += unitWeight(f);
  }
  fs.mkdirSync(dir, { recursive: true });
  const entries = bins.map((bin, i) => {
    const entry = path.join(dir, `unit-batch-${i + 1}.test.mjs`);
    const imports = bin.files.map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});`);
    fs.writeFileSync(entry, `// Written by tests/run.ts: these unit test files in one process.\n${imports.join('\n')}\n`);
    return { entry, weight: bin.weight };
  });
  // The own-process files start first, each beside a batch; the heavier batches before the lighter.
  return [...alone, ...entries.sort((a, b) => b.weight - a.weight).map((e) => e.entry)];
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface RunResult {
  code: number;
  counts: Counts;
  failures: TapFailure[];
}

/** The last lines of a run: the failed tests by name, so that a log's tail says what failed. */
function printFailures(results: RunResult[]): void {
  const failures = results.flatMap((r) => r.failures);
  if (failures.length === 0) return;
  console.log(`\nfailed (${failures.length}):`);
  for (const line of failureLines(failures)) console.log(line);
}

/** Counts and failed tests from the TAP copy of one run's results (none when it wrote no copy). */
function resultsOf(tapFile: string): { counts: Counts; failures: TapFailure[] } {
  let tap: string;
  try {
    tap = fs.readFileSync(tapFile, 'utf8');
  } catch {
    return { counts: { passed: 0, failed: 0, skipped: 0 }, failures: [] };
  }
  const count = (key: string) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return { counts: { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') }, failures: tapFailures(tap) };
}

/** Runs a static check, printing its output only when it fails. */
async function runCheck(name: string, argv: string[]): Promise<boolean> {
  const t = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  console.log(`[check] ${name}: ${code === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  if (code !== 0) console.log(output.trimEnd());
  return code === 0;
}

/** How many of a tier's slowest files its last lines name (all of them are in its times file). */
const SLOWEST_SHOWN = 8;

/**
 * One node:test run over `files`, started in the order given, `concurrency` at a time; its results
 * are also written as TAP to `tapFile`, and each file's wall time (tests/helpers/file-times.mjs)
 * next to it (`.times` for `.tap`).
 */
async function runFiles(label: string, files: string[], opts: { concurrency: number; tapFile: string; env: NodeJS.ProcessEnv; specFile?: string }): Promise<RunResult> {
  if (files.length === 0) return { code: 0, counts: { passed: 0, failed: 0, skipped: 0 }, failures: [] };
  const t = Date.now();
  console.log(`[test] ${label}: ${files.length} file(s), ${opts.concurrency} at a time`);
  const timesFile = opts.tapFile.replace(/\.tap$/, '.times');
  // a run that writes no results must not report the previous run's
  for (const f of [opts.tapFile, timesFile]) fs.rmSync(f, { force: true });
  // (tests/helpers/run-files.mjs, not `node --test`, which would start the files in name order.)
  const run = { files, concurrency: opts.concurrency, spec: opts.specFile ?? 'stdout', tap: opts.tapFile, times: timesFile };
  const child = track(spawn(
    process.execPath,
    ['--import', 'tsx', path.join(testsDir, 'helpers', 'run-files.mjs'), JSON.stringify(run)],
    { cwd: repoRoot, stdio: 'inherit', env: opts.env },
  ));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  const { counts, failures } = resultsOf(opts.tapFile);
  console.log(`[test] ${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  const times = fs.existsSync(timesFile) ? fs.readFileSync(timesFile, 'utf8').trimEnd().split('\n').filter(Boolean) : [];
  if (times.length > 0) {
    console.log(`[test] ${label}: slowest files (seconds; all in ${path.relative(repoRoot, timesFile)}):`);
    for (const line of times.slice(0, SLOWEST_SHOWN)) console.log(`  ${line}`);
  }
  return { code, counts, failures };
}

/**
 * The coverage files trimmed to the covered folders' scripts (tests/helpers/coverage-trim.mjs), one
 * process per core, each given about the same number of bytes: c8 alone spent ~37 s of one core on
 * 1.4 GB, most of it scripts it drops after remapping.
 */
async function trimCoverage(dir: string, cores: number): Promise<void> {
  const t = Date.now();
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)).map((f) => ({ f, size: fs.statSync(f).size })) : [];
  const shares = Array.from({ length: Math.max(1, Math.min(cores, files.length)) }, () => ({ size: 0, files: [] as string[] }));
  for (const { f, size } of files.sort((a, b) => b.size - a.size)) {
    const share = shares.reduce((a, b) => (b.size < a.size ? b : a));
    share.files.push(f);
    share.size += size;
  }
  const totals = { files: 0, before: 0, after: 0 };
  await Promise.all(
    shares.map(async (share) => {
      const child = track(spawn(process.execPath, [path.join(testsDir, 'helpers', 'coverage-trim.mjs'), JSON.stringify({ root: repoRoot, folders: COVERED, files: share.files })], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] }));
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        const r = JSON.parse(out) as typeof totals;
        totals.files += r.files;
        totals.before += r.before;
        totals.after += r.after;
      } catch {
        // that share is left as it was: c8 reads it whole
      }
    }),
  );
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
  console.log(`[coverage] ${totals.files} coverage files trimmed to the covered folders' scripts: ${mb(totals.before)} -> ${mb(totals.after)} in ${seconds(t)}`);
}

/** c8's line-coverage summary of every process the tests started; false when under the floor. */
async function coverageReport(dir: string): Promise<boolean> {
  await trimCoverage(dir, Math.max(2, os.availableParallelism()));
  const args = [
    'report', '--temp-directory', dir, '--reports-dir', path.join(dir, '..', 'coverage-report'),
    '--reporter=text-summary', '--all', '--check-coverage', `--lines=${COVERAGE_FLOOR}`,
    '--exclude-after-remap',
    ...COVERED.flatMap((d) => ['--include', `${d}/**/*.ts`]),
    '--exclude', '**/*.d.ts',
  ];
  const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'c8'), args, { cwd: repoRoot, stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  console.log(`[coverage] lines of ${COVERED.map((d) => `${d}/`).join(', ')}; floor ${COVERAGE_FLOOR}%: ${code === 0 ? 'kept' : 'NOT KEPT'}`);
  return code === 0;
}

/** infra/test-tools.ts in a process of its own: some of its steps block, and this process bundles and polls meanwhile. */
async function provisionTools(): Promise<void> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'infra', 'test-tools.ts')], { cwd: repoRoot, stdio: 'inherit' }));
  await new Promise<void>((resolve) => child.on('exit', () => resolve())); // what failed is logged; the tests that need it say so
}

/**
 * The bundle the `memflow` bin runs from (cli/cli-fast.js), built before the tests start the CLI
 * (hundreds of times a run) so that none of them pays the build, or races another to it.
 */
async function cliBundle(t0: number): Promise<void> {
  const bundle = await prepareCliBundle();
  log(`cli bundle: ${bundle ? `${path.relative(repoRoot, bundle.entry)} (${bundle.built ? 'built' : 'kept: its files are unchanged'}; ${seconds(t0)})` : 'off or failed to build: the CLI runs through tsx'}`);
}

const sum = (all: Counts[]): Counts => all.reduce((a, c) => ({ passed: a.passed + c.passed, failed: a.failed + c.failed, skipped: a.skipped + c.skipped }), { passed: 0, failed: 0, skipped: 0 });
const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

/** `npm run test:unit`: the unit tier, nothing provisioned but Prisma Client (generated code). */
async function unitOnly(files: string[]): Promise<number> {
  const t0 = Date.now();
  await ensurePrismaClient((l) => log(`prisma: ${l}`));
  // The results of the last unit-only run of this checkout (no profile: no stack, no state of its own).
  const tapFile = path.join(repoRoot, '.memflow', 'unit', 'results-unit.tap');
  fs.mkdirSync(path.dirname(tapFile), { recursive: true });
  // The replay test's workflow bundle, kept from the last run while its files are unchanged.
  const bundleFile = path.join(path.dirname(tapFile), 'workflow-bundle.js');
  const { writeWorkflowBundle } = await import('./helpers/workflow-bundle.js');
  await Promise.all([
    writeWorkflowBundle(bundleFile).then((how) => log(`workflow bundle: ${how === 'unchanged' ? 'kept: its files are unchanged' : 'bundled'} (${seconds(t0)})`)),
    cliBundle(t0), // host-model runs the real CLI
  ]);
  const env: NodeJS.ProcessEnv = { ...process.env, MEMFLOW_LOG_LEVEL: process.env.MEMFLOW_LOG_LEVEL ?? 'warn', MEMFLOW_WORKFLOW_BUNDLE: bundleFile };
  delete env.DATABASE_URL; // the unit tier never reaches a server, whatever the shell has
  const cores = Math.max(2, os.availableParallelism());
  const result = await runFiles('unit', unitProcesses(files, cores, path.dirname(tapFile)), { concurrency: cores, tapFile, env });
  const { code, counts } = result;
  console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  console.log(`[test] total ${seconds(t0)}`);
  printFailures([result]);
  return code;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const recording = args.includes('--record-histories');
  const named = args.filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
  if (args.includes('--unit')) return unitOnly(named.length > 0 ? named : allTestFiles().filter(isUnit));

  // The files to run: the named ones, the ones that keep replay fixtures, or all of them.
  const files = named.length > 0 ? named : recording ? allTestFiles().filter((f) => fs.readFileSync(f, 'utf8').includes('keepHistory(')) : allTestFiles();
  const unit = files.filter(isUnit);
  const integration = files.filter((f) => !isUnit(f));
  const serial = integration.filter(restartsServers);

  const profile = await chooseTestProfile(log);
  const orderTimes = path.join(profile.stateDir, ORDER_TIMES);
  const parallel = slowestFirst(integration.filter((f) => !restartsServers(f)), orderTimes);
  const t0 = Date.now();
  // Each run starts from an empty, freshly migrated database (unless the user named their own).
  const db = resolveDatabaseUrl(profile);
  if (!db.external) await dropDatabase(db.url);
  // Prisma Client first: the type checks, lint, the bundle and the tests all read it.
  await ensurePrismaClient((l) => log(`prisma: ${l}`));
  // The type checks keep what they learnt (--incremental, in the profile's state folder): a warm run
  // checks again only what changed since, with the same verdict as a cold one.
  fs.mkdirSync(profile.stateDir, { recursive: true });
  const buildInfo = (name: string) => ['--incremental', '--tsBuildInfoFile', path.join(profile.stateDir, `${name}.tsbuildinfo`)];
  const STATIC_CHECKS: [string, string[]][] = [
    ['typecheck', ['node_modules/.bin/tsc', '--noEmit', ...buildInfo('typecheck')]],
    ['typecheck viewer', ['node_modules/.bin/tsc', '--noEmit', '-p', 'viewer', ...buildInfo('typecheck-viewer')]],
    ['lint', ['node_modules/.bin/eslint', '.']],
  ];
  // A run of named files is a check of those tests: the type checks and lint (minutes of CPU on two
  // cores) are the whole suite's, as the coverage verdict is.
  const checksRun = !recording && named.length === 0;
  if (!checksRun && !recording) console.log('[check] type checks and lint: not run for named files (the whole suite runs them; or `npm run typecheck && npm run lint`)');
  const checks = checksRun ? Promise.all(STATIC_CHECKS.map(async ([name, argv]) => ({ name, ok: await runCheck(name, argv) }))) : Promise.resolve([]);
  // The workflows, bundled once for every worker and replay of this run; and the CLI's bundle.
  const bundleFile = path.join(profile.stateDir, 'workflow-bundle.js');
  // (Imported only now: the workflows' module graph reads the Prisma Client generated just above.)
  const { writeWorkflowBundle } = await import('./helpers/workflow-bundle.js');
  const bundled = Promise.all([
    writeWorkflowBundle(bundleFile).then((how) => log(`workflow bundle: ${path.relative(repoRoot, bundleFile)} (${how === 'unchanged' ? 'kept: its files are unchanged' : 'bundled'}; ${seconds(t0)})`)),
    cliBundle(t0),
  ]);
  // What the tests use besides the servers: the web viewer's build (dist/viewer), Chromium, helm and
  // kubeconform, the real agent CLIs (pinned npm versions, cached per machine).
  const tools = integration.length > 0
    ? Promise.all([buildViewer({ log: (l) => log(l) }), provisionTools(), ensureAgentClis((l) => log(`agents: ${l}`))])
    : Promise.resolve();
  const stack = integration.length > 0 ? startStack(profile, log) : undefined;
  stack?.catch(() => undefined); // awaited below; the unit tier runs meanwhile

  const coverageDir = path.join(profile.stateDir, 'coverage');
  fs.rmSync(coverageDir, { recursive: true, force: true });
  fs.rmSync(path.join(profile.stateDir, 'coverage-report'), { recursive: true, force: true });
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    MEMFLOW_WORKFLOW_BUNDLE: bundleFile,
    MEMFLOW_LOG_LEVEL: process.env.MEMFLOW_LOG_LEVEL ?? 'warn',
    ...(recording ? { MEMFLOW_RECORD_HISTORIES: '1' } : {}),
    // Every process the tests start (API and worker children included) writes its V8 coverage here.
    NODE_V8_COVERAGE: coverageDir,
    // Tests check what a prompt's push holds, not how fast it is (bench:decisions, bench:agent): with three
    // files at once on two cores a push can take past the 300 ms an API waits for it, and the prompt goes without.
    // The relay's wait likewise (a push it waited for in vain also quiets the next prompts for 5 s).
    MEMFLOW_PROMPT_PUSH_MS: process.env.MEMFLOW_PROMPT_PUSH_MS ?? '5000',
    MEMFLOW_PROMPT_BUDGET_MS: process.env.MEMFLOW_PROMPT_BUDGET_MS ?? '5000',
  };
  const cores = Math.max(2, os.availableParallelism());
  const results: RunResult[] = [];
  let started: string[] = [];
  try {
    await bundled;
    const unitEnv = { ...baseEnv };
    delete unitEnv.DATABASE_URL;
    const unitRun = runFiles('unit tier', unitProcesses(unit, cores, profile.stateDir), { concurrency: cores, tapFile: path.join(profile.stateDir, 'results-unit.tap'), env: unitEnv });
    // The files that restart servers or must run alone run while the unit tier does: it uses no
    // server and no database, so they are still alone with the stack. Their report is printed after
    // the unit tier's rather than into it.
    const serialSpec = path.join(profile.stateDir, 'results-serial.spec');
    const serverEnv = stack
      ? (async () => {
          const up = await stack;
          started = up.started;
          await tools;
          log(`provisioned in ${seconds(t0)}`);
          const env: NodeJS.ProcessEnv = {
            ...baseEnv,
            ...up.env,
            MEMFLOW_STACK_PROFILE: profile.name,
            MEMFLOW_TEST_PORT_SHIFT: String(profile.temporal.port - 7233),
            MEMFLOW_STACK_MANAGED: managedServices(process.env).join(','),
          };
          return env;
        })()
      : undefined;
    const serialRun = serverEnv?.then((env) =>
      runFiles('one at a time (they restart servers or must run alone)', serial, { concurrency: 1, tapFile: path.join(profile.stateDir, 'results-serial.tap'), env, specFile: serialSpec }),
    );
    serialRun?.catch(() => undefined); // awaited below, after the unit tier
    results.push(await unitRun);
    if (stack && serverEnv && serialRun) {
      const serialResult = await serialRun;
      if (fs.existsSync(serialSpec)) process.stdout.write(fs.readFileSync(serialSpec, 'utf8'));
      results.push(serialResult);
      const env = await serverEnv;
      // Every server up again for the parallel tier (a file that stopped one may have failed before
      // starting it again): started here if it is not running.
      if (serial.length > 0) started = [...new Set([...started, ...(await startStack(profile, (l) => /started|ready in/.test(l) && log(l))).started])];
      const tapFile = path.join(profile.stateDir, 'results.tap');
      results.push(await runFiles('with servers', parallel, { concurrency: serverTierConcurrency(cores), tapFile, env }));
      // A whole run's times order the next one (a run of named files is not the suite's mix).
      const times = tapFile.replace(/\.tap$/, '.times');
      if (named.length === 0 && !recording && fs.existsSync(times)) fs.copyFileSync(times, orderTimes);
    }
  } finally {
    if (stack) {
      if (process.env.MEMFLOW_KEEP_STACK === '1') log('MEMFLOW_KEEP_STACK=1: leaving the test stack running');
      else await stack.then(() => stopStack(profile, log, started), () => undefined);
    }
  }
  const failedChecks = (await checks).filter((c) => !c.ok).map((c) => c.name);
  const checksOk = failedChecks.length === 0;
  let code = results.some((r) => r.code !== 0) || !checksOk ? 1 : 0;
  const s = sum(results.map((r) => r.counts));
  console.log(`\ntests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  // The coverage figure is the whole suite's: a run of some files only prints no floor verdict.
  if (named.length === 0 && !recording && !(await coverageReport(coverageDir))) code = 1;
  console.log(`[test] total ${seconds(t0)}`);
  printFailures(results);
  if (!checksOk) console.log(`\nfailed checks (their output is above): ${failedChecks.join(', ')}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`memflow test: ${err.message}`);
    process.exit(1);
  },
);
