/**
 * `npm run bench:start`: what it costs to start memflow's API and worker, built (plain node on
 * dist/server, the worker on the prebuilt workflow bundle: how `npm run up`, the cluster profile and
 * the Helm chart run them) against from the sources (node --import tsx, each with an esbuild
 * service, the worker bundling the workflows itself: how they ran before `npm run build`),
 * alternated (A B B A ...) on the bench stack. Per start: from the spawn of both until the API's
 * /health answers and until /ready says the worker polls; the CPU seconds the two process trees
 * spent until ready (less moved by a shared machine's load than the wall clock); their resident
 * memory (each with every process under it) after `--rest` seconds of quiet.
 *
 *   npm run bench:start -- --rounds 2 --rest 15
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { benchStack, printColumns, spawnEntry, stopChild, waitForReady } from './lib.js';
import { cpuSecondsOf, loadAverage, treeRss } from './proc-cpu.js';
import { processTree } from '../infra/daemon.js';

type Mode = 'source' | 'built';
interface Start {
  mode: Mode;
  healthyS: number;
  readyS: number;
  cpuS: { api: number; worker: number };
  rss: { api: number; worker: number };
  processes: string;
  load: string;
}

const treeCpu = (pid: number) => processTree(pid).reduce((s, p) => s + (cpuSecondsOf(p) ?? 0), 0);

async function startOnce(mode: Mode, env: NodeJS.ProcessEnv, restS: number): Promise<Start> {
  process.env.MEMFLOW_BENCH_FROM_SOURCE = mode === 'source' ? '1' : '0';
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const load = loadAverage();
  const t0 = performance.now();
  const worker = spawnEntry('workers/main.ts', { ...env, MEMFLOW_LOG_LEVEL: 'error', MEMFLOW_WORKER_METRICS_PORT: `127.0.0.1:${await freePort()}` });
  const api = spawnEntry('api/main.ts', { ...env, MEMFLOW_PORT: String(port), MEMFLOW_LOG_LEVEL: 'error' });
  try {
    let healthyS: number | undefined;
    await waitUntil(
      async () => {
        healthyS ??= (await fetch(`${url}/health`).then((r) => r.ok, () => false)) ? (performance.now() - t0) / 1000 : undefined;
        return healthyS !== undefined;
      },
      { what: `API at ${url}`, timeoutMs: 300_000, intervalMs: 50 },
    );
    await waitForReady(url, 50);
    const readyS = (performance.now() - t0) / 1000;
    const cpuS = { api: treeCpu(api.pid!), worker: treeCpu(worker.pid!) };
    await sleep(restS * 1000);
    const a = treeRss(api.pid!);
    const w = treeRss(worker.pid!);
    return { mode, healthyS: healthyS!, readyS, cpuS, rss: { api: a.mb, worker: w.mb }, processes: [...a.processes.map((p) => `api:${p}`), ...w.processes.map((p) => `worker:${p}`)].join(' '), load };
  } finally {
    await Promise.all([stopChild(api), stopChild(worker)]);
  }
}

async function main(): Promise<void> {
  const o = new Command('bench:start')
    .option('--rounds <n>', 'starts of each mode, alternated', '2')
    .option('--rest <s>', 'quiet seconds after ready before the memory is read', '15')
    .parse()
    .opts<{ rounds: string; rest: string }>();
  const stack = await benchStack(); // builds the server first
  const starts: Start[] = [];
  try {
    for (let r = 0; r < Number(o.rounds); r++) {
      for (const mode of (r % 2 === 0 ? ['source', 'built'] : ['built', 'source']) as Mode[]) {
        const s = await startOnce(mode, { ...stack.env, TEMPORAL_TASK_QUEUE: `bench-start-${r}-${mode}` }, Number(o.rest));
        console.log(`[bench] ${mode}: ready in ${s.readyS.toFixed(2)} s, CPU ${(s.cpuS.api + s.cpuS.worker).toFixed(2)} s, ${s.rss.api.toFixed(0)} / ${s.rss.worker.toFixed(0)} MB (load ${s.load})`);
        starts.push(s);
      }
    }
  } finally {
    await stack.stop();
  }
  const cols = starts.map((s, i) => `${i + 1}: ${s.mode}`);
  printColumns('memflow API and worker: start and memory at rest, built (node dist/server) vs from the sources (node --import tsx)', cols, [
    ['spawn → API /health (s)', starts.map((s) => s.healthyS.toFixed(2))],
    ['spawn → /ready, worker polling (s)', starts.map((s) => s.readyS.toFixed(2))],
    ['CPU until ready: API / worker (s)', starts.map((s) => `${s.cpuS.api.toFixed(2)} / ${s.cpuS.worker.toFixed(2)}`)],
    [`resident at rest (+${o.rest} s): API / worker (MB)`, starts.map((s) => `${s.rss.api.toFixed(0)} / ${s.rss.worker.toFixed(0)}`)],
    ['processes', starts.map((s) => s.processes)],
    ['load average at spawn', starts.map((s) => s.load)],
  ]);
}

main().catch((err: Error) => {
  console.error(`bench:start: ${err.stack ?? err.message}`);
  process.exit(1);
});
