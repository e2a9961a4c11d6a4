/** Shared pieces of the benchmarks: the stack they run on, memflow's processes, and the table. */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../common/server/config.js';
import { createPrisma, type PrismaClient } from '../common/server/db.js';
import { createPgPool, type PgPool } from '../common/server/pg.js';
import { createApiKey, ensureTenant } from '../common/server/tenants.js';
import { connectWeaviate } from '../common/server/weaviate/client.js';
import type { WeaviateClient } from '../common/server/weaviate/schema.js';
import { buildServer, nodeArgs, workflowBundleFile } from '../infra/build.js';
import { backgroundNice, niceSessionGroup } from '../infra/daemon.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { repoRoot, type StackProfile } from '../infra/profile.js';
import { chooseTestProfile, stackStatus, startStack, stopStack, type StackEnv } from '../infra/stack.js';
import { cpuSecondsOf, cpuSecondsOfCommand, cpuSince, loadAverage, machineBusySeconds, ownCpuSeconds } from './proc-cpu.js';

export interface BenchStack {
  env: StackEnv;
  profile: StackProfile;
  stop(): Promise<void>;
}

/**
 * Whether the benchmarks run memflow's processes from the sources through tsx
 * (MEMFLOW_BENCH_FROM_SOURCE=1, how every process ran before `npm run build`), not from the build as
 * `npm run up`, the cluster profile and the Helm chart run them.
 */
const fromSource = () => process.env.MEMFLOW_BENCH_FROM_SOURCE === '1';

/** The test profile's stack (the benchmarks never touch a developer's dev data), and the server built for it. */
export async function benchStack(): Promise<BenchStack> {
  const log = (l: string) => console.log(`[stack] ${l}`);
  if (!fromSource()) await buildServer({ log: (l) => console.log(`[build] ${l}`) });
  const profile = await chooseTestProfile(log);
  const { env, started } = await startStack(profile, log);
  return { env, profile, stop: () => stopStack(profile, log, started) };
}

/**
 * How a benchmark's worker shares the CPU with the API: `niced` (default) as `npm run up` starts it — a session of its
 * own whose scheduling group is niced too (infra/daemon.ts niceSessionGroup); `plain`: its own session, the group not
 * niced (as `up` started it before 2026-11-30); `shared`: in the bench's session, beside the API it starts.
 */
export const WORKER_GROUPS = ['niced', 'plain', 'shared'] as const;
export type WorkerGroup = (typeof WORKER_GROUPS)[number];

/** A worker group named by `what` (an option, a variable), or a clear error. */
export function workerGroupOf(value: string, what: string): WorkerGroup {
  if (!(WORKER_GROUPS as readonly string[]).includes(value)) throw new Error(`${what}: '${value}' is none of ${WORKER_GROUPS.join(', ')}`);
  return value as WorkerGroup;
}

/**
 * Runs one of memflow's entry points (api/main.ts, workers/main.ts) as its own process, built (plain
 * node on dist/server, the worker on the prebuilt workflow bundle: benchStack builds them) unless
 * MEMFLOW_BENCH_FROM_SOURCE=1. Rate limits are off: a benchmark drives one key far past what a
 * person's agent sends (callers may set them).
 */
export function spawnEntry(
  entry: string,
  env: NodeJS.ProcessEnv,
  // MEMFLOW_BENCH_WORKER_GROUP=plain|shared: every bench's worker that way instead (a before/after of the group's niceness).
  group: WorkerGroup = workerGroupOf(process.env.MEMFLOW_BENCH_WORKER_GROUP ?? 'niced', 'MEMFLOW_BENCH_WORKER_GROUP'),
): ChildProcess {
  const child = spawnChild(entry, env, group);
  // A benchmark stopped early (Ctrl-C, timeout) must not leave an API whose redispatcher keeps
  // working on the test database.
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  return child;
}

function spawnChild(entry: string, env: NodeJS.ProcessEnv, group: WorkerGroup): ChildProcess {
  // MEMFLOW_CPU_PROF_DIR=dir: each process writes a V8 CPU profile there when it exits.
  const profile = process.env.MEMFLOW_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MEMFLOW_CPU_PROF_DIR}`] : [];
  const argv = [process.execPath, ...profile, ...(fromSource() ? ['--import', 'tsx', path.join(repoRoot, entry)] : nodeArgs(entry))];
  // The worker runs niced, as `npm run up` starts it (infra/processes.ts).
  const isWorker = entry === 'workers/main.ts';
  const nice = isWorker ? backgroundNice({ ...process.env, ...env }) : 0;
  if (isWorker && !fromSource()) env = { MEMFLOW_WORKFLOW_BUNDLE: workflowBundleFile, ...env };
  const ownSession = isWorker && group !== 'shared';
  const child = spawn(nice ? 'nice' : argv[0]!, nice ? ['-n', String(nice), ...argv] : argv.slice(1), {
    cwd: repoRoot,
    detached: ownSession,
    env: { ...process.env, MEMFLOW_RATE_LIMIT_PER_MINUTE: '0', MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: '0', ...env },
    // MEMFLOW_BENCH_LOG_DIR=dir: each process's log (stdout) goes to dir/<entry>.log.
    stdio: ['ignore', process.env.MEMFLOW_BENCH_LOG_DIR ? fs.openSync(path.join(process.env.MEMFLOW_BENCH_LOG_DIR, `${path.basename(entry, '.ts')}-${path.basename(path.dirname(entry))}.log`), 'a') : 'ignore', 'inherit'],
  });
  if (ownSession && group === 'niced' && child.pid !== undefined) niceSessionGroup(child.pid, nice);
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

export async function waitForReady(url: string, intervalMs = 500): Promise<void> {
  await waitUntil(
    async () => {
      const res = await fetch(`${url}/ready`);
      const body = (await res.json()) as { ready: boolean; dependencies: { temporal?: { workerPollers?: number } } };
      return body.ready && (body.dependencies.temporal?.workerPollers ?? 0) > 0;
    },
    { what: `API at ${url}`, timeoutMs: 300_000, intervalMs },
  );
}

/** The server's own phases from Server-Timing, `total` among them (api/server.ts writes them). */
export function serverPhases(header: string | string[] | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of String(header ?? '').matchAll(/([\w-]+);dur=([\d.]+)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function printTable(title: string, rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length), 6);
  const v = Math.max(...rows.map(([, val]) => val.length), 5);
  console.log(`\n${title}\n| ${'metric'.padEnd(w)} | ${'value'.padStart(v)} |\n| ${'-'.repeat(w)} | ${'-'.repeat(v)} |`);
  for (const [k, val] of rows) console.log(`| ${k.padEnd(w)} | ${val.padStart(v)} |`);
}

/** A table with one column per configuration: rows of [metric, value per column]. */
export function printColumns(title: string, columns: string[], rows: [string, string[]][]): void {
  const w = Math.max(...rows.map(([k]) => k.length), 6);
  const cw = Math.max(...columns.map((c) => c.length), ...rows.flatMap(([, vs]) => vs.map((v) => v.length)));
  console.log(`\n${title}\n| ${'metric'.padEnd(w)} | ${columns.map((c) => c.padStart(cw)).join(' | ')} |`);
  console.log(`| ${'-'.repeat(w)} | ${columns.map(() => '-'.repeat(cw)).join(' | ')} |`);
  for (const [k, vs] of rows) console.log(`| ${k.padEnd(w)} | ${vs.map((v) => v.padStart(cw)).join(' | ')} |`);
}

/** memflow's API as its own process on the bench stack (errors only in its log), once /health answers. */
export async function startBenchApi(stack: BenchStack, env: NodeJS.ProcessEnv = {}): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnEntry('api/main.ts', { ...stack.env, ...env, MEMFLOW_PORT: String(port), MEMFLOW_LOG_LEVEL: 'error' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${url}/health`)).ok, { what: `API at ${url}`, timeoutMs: 60_000, intervalMs: 250 });
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/** A tenant of its own for one benchmark run, and an API key of it. */
export async function benchTenant(prisma: PrismaClient, prefix: string): Promise<{ tenantId: string; key: string }> {
  const name = `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
  const tenant = await ensureTenant(prisma, name);
  const { key } = await createApiKey(prisma, name);
  return { tenantId: tenant.id, key };
}

/**
 * What an agent benchmark runs against (bench:agent, bench:hosts): the bench stack, memflow's API and
 * worker as their own processes (as on a laptop), a tenant of its own with a key, and one stop().
 */
export async function startBenchServices(tenantPrefix: string): Promise<{
  api: { url: string; pid: number };
  /** The bench stack's configuration (its database, Weaviate): for in-process services beside the API. */
  config: Config;
  prisma: PrismaClient;
  tenant: { tenantId: string; key: string };
  /** A second API on the same stack with settings of its own (an ablation): the caller stops it. */
  otherApi(env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }>;
  /** Stops the worker early: what is captured from then on is stored, and summarized by no one (the memories stay as they are). */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}> {
  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const prisma = createPrisma(config.DATABASE_URL);
  const api = await startBenchApi(stack);
  const worker = spawnEntry('workers/main.ts', { ...stack.env, MEMFLOW_LOG_LEVEL: 'error' });
  const stop = async () => {
    await stopChild(worker);
    await api.stop();
    await prisma.$disconnect();
    await stack.stop();
  };
  try {
    await waitForReady(api.url);
    return { api, config, prisma, tenant: await benchTenant(prisma, tenantPrefix), otherApi: (env) => startBenchApi(stack, env), stopWorker: () => stopChild(worker), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What a retrieval benchmark works with: the stack, its database (Prisma and a pool) and memflow's API. */
export interface SearchBench {
  config: Config;
  profile: StackProfile;
  prisma: PrismaClient;
  pool: PgPool;
  /** The API's address; it changes when the API is restarted. */
  api: { url: string };
  /**
   * Restarts the API (a fresh process on a new port, see api.url). Between corpus sizes: the API
   * caches what it reads of PostgreSQL's statistics (the keyword leg's common words, 5 minutes), so
   * a corpus grown tenfold a minute ago would otherwise be searched with the smaller one's.
   */
  restartApi(): Promise<void>;
  close(): Promise<void>;
}

/** memflow's API as its own process, restartable: `api.url` follows it to its new port. */
export async function restartableApi(stack: BenchStack): Promise<{ api: { url: string }; restartApi(): Promise<void>; stop(): Promise<void> }> {
  let running = await startBenchApi(stack);
  const api = { url: running.url };
  return {
    api,
    async restartApi() {
      await running.stop();
      running = await startBenchApi(stack);
      api.url = running.url;
    },
    stop: () => running.stop(),
  };
}

export async function openSearchBench(): Promise<SearchBench> {
  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const prisma = createPrisma(config.DATABASE_URL);
  const pool = createPgPool(config.DATABASE_URL, 4);
  const running = await restartableApi(stack);
  return {
    config,
    profile: stack.profile,
    prisma,
    pool,
    api: running.api,
    restartApi: running.restartApi,
    async close() {
      await running.stop();
      await pool.end();
      await prisma.$disconnect();
      await stack.stop();
    },
  };
}

/**
 * Objects Weaviate has stored but not yet put into its vector indexes (its async indexing queues),
 * over all shards of the node(s).
 */
export async function vectorQueueLength(client: WeaviateClient): Promise<number> {
  const nodes = await client.cluster.nodes({ output: 'verbose' });
  return nodes.flatMap((n) => n.shards ?? []).reduce((sum, s) => sum + (s.vectorQueueLength ?? 0), 0);
}

/** Waits until Weaviate's vector indexing queues are empty (at once when indexing is synchronous). */
export async function vectorQueueDrained(config: Config): Promise<void> {
  const client = await connectWeaviate(config);
  try {
    while ((await vectorQueueLength(client)) > 0) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await client.close();
  }
}

/**
 * Times `fill` (writing `n` objects into Weaviate, as fillWeaviate does, until Weaviate has indexed
 * every vector) and where its CPU went:
 * milliseconds of CPU per object of this process (reading rows, embedding, the Weaviate client),
 * of Weaviate and of every PostgreSQL process on the machine, with the load average around it.
 */
export async function timedFill(profile: StackProfile, fill: () => Promise<number>): Promise<{ objects: number; seconds: number; perObject: Record<string, string>; coresBusy: number; load: string }> {
  const [, weaviate] = await stackStatus(profile);
  const before = loadAverage();
  const cpu = cpuSince({ 'this process': ownCpuSeconds, weaviate: () => (weaviate?.pid ? cpuSecondsOf(weaviate.pid) : undefined), postgres: () => cpuSecondsOfCommand('postgres') });
  const machine = cpuSince({ busy: machineBusySeconds });
  const t0 = performance.now();
  const objects = await fill();
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu();
  const perObject = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, v === undefined || objects === 0 ? '?' : ((v * 1000) / objects).toFixed(3)]));
  const busy = machine().busy ?? 0;
  return { objects, seconds, perObject, coresBusy: busy / Math.max(seconds, 1e-9), load: `${before} → ${loadAverage()}` };
}

/** timedFill's result as one table cell. */
export const fillSummary = (f: Awaited<ReturnType<typeof timedFill>>) =>
  `${f.objects} objects in ${f.seconds.toFixed(1)} s: ${(f.objects / Math.max(f.seconds, 1e-9)).toFixed(0)} objects/s; CPU ms/object ${Object.entries(f.perObject)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; machine ${f.coresBusy.toFixed(2)} of ${os.availableParallelism()} cores busy; load ${f.load}`;

/** How many answers GET /v1/search gave degraded and were asked again (searchFetch), per run. */
export const degradedRetries = { count: 0 };

/**
 * GET /v1/search with `params`: an answer that came degraded (the vector leg missed its 1.5 s
 * bound: on this shared machine at load 20+, a cold Weaviate tenant can) is asked again, up to three
 * times, so a measurement is never of the keyword leg alone; degradedRetries counts them.
 */
export async function searchFetch<T>(url: string, key: string, params: Record<string, string>): Promise<{ res: Response; body: T & { degraded?: boolean; degradedReason?: string } }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/v1/search?${new URLSearchParams(params).toString()}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as T & { degraded?: boolean; degradedReason?: string };
    if (res.status !== 200 || !body.degraded || params.mode === 'keyword' || attempt >= 3) return { res, body };
    degradedRetries.count++;
    await new Promise((r) => setTimeout(r, 500));
  }
}
