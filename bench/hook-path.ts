/**
 * `npm run bench:hook-path`: what one host hook costs on the developer's machine, per process, with
 * the real relay, API and worker on the test stack: `memflow-hook <event> --host codex` started as a
 * host starts it (`sh -c`), the event's body on stdin, one after the other, and beside it the bare
 * process starts it cannot do without (`sh -c true`, `sh -c 'bash -c :'`). Per run: the wall time, the
 * CPU of the hook's own processes (sh, env, bash), of the relay, of the API and of the worker (from
 * /proc: their CPU in the same interval; PostgreSQL and Temporal are shared with other work and not
 * counted). Variants alternate run by run. PostToolUse is Codex's shell call with its output (the relay
 * spools it and delivers it behind the answer); PreToolUse is a shell call reading a file of the
 * project's rules (the push at the code: a new session each time, so every touch is a first touch).
 *
 *   MEMFLOW_BENCH_FROM_SOURCE=1 npm run bench:hook-path -- --runs 100
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { repoRoot } from '../infra/profile.js';
import { benchSourceFile, statedRulePrompt } from './agent-rules.js';
import { benchStack, benchTenant, percentile, printColumns, spawnEntry, stopChild, waitForReady } from './lib.js';
import { loadAverage } from './proc-cpu.js';
import { createPrisma } from '../common/server/db.js';
import { parseConfig } from '../common/server/config.js';

const o = new Command('bench:hook-path').option('--runs <n>', 'runs of each variant', '100').option('--rules <n>', 'rules stated in prompts first', '8').parse().opts<{ runs: string; rules: string }>();
const runs = Number(o.runs);
const rules = Number(o.rules);
const TICK_MS = 1000 / 100; // USER_HZ

/** A process's CPU (ms), children it waited for included when `children`. */
function cpuMs(pid: number | 'self', children = false): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [u, s, cu, cs] = [f[11], f[12], f[13], f[14]].map(Number) as [number, number, number, number];
  return (u + s + (children ? cu + cs : 0)) * TICK_MS;
}

const stack = await benchStack();
const prisma = createPrisma(parseConfig({ ...process.env, ...stack.env }).DATABASE_URL);
const port = await freePort();
const api = spawnEntry('api/main.ts', { ...stack.env, MEMFLOW_PORT: String(port), MEMFLOW_LOG_LEVEL: 'error' });
const worker = spawnEntry('workers/main.ts', { ...stack.env, MEMFLOW_LOG_LEVEL: 'error' });
const apiUrl = `http://127.0.0.1:${port}`;
let relay: ChildProcess | undefined;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-hook-path-'));
try {
  await waitForReady(apiUrl);
  const tenant = await benchTenant(prisma, 'bench-hook-path');
  const repo = path.join(home, 'repo');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  spawnSync('git', ['init', '-q', repo]);
  for (let i = 0; i < rules; i++) fs.writeFileSync(path.join(repo, benchSourceFile(i).path), benchSourceFile(i).text);
  const env = {
    ...process.env,
    PATH: `${path.join(repoRoot, 'cli')}${path.delimiter}${process.env.PATH}`,
    HOME: home,
    MEMFLOW_API_KEY: tenant.key,
    MEMFLOW_URL: apiUrl,
    MEMFLOW_SPOOL_DIR: path.join(home, 'spool'),
    MEMFLOW_CACHE_DIR: path.join(home, 'cache'),
    MEMFLOW_RELAY_PORT: String(await freePort()),
    MEMFLOW_RELAY_IDLE_MS: '600000',
  };
  // MEMFLOW_CPU_PROF_DIR=dir: the relay writes a V8 CPU profile there when it stops.
  const profile = process.env.MEMFLOW_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MEMFLOW_CPU_PROF_DIR}`] : [];
  relay = spawn(process.execPath, [...profile, path.join(repoRoot, 'cli/memflow.js'), 'relay', 'run'], { env, stdio: 'ignore' });
  const relayUrl = `http://127.0.0.1:${env.MEMFLOW_RELAY_PORT}`;
  await waitUntil(async () => (await fetch(`${relayUrl}/health`).catch(() => undefined))?.ok === true, { what: 'the relay', timeoutMs: 60_000, intervalMs: 200 });
  const hook = (event: string, body: Record<string, unknown>) => spawnSync('sh', ['-c', `memflow-hook ${event} --host codex`], { cwd: repo, env, input: JSON.stringify(body), encoding: 'utf8' });
  // The rules, stated in prompts through the hook (as bench:hosts --stated), then the index the relay reads.
  for (let i = 0; i < rules; i++) {
    const common = { session_id: `rule-${i}-${Date.now()}`, cwd: repo, transcript_path: '' };
    hook('SessionStart', { ...common, hook_event_name: 'SessionStart', source: 'startup' });
    hook('UserPromptSubmit', { ...common, hook_event_name: 'UserPromptSubmit', prompt: statedRulePrompt(i) });
    hook('Stop', { ...common, hook_event_name: 'Stop', last_assistant_message: 'Understood: the cap stays at 7.' });
    hook('SessionEnd', { ...common, hook_event_name: 'SessionEnd', reason: 'exit' });
  }
  await waitUntil(
    async () => {
      const r = await fetch(`${apiUrl}/v1/context/files?project=${path.basename(repo)}`, { headers: { authorization: `Bearer ${tenant.key}` } });
      return r.ok && ((await r.json()) as { identifiers?: string[] }).identifiers!.length >= rules;
    },
    { what: 'the rules anchored', timeoutMs: 180_000, intervalMs: 1000 },
  );
  // A prompt of the measuring session: the relay reads the project's index and parses the files ahead.
  hook('UserPromptSubmit', { session_id: 'warm', cwd: repo, transcript_path: '', hook_event_name: 'UserPromptSubmit', prompt: 'run the steps' });
  await new Promise((r) => setTimeout(r, 2000));
  const relayPid = ((await (await fetch(`${relayUrl}/health`)).json()) as { pid: number }).pid;
  type Variant = { name: string; run(n: number): void };
  const sh = (cmd: string) => () => void spawnSync('sh', ['-c', cmd], { cwd: repo, env, input: '{}', encoding: 'utf8' });
  const variants: Variant[] = [
    { name: "sh -c true (a host's bare command)", run: sh('true') },
    { name: "sh -c 'bash -c :' (a bash started)", run: sh('bash -c :') },
    {
      name: 'memflow-hook PostToolUse (a shell call)',
      run: (n) => void hook('PostToolUse', { session_id: `post-${n % 8}`, cwd: repo, transcript_path: '', hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: `call-${n}`, tool_input: { command: `cat ${benchSourceFile(n % rules).path} && ls` }, tool_response: `${benchSourceFile(n % rules).text}\nREADME.md\nsrc\n` }),
    },
    {
      name: 'memflow-hook PreToolUse (reads a file with rules)',
      run: (n) => void hook('PreToolUse', { session_id: `pre-${n}-${Date.now()}`, cwd: repo, transcript_path: '', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: `pre-${n}`, tool_input: { command: `cat ${benchSourceFile(n % rules).path} && ls` } }),
    },
  ];
  const pids = { relay: relayPid, api: api.pid!, worker: worker.pid! };
  const stats = variants.map(() => ({ wall: [] as number[], hook: 0, relay: 0, api: 0, worker: 0 }));
  const loadBefore = loadAverage();
  for (let n = 0; n < runs; n++) {
    for (const [i, v] of variants.entries()) {
      const before = { self: cpuMs('self', true), relay: cpuMs(pids.relay), api: cpuMs(pids.api), worker: cpuMs(pids.worker) };
      const t0 = performance.now();
      v.run(n);
      stats[i]!.wall.push(performance.now() - t0);
      const s = stats[i]!;
      s.hook += cpuMs('self', true) - before.self;
      s.relay += cpuMs(pids.relay) - before.relay;
      s.api += cpuMs(pids.api) - before.api;
      s.worker += cpuMs(pids.worker) - before.worker;
    }
  }
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q).toFixed(1);
  printColumns(
    `one hook, ${runs} runs of each variant alternated (ms; CPU in 10 ms ticks, averaged over the runs); load average ${loadBefore} before, ${loadAverage()} after`,
    ['wall p50 / p90', 'CPU: hook processes (and this process)', 'CPU: relay', 'CPU: API', 'CPU: worker'],
    variants.map((v, i) => {
      const s = stats[i]!;
      return [v.name, [`${p(s.wall, 50)} / ${p(s.wall, 90)}`, (s.hook / runs).toFixed(2), (s.relay / runs).toFixed(2), (s.api / runs).toFixed(2), (s.worker / runs).toFixed(2)]] as [string, string[]];
    }),
  );
} finally {
  if (relay) await stopChild(relay);
  await stopChild(worker);
  await stopChild(api);
  await prisma.$disconnect();
  await stack.stop();
}
