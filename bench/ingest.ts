/**
 * `npm run bench:ingest`: the hook ingress under load, the whole stack on this machine (API, worker,
 * Temporal, PostgreSQL, Weaviate). For each connection count, agent sessions post realistic Claude
 * Code hook streams (bench/hook-traffic.ts; each session's hooks one after another, as Claude Code
 * sends them) over that many keep-alive connections for a fixed time, while a probe measures how long
 * an acknowledged event takes to become visible to keyword search. Then the sessions end and the
 * benchmark measures the drain (every acknowledged event turned into an observation) and the close
 * of every session, counts the Temporal workflow tasks the run cost (from the workflows' histories),
 * reads each process's CPU time, and checks that every acknowledged event was stored exactly once.
 *
 *   npm run bench:ingest                                   # 1, 8, 32, 128 connections
 *   npm run bench:ingest -- --connections 32 --seconds 60  # the step-1 figure
 *   npm run bench:ingest -- --connections 32 --kill-worker # SIGKILL the worker mid-load, restart it
 *   npm run bench:ingest -- --ledger-ab 3                  # the capture ledger's cost: API without it
 *                                                          #   (MEMFLOW_CAPTURE_LEDGER=0, clients that keep
 *                                                          #   none) vs with it, alternated, 3 rounds each
 *   npm run bench:ingest -- --rates 100,200 --seconds 60   # open loop: hooks offered at these events/s
 *                                                          #   (bench/ingest-open-loop.ts)
 *
 * Rate limits: the API runs with its default per-key budgets; every session has its own key (an
 * agent per developer), so a session's rate stays far below its key's hook budget.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { createPrisma, type PrismaClient } from '../common/server/db.js';
import { freePort } from '../infra/ports.js';
import { DEFAULT_RATE_LIMITS } from '../api/limits.js';
import { benchStack, percentile, printColumns, type BenchStack } from './lib.js';
import { HookSessionStream, type HookDelivery } from './hook-traffic.js';
import { HookPoster, post, type Ack } from './ingest-http.js';
import { printOpenLoop, runOpenLoops, type OpenLoopResult } from './ingest-open-loop.js';
import { benchKeys, checkExactlyOnce, postgresCpuOfDatabase, Processes, startSearchProbe, waitCompleted, waitDrained, workflowTasks } from './ingest-harness.js';
import { cpuSince, loadAverage } from './proc-cpu.js';
import { printProcesses, watchProcesses } from './ingest-processes.js';

interface Options {
  connections: number[];
  seconds: number;
  shortSeconds: number;
  sessions: number;
  killWorker: boolean;
  /** Events/s the bodies are prepared for (more are generated on the fly). */
  expectedRate: number;
  /** Rounds of the capture ledger's A/B (0: the usual runs). */
  ledgerAb: number;
}

/** A run as a ledger-keeping hook client (the relay): X-Memflow-Client on every delivery, a report per session. */
interface LedgerClient {
  /** How often a running session reports (the relay's default, MEMFLOW_LEDGER_REPORT_MS). */
  reportMs: number;
}

interface RunResult {
  connections: number;
  sessions: number;
  seconds: number;
  acked: number;
  client: number[];
  server: number[];
  searchable: number[];
  drainS: number;
  closeS: number;
  workflowTasks: number;
  cpu: Record<string, number | undefined>;
  load: string;
  errors: number;
  /** From the start of the load until every session ended (and reported): all events, CPU per process. */
  whole: { events: number; reports: number; cpu: Record<string, number | undefined> };
}

async function runLoad(procs: Processes, prisma: PrismaClient, stack: BenchStack, connections: number, seconds: number, opts: Options, ledger?: LedgerClient): Promise<RunResult> {
  const base = new URL(procs.url);
  const sessionsN = Math.max(opts.sessions, connections);
  const { tenantId, keys } = await benchKeys(prisma, sessionsN + 1);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const streams = Array.from({ length: sessionsN }, (_, i) => new HookSessionStream(crypto.randomUUID(), `/bench/project-${i % 5}`, i + 1));

  const acks: Ack[] = [];
  let stopping = false;
  // As the relay: every delivery names the client; each session reports its counts once it ended
  // and, while it runs, every `reportMs` (cli/relay/ledger-report.ts).
  const clientId = crypto.randomUUID();
  const clientHeader: Record<string, string> = ledger ? { 'x-memflow-client': clientId } : {};
  let reports = 0;
  const report = async (key: string, sessionId: string, n: number) => {
    const counts = { seen: n, delivered: n, late: 0, duplicates: 0, refused: {}, dropped: {}, pending: 0, held: {}, lost: 0 };
    const r = await post(agent, base, `/v1/sessions/${sessionId}/ledger`, key, { clientId, counter: Date.now() * 1000 + (reports++ % 1000), counts });
    if (r.status !== 200) throw new Error(`ledger report answered ${r.status}: ${r.text.slice(0, 200)}`);
  };
  const poster = new HookPoster(agent, base, clientHeader);
  const deliver = (key: string, d: HookDelivery | { event: string; body: Buffer }) => poster.deliver(key, d);
  // Bodies are generated and serialized before the clock starts, so the client's own CPU during the
  // load is the HTTP exchange (this machine's two cores run everything).
  const perSession = Math.ceil((opts.expectedRate * seconds) / sessionsN);
  const prepared = streams.map((s) => Array.from({ length: perSession }, () => s.next()!).map((d) => ({ event: d.event, body: Buffer.from(JSON.stringify(d.body)) })));
  // When the time is up, each session finishes its turn (up to its Stop), then ends.
  const runSession = async (s: HookSessionStream, i: number, key: string) => {
    const queue = prepared[i]!;
    let ended = false;
    let delivered = 0;
    let repeats = 0;
    let lastReport = performance.now();
    for (let n = 0; !ended; n++) {
      const turnOver = n > 0 && (n - 1 < queue.length ? queue[n - 1]!.event : '') === 'stop';
      const d = stopping && (turnOver || n >= queue.length) ? (n < queue.length ? s.end() : (s.finish(), s.next())) : (queue[n] ?? s.next());
      if (!d) return;
      ended = d.event === 'session-end';
      const ack = await deliver(key, d);
      delivered++;
      if (ack.duplicate) repeats++;
      if (ledger && (ended || performance.now() - lastReport >= ledger.reportMs)) {
        lastReport = performance.now();
        await report(key, s.sessionId, delivered - repeats);
      }
      sent.events++;
      if (ack.duplicate) sent.duplicates++;
      if (d.event === 'post-tool-use' || d.event === 'post-tool-use-failure') sent.toolCalls++;
      if (!stopping) acks.push(ack);
    }
  };
  const sent = { events: 0, toolCalls: 0, duplicates: 0 };

  const cpu = cpuSince(await procs.cpuProbes());
  const pgOurs = await postgresCpuOfDatabase(prisma);
  const t0 = performance.now();
  const running = streams.map((s, i) => runSession(s, i, keys[i]!));
  const probe = startSearchProbe(probeAgent, base, keys[sessionsN]!);
  let killed: Promise<void> | undefined;
  if (opts.killWorker) killed = sleep((seconds * 1000) / 3).then(() => procs.restartWorker());
  await sleep(seconds * 1000);
  stopping = true;
  const wallS = (performance.now() - t0) / 1000;
  const acked = acks.length;
  const cpuUsed = { ...cpu(), 'postgres (this database)': await pgOurs() };
  const load = loadAverage();
  const { searchable } = await probe.stop();
  await killed;
  await Promise.all(running); // every session delivers its Stop and SessionEnd
  const endedAt = performance.now();
  const whole = { events: sent.events, reports, cpu: { ...cpu(), 'postgres (this database)': await pgOurs() } };
  if (opts.ledgerAb > 0) {
    // The A/B compares CPU; the drain, the workflows' close and the exactly-once check are the usual
    // runs'. The next round starts only once this one's sessions completed: their summaries and
    // vectors would otherwise run during it (each round then found more work left over from the
    // ones before, and ran slower than the round before it, whichever side it was).
    await waitDrained(prisma, tenantId);
    await waitCompleted(prisma, tenantId, streams.map((s) => s.sessionId));
    agent.destroy();
    probeAgent.destroy();
    return { connections, sessions: sessionsN, seconds: wallS, acked, client: [], server: [], searchable: [], drainS: 0, closeS: 0, workflowTasks: 0, cpu: cpuUsed, load, errors: poster.errors, whole };
  }

  const sessionIds = streams.map((s) => s.sessionId);
  await waitDrained(prisma, tenantId);
  const drainS = (performance.now() - endedAt) / 1000;
  await waitCompleted(prisma, tenantId, sessionIds);
  const closeS = (performance.now() - endedAt) / 1000;
  await checkExactlyOnce(prisma, tenantId, sessionIds, sent);
  agent.destroy();
  probeAgent.destroy();
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    connections,
    sessions: sessionsN,
    seconds: wallS,
    acked,
    client: sorted(acks.map((a) => a.clientMs)),
    server: sorted(acks.flatMap((a) => (a.serverMs === undefined ? [] : [a.serverMs]))),
    searchable,
    drainS,
    closeS,
    workflowTasks: await workflowTasks(stack, tenantId),
    cpu: cpuUsed,
    load,
    errors: poster.errors,
    whole,
  };
}

const ms = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)} / ${percentile(xs, 99).toFixed(1)}`;

async function main(): Promise<void> {
  const o = new Command('bench:ingest')
    .option('--connections <list>', 'connection counts to run, comma-separated', '1,8,32,128')
    .option('--rates <list>', 'open loop instead: events/s to offer, comma-separated (agents: --sessions)')
    .option('--session-events <min-max>', 'open loop: events per session, uniform in this range (issue 68 measures 50-200)', '20-80')
    .option('--seconds <n>', 'load duration at 32 connections (the step-1 figure), and of each open-loop rate', '60')
    .option('--short-seconds <n>', 'load duration at the other connection counts', '20')
    .option('--sessions <n>', 'concurrent agent sessions (at least one per connection)', '60')
    .option('--kill-worker', 'SIGKILL the worker a third into the load and restart it')
    .option('--expected-rate <n>', 'events/s to prepare request bodies for before the clock starts', '3000')
    .option('--ledger-ab <rounds>', "the capture ledger's cost: rounds of API and clients without it, then with it (alternated), at the first --connections count", '0')
    .parse(process.argv)
    .opts<{ sessionEvents: string; rates?: string; connections: string; seconds: string; shortSeconds: string; sessions: string; killWorker?: boolean; expectedRate: string; ledgerAb: string }>();
  const opts: Options = {
    connections: o.connections.split(',').map(Number),
    seconds: Number(o.seconds),
    shortSeconds: Number(o.shortSeconds),
    sessions: Number(o.sessions),
    killWorker: o.killWorker === true,
    expectedRate: Number(o.expectedRate),
    ledgerAb: Number(o.ledgerAb),
  };
  const stack = await benchStack();
  const prisma = createPrisma(stack.env.DATABASE_URL);
  const port = await freePort();
  const env = {
    ...stack.env,
    MEMFLOW_PORT: String(port),
    TEMPORAL_TASK_QUEUE: `bench-${crypto.randomBytes(4).toString('hex')}`,
    MEMFLOW_LOG_LEVEL: 'info',
    MEMFLOW_RATE_LIMIT_PER_MINUTE: String(DEFAULT_RATE_LIMITS.perMinute),
    MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: String(DEFAULT_RATE_LIMITS.hooksPerMinute),
  };
  const procs = new Processes(stack, env, port);
  // The API and worker for the loads; they, the database client and the stack stopped however it ends.
  const withProcesses = async (loads: () => Promise<void>) => {
    try {
      await procs.start();
      await loads();
    } finally {
      await procs.stop();
      await prisma.$disconnect();
      await stack.stop();
    }
  };
  if (o.rates) {
    const rates = o.rates.split(',').map(Number);
    const [min, max] = o.sessionEvents.split('-').map(Number);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min! < 1 || max! < min!) throw new Error(`--session-events is <min>-<max>, not ${o.sessionEvents}`);
    let open: OpenLoopResult[] = [];
    let processes: Awaited<ReturnType<typeof watchProcesses>> | undefined;
    await withProcesses(async () => {
      processes = await watchProcesses(procs, () => runOpenLoops(procs, prisma, rates, opts.seconds, opts.sessions, { min: min!, max: max! }).then((r) => (open = r)));
    });
    printOpenLoop(open, DEFAULT_RATE_LIMITS.hooksPerMinute);
    if (processes) printProcesses(processes, rates);
    return;
  }
  if (opts.ledgerAb > 0) return withProcesses(() => ledgerAb(procs, prisma, stack, opts));
  const results: RunResult[] = [];
  await withProcesses(async () => {
    console.log(`[bench] load average before: ${loadAverage()}`);
    for (const c of opts.connections) {
      const seconds = c === 32 ? opts.seconds : opts.shortSeconds;
      console.log(`[bench] ${c} connections for ${seconds} s ...`);
      const r = await runLoad(procs, prisma, stack, c, seconds, opts);
      console.log(`[bench]   ${(r.acked / r.seconds).toFixed(0)} events/s, drained in ${r.drainS.toFixed(1)} s`);
      results.push(r);
    }
  });
  const per1000 = (r: RunResult, s: number | undefined) => (s === undefined ? 'n/a' : ((s * 1000) / r.acked).toFixed(2));
  const procNames = Object.keys(results[0]?.cpu ?? {});
  printColumns(
    `ingest: agent sessions over keep-alive connections, whole stack on this machine${opts.killWorker ? ' (worker SIGKILLed and restarted mid-load)' : ''}; rate limits: ${DEFAULT_RATE_LIMITS.hooksPerMinute} hooks/min per key, one key per session`,
    results.map((r) => `${r.connections} conn`),
    [
      ['sessions', results.map((r) => String(r.sessions))],
      ['load duration (s)', results.map((r) => r.seconds.toFixed(0))],
      ['events acknowledged', results.map((r) => String(r.acked))],
      ['sustained events/s', results.map((r) => (r.acked / r.seconds).toFixed(0))],
      ['server ack p50/p95/p99 (ms)', results.map((r) => ms(r.server))],
      ['client ack p50/p95/p99 (ms)', results.map((r) => ms(r.client))],
      ['event → keyword search p50/p95 (ms)', results.map((r) => `${percentile(r.searchable, 50).toFixed(0)} / ${percentile(r.searchable, 95).toFixed(0)}`)],
      ['backlog drained after load (s)', results.map((r) => r.drainS.toFixed(2))],
      ['every session completed after (s)', results.map((r) => r.closeS.toFixed(1))],
      ['workflow tasks / 1,000 events', results.map((r) => ((r.workflowTasks * 1000) / r.acked).toFixed(1))],
      ...procNames.map((p): [string, string[]] => [`CPU s / 1,000 events: ${p}`, results.map((r) => per1000(r, r.cpu[p]))]),
      ['retried answers (not 200)', results.map((r) => String(r.errors))],
      ['load average at end of load', results.map((r) => r.load)],
      ['exactly once (stored = acknowledged)', results.map(() => 'yes')],
    ],
  );
}

/**
 * The capture ledger's cost, A/B in one run on one stack: rounds of "off" (the API with
 * MEMFLOW_CAPTURE_LEDGER=0, i.e. the ingest statement before the ledger, and clients that keep no
 * ledger) and "on" (the counter in the statement, X-Memflow-Client on every delivery and each
 * session's reports as the relay sends them), alternated ABBA so that a drift of the machine's load
 * falls on both. CPU time per event from /proc, from the start of the load until every session
 * ended and reported; the median of the rounds.
 */
async function ledgerAb(procs: Processes, prisma: PrismaClient, stack: BenchStack, opts: Options): Promise<void> {
  const connections = opts.connections[0] ?? 32;
  const seconds = opts.seconds;
  const runs: { on: boolean; r: RunResult }[] = [];
  for (let round = 0; round < opts.ledgerAb; round++) {
    for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
      await procs.restartApi({ MEMFLOW_CAPTURE_LEDGER: on ? 'on' : 'off' });
      console.log(`[bench] round ${round + 1}, ledger ${on ? 'on' : 'off'}: ${connections} connections for ${seconds} s (load ${loadAverage()}) ...`);
      const r = await runLoad(procs, prisma, stack, connections, seconds, opts, on ? { reportMs: 60_000 } : undefined);
      console.log(`[bench]   ${r.whole.events} events, ${r.whole.reports} ledger reports, API ${(((r.whole.cpu.api ?? NaN) * 1e6) / r.whole.events).toFixed(0)} µs CPU/event`);
      runs.push({ on, r });
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const perEvent = (on: boolean, proc: string) => runs.filter((x) => x.on === on).map((x) => ((x.r.whole.cpu[proc] ?? NaN) * 1e6) / x.r.whole.events);
  const procsShown = ['api', 'postgres (this database)', 'worker'];
  const rows: [string, string[]][] = [
    ['events (per round)', [false, true].map((on) => runs.filter((x) => x.on === on).map((x) => x.r.whole.events).join(' / '))],
    ['ledger reports (per round)', [false, true].map((on) => runs.filter((x) => x.on === on).map((x) => x.r.whole.reports).join(' / '))],
    ...procsShown.flatMap((p): [string, string[]][] => [
      [`${p}: µs CPU / event (rounds)`, [false, true].map((on) => perEvent(on, p).map((v) => v.toFixed(0)).join(' / '))],
      [`${p}: µs CPU / event (median)`, [false, true].map((on) => median(perEvent(on, p)).toFixed(1))],
    ]),
    ['load average at end of each load', [false, true].map((on) => runs.filter((x) => x.on === on).map((x) => x.r.load.split(' ')[0]).join(' / '))],
  ];
  printColumns(`capture ledger A/B: ${connections} connections, ${seconds} s per load, ${opts.ledgerAb} round(s) each, alternated; CPU from the start of the load until every session ended and reported`, ['ledger off', 'ledger on'], rows);
  for (const p of procsShown) {
    const [off, on] = [median(perEvent(false, p)), median(perEvent(true, p))];
    console.log(`${p}: ${(((on - off) / off) * 100).toFixed(1)} % CPU per event with the ledger (median ${off.toFixed(1)} -> ${on.toFixed(1)} µs)`);
  }
}

main().catch((err: Error) => {
  console.error(`bench:ingest: ${err.stack ?? err.message}`);
  process.exit(1);
});
