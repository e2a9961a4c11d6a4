/**
 * bench:ingest's open loop (`--rates 100,200 --seconds 60`): hooks offered at a fixed rate, as many
 * agents' steady traffic reaches the API, rather than as fast as the answers come back (the closed
 * loop of bench/ingest.ts). Event i of the run is due at i / rate seconds and goes to agent
 * i mod agents; each agent (its own key and keep-alive connection) runs Claude Code sessions one
 * after another (bench/hook-traffic.ts), so sessions end and new ones start during the run. An
 * agent sends a hook when it is due and its previous hook was acknowledged, as a real agent's hooks
 * are sequential; an event's latency runs from the time it was due, not from when it could be sent,
 * so that a client held up by slow answers does not hide them (coordinated omission). Then the
 * agents still in a session exit (SessionEnd) and the run waits until every event is fully
 * processed: stored, every session's summaries written and every record's vector synced.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../common/server/db.js';
import { percentile, printColumns } from './lib.js';
import { HookSessionStream, seeded, type HookDelivery } from './hook-traffic.js';
import { HookPoster } from './ingest-http.js';
import { benchKeys, checkExactlyOnce, postgresCpuOfDatabase, startSearchProbe, waitCompleted, waitDrained, type ProbeResult, type Processes, type SentCounts } from './ingest-harness.js';
import { cpuSince, loadAverage } from './proc-cpu.js';

/** Events a session sends before it finishes its turn and ends: uniform in this range (--session-events). */
export interface SessionEvents {
  min: number;
  max: number;
}
export const SESSION_EVENTS: SessionEvents = { min: 20, max: 80 };
/** A run whose achieved offered rate falls below this share of the rate is flagged. */
const OFFERED_SHARE = 0.97;
/** The load before the reported ones. */
const WARM_UP = { rate: 20, seconds: 5, agents: 4 };
/** How long the run waits for every vector to be synced once the sessions completed. */
const VECTOR_WAIT_MS = 120_000;

interface Planned {
  /** When it is due, from the start of the load (ms). */
  atMs: number;
  event: string;
  body: Buffer;
  /** The first hook of a session that started after the agents' first sessions. */
  firstOfNew: boolean;
}

interface AgentPlan {
  deliveries: Planned[];
  sessionIds: string[];
  /** The SessionEnd of the session still open when the schedule ends. */
  closing: HookDelivery | undefined;
}

const isTool = (event: string) => event === 'post-tool-use' || event === 'post-tool-use-failure';

/** One session's hooks: `target` events, then the rest of its turn (up to its Stop) and SessionEnd. */
function* sessionHooks(s: HookSessionStream, target: number): Generator<HookDelivery> {
  for (let n = 1; ; n++) {
    const d = s.next()!;
    yield d;
    if (n < target) continue;
    if (d.event === 'stop') {
      yield s.end();
      return;
    }
    s.finish();
    for (let rest = s.next(); rest; rest = s.next()) yield rest;
    return;
  }
}

/**
 * The schedule, before the clock starts (bodies serialized, so that the client's CPU during the load
 * is the HTTP exchange). The agents' first sessions are cut short at random, so that their ends,
 * and the new sessions after them, spread over the run. Deterministic for a rate, but session ids.
 */
function schedule(rate: number, seconds: number, agents: number, sessionEvents: SessionEvents): AgentPlan[] {
  const total = Math.round(rate * seconds);
  const rnd = seeded(rate);
  return Array.from({ length: agents }, (_, a) => {
    const plan: AgentPlan = { deliveries: [], sessionIds: [], closing: undefined };
    let stream: HookSessionStream | undefined;
    let hooks: Generator<HookDelivery> | undefined;
    for (let i = a; i < total; i += agents) {
      let next = hooks?.next();
      let first = false;
      if (!next || next.done) {
        stream = new HookSessionStream(crypto.randomUUID(), `/bench/project-${a % 5}`, a * 10_000 + plan.sessionIds.length + 1);
        const events = sessionEvents.min + Math.floor(rnd() * (sessionEvents.max - sessionEvents.min + 1));
        first = plan.sessionIds.length > 0;
        hooks = sessionHooks(stream, first ? events : 5 + Math.floor(rnd() * events));
        plan.sessionIds.push(stream.sessionId);
        next = hooks.next();
      }
      const d = next.value as HookDelivery;
      plan.deliveries.push({ atMs: (i * 1000) / rate, event: d.event, body: Buffer.from(JSON.stringify(d.body)), firstOfNew: first });
    }
    if (stream && plan.deliveries.at(-1)?.event !== 'session-end') plan.closing = stream.end();
    return plan;
  });
}

/** Records (observations, summaries) of the tenant whose vector is not synced to Weaviate. */
async function unsyncedRecords(prisma: PrismaClient, tenantId: string): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
    SELECT (SELECT count(*) FROM observations o WHERE o.tenant_id = ${tenantId}::uuid AND NOT EXISTS (
              SELECT 1 FROM vector_sync_states v WHERE v.record_type = 'observation' AND v.record_id = o.id AND v.status = 'synced'))
         + (SELECT count(*) FROM summaries s WHERE s.tenant_id = ${tenantId}::uuid AND NOT EXISTS (
              SELECT 1 FROM vector_sync_states v WHERE v.record_type = 'summary' AND v.record_id = s.id AND v.status = 'synced')) AS n`;
  return Number(row?.n ?? 0);
}

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  agents: number;
  sessions: number;
  scheduled: number;
  /** Events offered per second: the scheduled events over the time it took to send them. */
  offered: number;
  /** Sorted, ms: how late each hook was sent; from its due time to its acknowledgement; the server's own time. */
  behind: number[];
  ack: number[];
  server: number[];
  /** Sorted, ms: the server's time of each phase (Server-Timing) over the requests that had it. */
  phases: Record<string, number[]>;
  firstOfNew: number[];
  probe: ProbeResult;
  /** Seconds from the load's last acknowledgement until events stored, sessions completed, vectors synced. */
  storedS: number;
  completedS: number;
  vectorsS: number | undefined;
  unsynced: number;
  /** Every event the sessions delivered (their closing SessionEnds included), the CPU divisor. */
  events: number;
  cpu: Record<string, number | undefined>;
  loadStart: string;
  loadEnd: string;
  errors: number;
}

async function runOpenLoop(procs: Processes, prisma: PrismaClient, rate: number, seconds: number, agents: number, sessionEvents = SESSION_EVENTS): Promise<OpenLoopResult> {
  const base = new URL(procs.url);
  const { tenantId, keys } = await benchKeys(prisma, agents + 1);
  const plans = schedule(rate, seconds, agents, sessionEvents);
  // One keep-alive connection per agent (an agent has one hook in flight at most): no hook waits for a socket.
  const agent = new http.Agent({ keepAlive: true, maxSockets: agents });
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const poster = new HookPoster(agent, base);
  const sent: SentCounts = { events: 0, toolCalls: 0, duplicates: 0 };
  const count = (event: string, duplicate: boolean) => {
    sent.events++;
    if (duplicate) sent.duplicates++;
    if (isTool(event)) sent.toolCalls++;
  };
  const behind: number[] = [];
  const ack: number[] = [];
  const server: number[] = [];
  const phases: Record<string, number[]> = {};
  const firstOfNew: number[] = [];
  let lastSentAt = 0;

  const cpu = cpuSince(await procs.cpuProbes());
  const pgOurs = await postgresCpuOfDatabase(prisma);
  const loadStart = loadAverage();
  const t0 = performance.now();
  const probe = startSearchProbe(probeAgent, base, keys[agents]!);
  const runAgent = async (plan: AgentPlan, key: string) => {
    for (const d of plan.deliveries) {
      const due = t0 + d.atMs;
      for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await sleep(wait);
      const sentAt = performance.now();
      const a = await poster.deliver(key, d);
      const latency = performance.now() - due;
      lastSentAt = Math.max(lastSentAt, sentAt);
      behind.push(sentAt - due);
      ack.push(latency);
      if (a.serverMs !== undefined) server.push(a.serverMs);
      for (const [phase, ms] of Object.entries(a.phases)) (phases[phase] ??= []).push(ms);
      if (d.firstOfNew) firstOfNew.push(latency);
      count(d.event, a.duplicate);
    }
  };
  await Promise.all(plans.map((p, i) => runAgent(p, keys[i]!)));
  const scheduled = plans.reduce((n, p) => n + p.deliveries.length, 0);
  const offered = scheduled / ((lastSentAt - t0) / 1000 + 1 / rate);
  const loadEnd = loadAverage();
  const probeResult = await probe.stop();

  // The agents still in a session exit, and so does the probe's session: outside the latency figures.
  await Promise.all(
    plans.map(async (p, i) => {
      if (p.closing) count(p.closing.event, (await poster.deliver(keys[i]!, p.closing)).duplicate);
    }),
  );
  await poster.deliver(keys[agents]!, {
    event: 'session-end',
    body: { session_id: probeResult.sessionId, transcript_path: '/tmp/probe.jsonl', cwd: '/bench/probe', hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' },
  });
  const endedAt = performance.now();
  const sessionIds = plans.flatMap((p) => p.sessionIds);
  await waitDrained(prisma, tenantId);
  const storedS = (performance.now() - endedAt) / 1000;
  await waitCompleted(prisma, tenantId, [...sessionIds, probeResult.sessionId]);
  const completedS = (performance.now() - endedAt) / 1000;
  let unsynced = await unsyncedRecords(prisma, tenantId);
  while (unsynced > 0 && performance.now() - endedAt < completedS * 1000 + VECTOR_WAIT_MS) {
    await sleep(250);
    unsynced = await unsyncedRecords(prisma, tenantId);
  }
  const vectorsS = unsynced === 0 ? (performance.now() - endedAt) / 1000 : undefined;
  const used = { ...cpu(), 'postgres (this database)': await pgOurs() };
  await checkExactlyOnce(prisma, tenantId, sessionIds, sent);
  agent.destroy();
  probeAgent.destroy();
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    rate,
    seconds,
    agents,
    sessions: sessionIds.length,
    scheduled,
    offered,
    behind: sorted(behind),
    ack: sorted(ack),
    server: sorted(server),
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, sorted(v)])),
    firstOfNew: sorted(firstOfNew),
    probe: probeResult,
    storedS,
    completedS,
    vectorsS,
    unsynced,
    events: sent.events,
    cpu: used,
    loadStart,
    loadEnd,
    errors: poster.errors,
  };
}

/**
 * One open-loop load per rate, one after another on the same processes, each with a tenant of its
 * own; first a short one that is not reported, so that the first rate does not measure the
 * processes' cold start (connection pools, compilation, the first workflows).
 */
export async function runOpenLoops(procs: Processes, prisma: PrismaClient, rates: number[], seconds: number, agents: number, sessionEvents = SESSION_EVENTS): Promise<OpenLoopResult[]> {
  console.log(`[bench] warm-up: ${WARM_UP.rate} events/s for ${WARM_UP.seconds} s over ${WARM_UP.agents} agents (not reported) ...`);
  await runOpenLoop(procs, prisma, WARM_UP.rate, WARM_UP.seconds, WARM_UP.agents);
  const results: OpenLoopResult[] = [];
  for (const rate of rates) {
    console.log(`[bench] open loop: ${rate} events/s for ${seconds} s over ${agents} agents (load ${loadAverage()}) ...`);
    const r = await runOpenLoop(procs, prisma, rate, seconds, agents, sessionEvents);
    console.log(`[bench]   offered ${r.offered.toFixed(0)} events/s, ack p95 ${percentile(r.ack, 95).toFixed(1)} ms, fully processed ${r.vectorsS === undefined ? 'not' : `${r.vectorsS.toFixed(1)} s`} after the load`);
    results.push(r);
  }
  return results;
}

/** The stack's processes that together make the CPU cost of an event. */
const STACK = ['api', 'worker', 'temporal', 'weaviate', 'postgres (this database)'];

export function printOpenLoop(results: OpenLoopResult[], hooksPerMinute: number): void {
  const f = (x: number, digits = 1) => (Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
  const ps = (xs: number[], ...p: number[]) => p.map((q) => f(percentile(xs, q))).join(' / ');
  const max = (xs: number[]) => f(xs.at(-1) ?? NaN);
  const per1000 = (r: OpenLoopResult, s: number | undefined) => (s === undefined ? 'n/a' : ((s * 1000) / r.events).toFixed(2));
  const phaseNames = (rs: OpenLoopResult[]) => [...new Set(rs.flatMap((r) => Object.keys(r.phases)))].sort();
  const together = (r: OpenLoopResult) => (STACK.some((p) => r.cpu[p] === undefined) ? undefined : STACK.reduce((sum, p) => sum + r.cpu[p]!, 0));
  const procNames = Object.keys(results[0]?.cpu ?? {});
  printColumns(
    `ingest, open loop: hooks offered at a fixed rate by agents running sessions one after another (one key and connection each), whole stack on this machine; rate limits: ${hooksPerMinute} hooks/min per key; latency from each hook's due time`,
    results.map((r) => `${r.rate}/s`),
    [
      ['agents / sessions', results.map((r) => `${r.agents} / ${r.sessions}`)],
      ['load duration (s)', results.map((r) => String(r.seconds))],
      ['events scheduled', results.map((r) => String(r.scheduled))],
      ['offered events/s: scheduled / achieved', results.map((r) => `${r.rate} / ${r.offered.toFixed(0)}${r.offered < OFFERED_SHARE * r.rate ? ' NOT OFFERED' : ''}`)],
      ['sent behind schedule p95 / max (ms)', results.map((r) => `${ps(r.behind, 95)} / ${max(r.behind)}`)],
      ['ack p50/p95/p99/max (ms)', results.map((r) => `${ps(r.ack, 50, 95, 99)} / ${max(r.ack)}`)],
      ['server ack p50/p95/p99 (ms)', results.map((r) => ps(r.server, 50, 95, 99))],
      ...phaseNames(results).map((phase): [string, string[]] => [`server phase ${phase} p50/p95/p99 (ms)`, results.map((r) => (r.phases[phase] ? ps(r.phases[phase], 50, 95, 99) : '-'))]),
      ['new session first event p50/p95 (ms), n', results.map((r) => `${ps(r.firstOfNew, 50, 95)}, ${r.firstOfNew.length}`)],
      ['event → keyword search p50/p95/max (ms)', results.map((r) => `${ps(r.probe.searchable, 50, 95)} / ${max(r.probe.searchable)}`)],
      ['keyword-searchable at once (first search)', results.map((r) => `${r.probe.foundAtOnce} of ${r.probe.searchable.length}`)],
      ['after load: stored / completed / vectors (s)', results.map((r) => `${r.storedS.toFixed(2)} / ${r.completedS.toFixed(1)} / ${r.vectorsS === undefined ? `${r.unsynced} left` : r.vectorsS.toFixed(1)}`)],
      ...procNames.map((p): [string, string[]] => [`CPU s / 1,000 events: ${p}`, results.map((r) => per1000(r, r.cpu[p]))]),
      ['CPU s / 1,000 events: stack together', results.map((r) => per1000(r, together(r)))],
      ['retried answers (not 200)', results.map((r) => String(r.errors))],
      ['load average at start / end of load', results.map((r) => `${r.loadStart} / ${r.loadEnd}`)],
      ['exactly once (stored = acknowledged)', results.map(() => 'yes')],
    ],
  );
}
