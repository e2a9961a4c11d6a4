/**
 * `npm run bench:hooks`: what a capture hook costs, run exactly as Claude Code runs the installed one
 * (`bash -c "memflow hook post-tool-use"`, the hook JSON on stdin, `memflow` on PATH), in a clean
 * environment and with NODE_EXTRA_CA_CERTS set (as many corporate setups do), while the API is up,
 * refusing connections, and hanging (accepts, never answers).
 *
 * Two figures per case. "process" is the hook process's wall time: what the agent would wait for a
 * synchronous hook. "agent" is what the agent waits for the installed hook, which is `async: true`:
 * Claude Code starts it in the background and goes on, so the agent's cost is starting a process,
 * measured here as the time until `spawn` returns control. The API runs as its own process on the
 * test stack.
 *
 * Then the hook's own budget (MEMFLOW_HOOK_TIMEOUT_MS), the wall time tests/cli-hook.test.ts does not
 * assert: a hook whose stdin never ends, and one whose API accepts and never answers while no outage
 * is remembered (each run takes the full wait), each against the budget and its forced-exit guard.
 *
 *   npm run bench:hooks -- --runs 40
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../common/server/config.js';
import { createPrisma } from '../common/server/db.js';
import { freePort } from '../infra/ports.js';
import { repoRoot } from '../infra/profile.js';
import { benchStack, benchTenant, percentile, printColumns, startBenchApi } from './lib.js';

const CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

function payload(i: number): string {
  return JSON.stringify({
    session_id: `bench-hooks-${process.pid}`,
    transcript_path: '/tmp/t.jsonl',
    cwd: repoRoot,
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_input: { command: `npm test -- --grep case-${i}`, description: 'Run one test' },
    tool_response: { stdout: `ok ${i}\n`.repeat(20), stderr: '', interrupted: false, isImage: false, noOutputExpected: false },
    tool_use_id: `toolu_bench_${process.pid}_${i}`,
    duration_ms: 850,
  });
}

/** One hook run: [ms until spawn returned, ms until the process exited]. `keepStdinOpen`: an agent that never finishes writing. */
function runHook(env: NodeJS.ProcessEnv, input: string, keepStdinOpen = false): Promise<[number, number]> {
  const t0 = performance.now();
  const child = spawn('bash', ['-c', 'memflow hook post-tool-use'], { cwd: repoRoot, env, stdio: ['pipe', 'ignore', 'ignore'] });
  const spawned = performance.now() - t0;
  child.stdin.on('error', () => {}); // the hook may exit before reading everything
  if (keepStdinOpen) child.stdin.write(input);
  else child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      child.stdin.destroy();
      resolve([spawned, performance.now() - t0]);
    });
  });
}

/** The hook's budget in the budget cases, and the margin its forced exit adds (EXIT_MARGIN_MS, cli/capture/hook.ts). */
const BUDGET_MS = 500;
const EXIT_MARGIN_MS = 750;

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${percentile(s, 50).toFixed(1)} / ${percentile(s, 95).toFixed(1)}`;
};

async function main(): Promise<void> {
  const opts = new Command('bench:hooks').option('--runs <n>', 'hook runs per case', '40').parse(process.argv).opts<{ runs: string }>();
  const runs = Number(opts.runs);
  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const prisma = createPrisma(config.DATABASE_URL);
  const api = await startBenchApi(stack);
  const { url } = api;
  // An API that accepts connections and never answers.
  const hanging = net.createServer(() => {});
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  const hangingUrl = `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}`;
  const refusedUrl = `http://127.0.0.1:${await freePort()}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hooks-'));
  try {
    const { key } = await benchTenant(prisma, 'bench-hooks');
    // `memflow` on PATH, as `npm link` makes it.
    fs.mkdirSync(path.join(work, 'bin'));
    fs.symlinkSync(path.join(repoRoot, 'cli', 'memflow.js'), path.join(work, 'bin', 'memflow'));
    const base = { PATH: `${path.join(work, 'bin')}:${process.env.PATH}`, HOME: work, MEMFLOW_API_KEY: key, MEMFLOW_CACHE_DIR: path.join(work, 'cache'), MEMFLOW_SPOOL_DIR: path.join(work, 'spool') };
    const cases: [string, string][] = [
      ['API up', url],
      ['API refusing connections', refusedUrl],
      ['API hanging (accepts, never answers)', hangingUrl],
    ];
    const columns: string[] = [];
    const rows: [string, string[]][] = cases.flatMap(([name]) => [
      [`${name}: agent waits (async hook), p50 / p95 ms`, []],
      [`${name}: hook process, p50 / p95 ms`, []],
    ]);
    for (const [label, extra] of [
      ['clean environment', {}],
      ['NODE_EXTRA_CA_CERTS set', { NODE_EXTRA_CA_CERTS: CA_FILE }],
    ] as const) {
      columns.push(label);
      for (const [i, [, target]] of cases.entries()) {
        fs.rmSync(path.join(work, 'spool'), { recursive: true, force: true });
        const env = { ...base, ...extra, MEMFLOW_URL: target };
        await runHook(env, payload(0)); // warm-up: builds the hook bundle, takes the outage mark
        const agent: number[] = [];
        const proc: number[] = [];
        for (let n = 1; n <= runs; n++) {
          const [spawned, exited] = await runHook(env, payload(n));
          agent.push(spawned);
          proc.push(exited);
        }
        rows[i * 2]![1].push(fmt(agent));
        rows[i * 2 + 1]![1].push(fmt(proc));
      }
    }
    printColumns(`capture hook cost: bash -c "memflow hook post-tool-use", ${runs} runs per case, load average ${os.loadavg()[0]!.toFixed(2)}, this machine`, columns, rows);

    // The budget cases: no outage remembered before a run (its mark is taken away), so each run waits.
    const budgetRows: [string, string[]][] = [];
    for (const [name, target, keepStdinOpen] of [
      ['stdin never ends', url, true],
      ['API hanging, no outage remembered', hangingUrl, false],
    ] as const) {
      fs.rmSync(path.join(work, 'spool'), { recursive: true, force: true });
      const env = { ...base, MEMFLOW_URL: target, MEMFLOW_HOOK_TIMEOUT_MS: String(BUDGET_MS) };
      const proc: number[] = [];
      for (let n = 0; n <= runs; n++) {
        const marks = path.join(work, 'cache', 'cli'); // the outage marks (down-*) beside the hook's bundle
        for (const f of fs.existsSync(marks) ? fs.readdirSync(marks) : []) if (f.startsWith('down-')) fs.rmSync(path.join(marks, f), { force: true });
        const input = keepStdinOpen ? payload(n).slice(0, 40) : payload(n);
        const [, exited] = await runHook(env, input, keepStdinOpen);
        if (n > 0) proc.push(exited); // run 0 is the warm-up
      }
      const over = proc.filter((ms) => ms > BUDGET_MS + EXIT_MARGIN_MS).length;
      budgetRows.push([`${name}: hook process, p50 / p95 ms`, [fmt(proc)]], [`${name}: runs over budget + exit margin (${BUDGET_MS + EXIT_MARGIN_MS} ms)`, [`${over}/${runs}`]]);
    }
    printColumns(`the hook's budget: MEMFLOW_HOOK_TIMEOUT_MS=${BUDGET_MS}, ${runs} runs per case, load average ${os.loadavg()[0]!.toFixed(2)}`, ['clean environment'], budgetRows);
  } finally {
    hanging.close();
    await api.stop();
    await prisma.$disconnect();
    await stack.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench:hooks: ${err.message}`);
  process.exit(1);
});
