/**
 * `npm test`: provisions the test stack (its own database, Temporal and Weaviate on shifted ports),
 * runs every tests/**\/*.test.ts file with Node's test runner against those real servers, and stops
 * what it started. MEMFLOW_KEEP_STACK=1 leaves the servers running for a faster next run;
 * `npm test -- tests/foo.test.ts` runs only the named files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrismaClient } from '../infra/prisma-generate.js';
import { repoRoot } from '../infra/profile.js';
import { dropDatabase, resolveDatabaseUrl } from '../infra/postgres.js';
import { chooseTestProfile, managedServices, startStack, stopStack } from '../infra/stack.js';
import { buildViewer } from '../viewer/build.js';
import { ensureAgentClis } from '../infra/agent-clis.js';

const log = (line: string) => console.log(`[stack] ${line}`);

function testFiles(args: string[]): string[] {
  if (args.length > 0) return args.map((a) => path.resolve(a));
  const dir = path.join(repoRoot, 'tests');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Counts from the TAP copy of the results, for one plain closing line. */
function summarize(tapFile: string): { passed: number; failed: number; skipped: number } | undefined {
  try {
    const tap = fs.readFileSync(tapFile, 'utf8');
    const count = (key: string) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
    return { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
  } catch {
    return undefined;
  }
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

async function main(): Promise<number> {
  const profile = await chooseTestProfile(log);
  const t0 = Date.now();
  // Each run starts from an empty, freshly migrated database (unless the user named their own).
  const db = resolveDatabaseUrl(profile);
  if (!db.external) await dropDatabase(db.url);
  // Type-check and lint while the stack comes up (after generating Prisma Client, which both read);
  // either failing fails the run.
  await ensurePrismaClient((l) => log(`prisma: ${l}`));
  // The browser tests load the web viewer from dist/viewer (rebuilt only when its sources changed).
  await buildViewer({ log: (l) => log(l) });
  const checks = Promise.all([
    runCheck('typecheck', ['node_modules/.bin/tsc', '--noEmit']),
    runCheck('typecheck viewer', ['node_modules/.bin/tsc', '--noEmit', '-p', 'viewer']),
    runCheck('lint', ['node_modules/.bin/eslint', '.']),
  ]);
  // The real agent CLIs the capture tests drive (pinned npm versions, cached per machine).
  const agents = ensureAgentClis((l) => log(`agents: ${l}`));
  const { env, started } = await startStack(profile, log);
  await agents;
  const provisionedIn = (Date.now() - t0) / 1000;
  const checkResults = await checks;

  const tapFile = path.join(profile.stateDir, 'results.tap');
  // A run that writes no results (a file that does not exist) must not report the previous run's.
  fs.rmSync(tapFile, { force: true });
  let code = 1;
  try {
    const files = testFiles(process.argv.slice(2));
    console.log(`[test] running ${files.length} file(s) against the test stack (provisioned in ${provisionedIn.toFixed(1)}s)`);
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx',
        '--test',
        '--test-concurrency=1', // files share one stack; some of them restart its servers
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
        ...files,
      ],
      {
        cwd: repoRoot,
        stdio: 'inherit',
        env: { ...process.env, ...env, MEMFLOW_STACK_PROFILE: profile.name, MEMFLOW_TEST_PORT_SHIFT: String(profile.temporal.port - 7233), MEMFLOW_STACK_MANAGED: managedServices(process.env).join(','), MEMFLOW_LOG_LEVEL: process.env.MEMFLOW_LOG_LEVEL ?? 'warn' },
      },
    );
    code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    if (code === 0 && checkResults.some((ok) => !ok)) code = 1;
  } finally {
    if (process.env.MEMFLOW_KEEP_STACK === '1') log('MEMFLOW_KEEP_STACK=1: leaving the test stack running');
    else await stopStack(profile, log, started);
  }
  const s = summarize(tapFile);
  if (s) console.log(`\ntests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  console.log(`[test] total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`memflow test: ${err.message}`);
    process.exit(1);
  },
);
