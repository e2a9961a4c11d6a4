/**
 * `npm run bench:relay`: what the relay itself spends on a Claude Code Read — the http PostToolUse hook
 * Claude Code posts to it for every Read, as bench:agent's sessions make them: a new file each time,
 * one session, a gap between calls (the session stays busy, so its events wait in the spool and go out
 * at most maxDeferMs later, as in a real burst). The real relay (this checkout's), API and worker on
 * the test stack; the relay's user and system CPU (from /proc) over the measured posts, per post, and
 * the API's beside it, once every Read is delivered. `--profile <dir>` writes the relay's V8 CPU profile there; `--strace <file>` runs
 * it under `strace -f -c` (system calls by count).
 *
 *   npm run bench:relay -- --reads 400 --gap 20
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { repoRoot } from '../infra/profile.js';
import { printColumns, startBenchServices } from './lib.js';
import { cpuTimesOf, loadAverage } from './proc-cpu.js';

const o = new Command('bench:relay')
  .option('--reads <n>', 'measured Reads (after 30 to warm up)', '400')
  .option('--gap <ms>', 'pause between Reads', '20')
  .option('--profile <dir>', "write the relay's V8 CPU profile into this folder")
  .option('--strace <file>', 'run the relay under strace -f -c, its summary into this file')
  .parse()
  .opts<{ reads: string; gap: string; profile?: string; strace?: string }>();
const N = Number(o.reads);
const GAP = Number(o.gap);
/** A process's user and system CPU in ms (0 once it is gone). */
const cpuMs = (pid: number) => {
  const t = cpuTimesOf(pid) ?? { user: 0, system: 0 };
  return { u: t.user * 1000, s: t.system * 1000 };
};
const { api, tenant, stop } = await startBenchServices('bench-relay');
const apiUrl = api.url;
let relay: ChildProcess | undefined;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-relay-'));
try {
  const repo = path.join(home, 'repo');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  spawnSync('git', ['init', '-q', repo]);
  const env = { ...process.env, HOME: home, MEMFLOW_API_KEY: tenant.key, MEMFLOW_URL: apiUrl, MEMFLOW_SPOOL_DIR: path.join(home, 'spool'), MEMFLOW_CACHE_DIR: path.join(home, 'cache'), MEMFLOW_RELAY_PORT: String(await freePort()), MEMFLOW_RELAY_IDLE_MS: '600000' };
  const profile = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profile}`] : [];
  const command = [process.execPath, ...profile, path.join(repoRoot, 'cli/memflow.js'), 'relay', 'run'];
  const [bin, ...args] = o.strace ? ['strace', '-f', '-c', '-o', o.strace, ...command] : command;
  relay = spawn(bin!, args, { env, stdio: 'ignore' });
  const relayUrl = `http://127.0.0.1:${env.MEMFLOW_RELAY_PORT}`;
  await waitUntil(async () => (await fetch(`${relayUrl}/health`).catch(() => undefined))?.ok === true, { what: 'the relay', timeoutMs: 60_000, intervalMs: 200 });
  const relayPid = ((await (await fetch(`${relayUrl}/health`)).json()) as { pid: number }).pid;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-memflow-url': apiUrl, 'x-memflow-project': 'repo' };
  const post = (event: string, body: Record<string, unknown>) => fetch(`${relayUrl}/hook/${event}`, { method: 'POST', headers, body: JSON.stringify(body) }).then((r) => r.text());
  const session = `s-${Date.now()}`;
  const common = { session_id: session, cwd: repo, transcript_path: path.join(home, 't.jsonl'), permission_mode: 'default' };
  await post('user-prompt-submit', { ...common, hook_event_name: 'UserPromptSubmit', prompt: 'read the modules' });
  const read = async (i: number) => {
    const file = path.join(repo, 'src', `module_${i}.py`);
    fs.writeFileSync(file, `def f_${i}():\n    return ${i}\n`);
    const content = fs.readFileSync(file, 'utf8');
    await post('post-tool-use', { ...common, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_use_id: `toolu_${session}_${i}`, tool_input: { file_path: file }, tool_response: { type: 'text', file: { filePath: file, content, numLines: 2, startLine: 1, totalLines: 2 } } });
  };
  for (let i = 0; i < 30; i++) await read(i);
  await new Promise((r) => setTimeout(r, 2000));
  const loadBefore = loadAverage();
  const before = cpuMs(relayPid);
  const apiBefore = cpuMs(api.pid);
  const t0 = performance.now();
  for (let i = 30; i < 30 + N; i++) {
    await read(i);
    await new Promise((r) => setTimeout(r, GAP));
  }
  const wall = performance.now() - t0;
  // Every Read delivered to the API (the busy session's events wait up to maxDeferMs), then a moment for its work.
  const delivered = async () => ((await (await fetch(`${relayUrl}/health`)).json()) as { spool: { delivered: number } }).spool.delivered;
  await waitUntil(async () => (await delivered()) >= 31 + N, { what: 'every Read delivered', timeoutMs: 120_000, intervalMs: 200 });
  await new Promise((r) => setTimeout(r, 2000));
  const after = cpuMs(relayPid);
  const apiAfter = cpuMs(api.pid);
  printColumns(
    `bench:relay — ${N} Claude Code Reads posted to the relay, ${GAP} ms apart; load average ${loadBefore} before, ${loadAverage()} after; ${os.cpus().length} cores`,
    ['per Read'],
    [
      ['relay CPU, user (ms)', [((after.u - before.u) / N).toFixed(2)]],
      ['relay CPU, system (ms)', [((after.s - before.s) / N).toFixed(2)]],
      ['relay CPU, all (ms)', [((after.u + after.s - before.u - before.s) / N).toFixed(2)]],
      ['API CPU (ms)', [((apiAfter.u + apiAfter.s - apiBefore.u - apiBefore.s) / N).toFixed(2)]],
      ['wall per Read less the gap, the bench client included (ms)', [(wall / N - GAP).toFixed(2)]],
    ],
  );
} finally {
  if (relay) {
    relay.kill('SIGTERM');
    await new Promise((r) => relay!.once('exit', r));
  }
  await stop();
}
