/**
 * What both of bench:ingest's loads (closed loop: bench/ingest.ts; open loop:
 * bench/ingest-open-loop.ts) run in and measure with: memflow's API and worker as their own
 * processes with a CPU probe for every process of the stack, a tenant with a key per agent, the
 * keyword-search probe, the waits for the backlog's drain and the sessions' close, and the
 * exactly-once check.
 */
import type http from 'node:http';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type { PrismaClient } from '../common/server/db.js';
import { createApiKey, ensureTenant } from '../common/server/tenants.js';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { waitUntil } from '../infra/wait-until.js';
import { stackStatus } from '../infra/stack.js';
import { spawnEntry, stopChild, waitForReady, type BenchStack } from './lib.js';
import { get, post } from './ingest-http.js';
import { cpuOfProcessSet, cpuSecondsOf, cpuSecondsOfCommand, ownCpuSeconds, treeRss } from './proc-cpu.js';

export class Processes {
  api!: ChildProcess;
  worker!: ChildProcess;
  readonly url: string;
  constructor(
    private readonly stack: BenchStack,
    private readonly env: NodeJS.ProcessEnv,
    port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }
  /** From the spawn of both: the API's /health answering, then /ready with the worker polling (s). */
  startTimes: { apiHealthyS: number; readyS: number } | undefined;
  async start(): Promise<void> {
    const t0 = performance.now();
    this.worker = spawnEntry('workers/main.ts', this.env);
    this.api = spawnEntry('api/main.ts', this.env);
    let apiHealthyS: number | undefined;
    await waitUntil(
      async () => {
        apiHealthyS ??= (await fetch(`${this.url}/health`).then((r) => r.ok, () => false)) ? (performance.now() - t0) / 1000 : undefined;
        return apiHealthyS !== undefined;
      },
      { what: `API at ${this.url} healthy`, timeoutMs: 300_000, intervalMs: 50 },
    );
    await waitForReady(this.url, 50);
    this.startTimes = { apiHealthyS: apiHealthyS!, readyS: (performance.now() - t0) / 1000 };
  }
  /** Resident memory of the API's and the worker's processes, each with every process under it (a TypeScript loader's esbuild service). */
  rss(): { api: { mb: number; processes: string[] }; worker: { mb: number; processes: string[] } } {
    return { api: treeRss(this.api.pid!), worker: treeRss(this.worker.pid!) };
  }
  /** CPU of the workers killed so far, so the worker's figure spans the restart. */
  private killedWorkersCpu = 0;
  async restartWorker(): Promise<void> {
    this.killedWorkersCpu += cpuSecondsOf(this.worker.pid!) ?? 0;
    this.worker.kill('SIGKILL');
    await new Promise((r) => (this.worker.exitCode !== null || this.worker.signalCode !== null ? r(null) : this.worker.once('exit', r)));
    this.worker = spawnEntry('workers/main.ts', this.env);
  }
  async stop(): Promise<void> {
    await Promise.all([stopChild(this.api), stopChild(this.worker)]);
  }
  /** The API again, with `extra` in its environment (the ledger's A/B). */
  async restartApi(extra: NodeJS.ProcessEnv): Promise<void> {
    await stopChild(this.api);
    this.api = spawnEntry('api/main.ts', { ...this.env, ...extra });
    await waitForReady(this.url);
  }
  async cpuProbes() {
    const [temporal, weaviate] = await stackStatus(this.stack.profile);
    return {
      api: () => cpuSecondsOf(this.api.pid!),
      worker: () => this.killedWorkersCpu + (cpuSecondsOf(this.worker.pid!) ?? 0),
      temporal: () => (temporal?.pid ? cpuSecondsOf(temporal.pid) : undefined),
      weaviate: () => (weaviate?.pid ? cpuSecondsOf(weaviate.pid) : undefined),
      'postgres (machine)': () => cpuSecondsOfCommand('postgres'),
      'bench client': ownCpuSeconds,
    };
  }
}

/** PostgreSQL's share for this database from now on: its backends and the server's own background processes. */
export function postgresCpuOfDatabase(prisma: PrismaClient): Promise<() => Promise<number>> {
  return cpuOfProcessSet(async () =>
    (await prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR backend_type <> 'client backend'`).map((r) => Number(r.pid)),
  );
}

/** A tenant of its own for one load and `n` API keys of it (one per agent). */
export async function benchKeys(prisma: PrismaClient, n: number): Promise<{ tenantId: string; keys: string[] }> {
  const tenantName = `bench-ingest-${crypto.randomBytes(4).toString('hex')}`;
  const tenant = await ensureTenant(prisma, tenantName);
  // One after another: each is a transaction, and 60 at once wait past Prisma's 2 s transaction
  // start limit on a loaded machine.
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push((await createApiKey(prisma, tenantName)).key);
  return { tenantId: tenant.id, keys };
}

/** Workflow tasks the tenant's session workflows cost: WorkflowTaskCompleted events in every run's history. */
export async function workflowTasks(stack: BenchStack, tenantId: string): Promise<number> {
  const { client, connection } = createTemporalClient({ TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: 'default' } as never);
  try {
    let tasks = 0;
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'sessionWorkflow'` })) {
      if (!wf.workflowId.startsWith(`session/${tenantId}/`)) continue;
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      tasks += (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
    }
    return tasks;
  } finally {
    await connection.close();
  }
}

export interface ProbeResult {
  /** Milliseconds from each probe event's acknowledgement until keyword search found it, sorted. */
  searchable: number[];
  /** Probe events that the first search after their acknowledgement found. */
  foundAtOnce: number;
  sessionId: string;
}

/**
 * The probe: a prompt with a unique word (its own session and key, project "probe"), then keyword
 * search until it is found; again every 200 ms until stop().
 */
export function startSearchProbe(agent: http.Agent, base: URL, key: string): { stop(): Promise<ProbeResult> } {
  const searchable: number[] = [];
  let foundAtOnce = 0;
  let stopping = false;
  const sessionId = crypto.randomUUID();
  const probing = (async () => {
    while (!stopping) {
      const word = `probe${crypto.randomBytes(6).toString('hex')}`;
      const r = await post(agent, base, '/v1/hooks/user-prompt-submit', key, {
        session_id: sessionId, transcript_path: '/tmp/probe.jsonl', cwd: '/bench/probe', hook_event_name: 'UserPromptSubmit', prompt: `Where is ${word} handled?`,
      });
      const acked = performance.now();
      if (r.status !== 200) throw new Error(`probe answered ${r.status}: ${r.text}`);
      for (let tries = 1; ; tries++) {
        const found = await get(agent, base, `/v1/search?q=${word}&mode=keyword&project=probe&limit=1`, key);
        if (found.status === 200 && found.text.includes(word)) {
          if (tries === 1) foundAtOnce++;
          break;
        }
        if (performance.now() - acked > 30_000) throw new Error(`probe ${word} not searchable after 30 s`);
        await sleep(10);
      }
      searchable.push(performance.now() - acked);
      await sleep(200);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await probing;
      return { searchable: [...searchable].sort((a, b) => a - b), foundAtOnce, sessionId };
    },
  };
}

/** Waits until the API's backlog is drained: every acknowledged event of the tenant turned into what it stores. */
export async function waitDrained(prisma: PrismaClient, tenantId: string): Promise<void> {
  await waitUntil(async () => (await prisma.hookEvent.count({ where: { tenantId, processedAt: null } })) === 0, {
    what: 'every acknowledged event processed', timeoutMs: 600_000, intervalMs: 50, attemptTimeoutMs: 10_000,
  });
}

/**
 * Waits until every one of the sessions is completed: its workflow stored its last event, wrote the
 * final summary, synced the session's vectors and closed (workflows/capture/session-workflow.ts).
 */
export async function waitCompleted(prisma: PrismaClient, tenantId: string, sessionIds: string[]): Promise<void> {
  await waitUntil(
    async () => (await prisma.session.count({ where: { tenantId, agentSessionId: { in: sessionIds }, status: 'completed' } })) === sessionIds.length,
    { what: 'every session completed', timeoutMs: 600_000, intervalMs: 250, attemptTimeoutMs: 10_000 },
  );
}

/** What the clients delivered: events (duplicates included) and tool calls among them. */
export interface SentCounts {
  events: number;
  toolCalls: number;
  duplicates: number;
}

/** Exactly once: every delivered event stored once, every tool call one observation; throws otherwise. */
export async function checkExactlyOnce(prisma: PrismaClient, tenantId: string, sessionIds: string[], sent: SentCounts): Promise<void> {
  const delivered = sent.events - sent.duplicates; // an identical event right after itself is one event
  const where = { tenantId, session: { agentSessionId: { in: sessionIds } } };
  const stored = await prisma.hookEvent.count({ where });
  const tools = await prisma.observation.count({ where: { ...where, kind: 'tool' } });
  if (stored !== delivered || tools !== sent.toolCalls) {
    throw new Error(`LOSS OR DUPLICATION: ${stored} events stored of ${delivered} acknowledged; ${tools} tool observations of ${sent.toolCalls} tool calls`);
  }
}
