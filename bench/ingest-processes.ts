/**
 * bench:ingest's figures of memflow's own processes in an open-loop run (`--rates`): how they run
 * (built: plain node on dist/server; or from the sources through tsx, MEMFLOW_BENCH_FROM_SOURCE=1),
 * how long the API and the worker took from their spawn to healthy (the API's /health) and to ready
 * (/ready with the worker polling), and their resident memory — each with every process under it, so
 * a TypeScript loader's esbuild service counts — at rest (after a quiet spell once ready) and under
 * the load (the highest of one reading a second while the rates run and the backlog drains).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Processes } from './ingest-harness.js';
import { printColumns } from './lib.js';
import { loadAverage } from './proc-cpu.js';

/** How long the processes are left alone after ready before the memory at rest is read. */
const REST_MS = 20_000;

export interface ProcessFigures {
  mode: string;
  start: { apiHealthyS: number; readyS: number };
  rest: { apiMb: number; workerMb: number; processes: string[]; load: string };
  peak: { apiMb: number; workerMb: number; load: string };
}

/** Reads the figures around `load` (run once the processes are up). */
export async function watchProcesses(procs: Processes, load: () => Promise<unknown>): Promise<ProcessFigures> {
  await sleep(REST_MS);
  const rest = procs.rss();
  const restLoad = loadAverage();
  const peak = { apiMb: 0, workerMb: 0 };
  const read = () => {
    const r = procs.rss();
    peak.apiMb = Math.max(peak.apiMb, r.api.mb);
    peak.workerMb = Math.max(peak.workerMb, r.worker.mb);
  };
  const timer = setInterval(read, 1000);
  try {
    await load();
  } finally {
    clearInterval(timer);
  }
  read();
  return {
    mode: process.env.MEMFLOW_BENCH_FROM_SOURCE === '1' ? 'from the sources (node --import tsx)' : 'built (node dist/server)',
    start: procs.startTimes!,
    rest: { apiMb: rest.api.mb, workerMb: rest.worker.mb, processes: [...rest.api.processes.map((p) => `api:${p}`), ...rest.worker.processes.map((p) => `worker:${p}`)], load: restLoad },
    peak: { ...peak, load: loadAverage() },
  };
}

export function printProcesses(f: ProcessFigures, rates: number[]): void {
  printColumns(`memflow's processes, ${f.mode}`, ['value'], [
    ['spawn → API /health (s)', [f.start.apiHealthyS.toFixed(2)]],
    ['spawn → /ready with the worker polling (s)', [f.start.readyS.toFixed(2)]],
    [`resident memory at rest, ${REST_MS / 1000} s after ready: API / worker (MB)`, [`${f.rest.apiMb.toFixed(0)} / ${f.rest.workerMb.toFixed(0)}`]],
    ['processes at rest (each with those under it)', [f.rest.processes.join(', ')]],
    ['load average at rest', [f.rest.load]],
    [`resident memory, highest under ${rates.join(', ')} events/s and the drain: API / worker (MB)`, [`${f.peak.apiMb.toFixed(0)} / ${f.peak.workerMb.toFixed(0)}`]],
    ['load average at the end', [f.peak.load]],
  ]);
}
