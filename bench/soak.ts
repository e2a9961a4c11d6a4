/**
 * `npm run bench:soak`: the cluster profile under load and under faults. Run `npm run up -- --profile
 * cluster` first. For `--minutes` (default 10) it sends realistic Claude Code hook traffic
 * (bench/hook-traffic.ts) from `--sessions` (default 100) concurrent agent sessions through HAProxy,
 * each session with its own key, one hook after another with the agent's think time between them
 * and a new session when one ends, while `--searchers` loops search the same tenant. Meanwhile it:
 *   1. SIGKILLs worker-1 and restarts it,
 *   2. SIGKILLs api-1 and restarts it,
 *   3. stops Weaviate node 2 for two minutes (a fifth of the run when shorter) and starts it again,
 *   4. SIGKILLs Weaviate node 1 and starts it again (by the stack's own start, as an operator would),
 *   5. restarts the Temporal server,
 *   6. restarts PostgreSQL, the machine's own server (pg_ctlcluster, fast mode), when the soak runs
 *      as root and DATABASE_URL names that server; `--no-postgres-restart` leaves it alone (every
 *      other client of that server on the machine sees its connections cut too).
 * Then every session ends, and it checks: every acknowledged event stored exactly once (a hook that
 * failed is retried with the same Idempotency-Key, as the hook client does), every session completed
 * with its final summary within a minute of the traffic's end, every search answered 200 (`degraded`
 * allowed), no request failed while an API was killed (HAProxy retries it on the other), the
 * profile's PostgreSQL connections stayed within their budget (pg_stat_activity, sampled), no
 * transaction timed out (P2028) in any log, and, after a triggered reconcile, Weaviate's objects
 * equal PostgreSQL's records for the tenant. It prints hook throughput and p95 (client-observed,
 * first attempt to acknowledgement), search p95 and failed requests before, during and after each
 * fault, with the load average. Traffic goes only to 127.0.0.1; every loop is bounded in time.
 *
 *   npm run bench:soak                       # the ten-minute soak
 *   npm run bench:soak -- --minutes 3        # a shorter try (fault times scale with it)
 *   npm run bench:soak -- --no-postgres-restart   # other work shares the machine's PostgreSQL
 *   npm run bench:soak -- --scaling          # one worker against two: the same backlog drained by each
 *
 * --scaling stops both workers, has `--sessions` sessions post `--events-per-session` hooks each as
 * fast as the API takes them (acknowledged without a worker: the events wait in PostgreSQL), then
 * starts one worker (then, on a new backlog, two) and times until every event is processed and every
 * session completed with its summary: the workers' throughput, without the API's share of the CPU.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { parseConfig } from '../common/server/config.js';
import { createPrisma } from '../common/server/db.js';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { createApiKey, ensureTenant } from '../common/server/tenants.js';
import { connectWeaviate } from '../common/server/weaviate/client.js';
import { COLLECTIONS, weaviateTenantName } from '../common/server/weaviate/schema.js';
import { appPid, clusterApps, startClusterApp, stopClusterApp } from '../infra/cluster/apps.js';
import { CONNECTION_BUDGET, connectionBudget } from '../infra/cluster/connection-budget.js';
import { haproxyServerStates } from '../infra/cluster/haproxy.js';
import { weaviateNodeServices } from '../infra/cluster/weaviate-nodes.js';
import { waitUntil } from '../infra/wait-until.js';
import { getProfile } from '../infra/profile.js';
import { ApiError, createApiClient, fetchTransport } from '../clients/api.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { servicesOf, stackEnv } from '../infra/stack.js';
import { HookSessionStream, seeded } from './hook-traffic.js';
import { ROLES, sampleRoleCpu, type Role } from './role-cpu.js';
import { percentile, printColumns, printTable } from './lib.js';
import { benchDatabaseUrl, logOffsets, restartablePostgres, restartPostgres, sampleConnections, scanTransactionTimeouts } from './soak-faults.js';

interface Options {
  minutes: number;
  postgresRestart: boolean;
  sessions: number;
  searchers: number;
  thinkMs: number;
  eventsPerSession: number;
}

interface Ack {
  at: number;
  ms: number;
  attempts: number;
}
interface SearchResult {
  at: number;
  ms: number;
  status: number;
  degraded: boolean;
  attempts: number;
}
interface Fault {
  name: string;
  start: number;
  end: number;
}
/** One HTTP attempt that did not get its answer (no answer, or 5xx): what a client without retries would have seen fail. */
interface FailedAttempt {
  at: number;
  kind: 'hook' | 'search';
  status: number;
}

/** Longest the soak allows from the traffic's end to the last session completed. */
const CLOSE_WITHIN_S = 60;

const log = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
const now = () => performance.now();

async function main(): Promise<void> {
  const o = new Command('bench:soak')
    .option('--minutes <n>', 'length of the traffic phase', '10')
    .option('--sessions <n>', 'concurrent agent sessions', '100')
    .option('--searchers <n>', 'concurrent search loops', '4')
    .option('--think-ms <n>', 'mean pause of an agent between two hooks', '1500')
    .option('--events-per-session <n>', 'mean hook deliveries of one session before it ends', '30')
    .option('--scaling', 'measure one worker against two on the same backlog instead of the soak')
    .option('--no-postgres-restart', "leave the machine's PostgreSQL out of the fault plan")
    .parse(process.argv)
    .opts<Record<string, string>>();
  const opts: Options = {
    minutes: Number(o.minutes),
    postgresRestart: (o.postgresRestart as unknown) !== false,
    sessions: Number(o.sessions),
    searchers: Number(o.searchers),
    thinkMs: Number(o.thinkMs),
    eventsPerSession: Number(o.eventsPerSession),
  };
  if (!(opts.minutes > 0 && opts.minutes <= 30)) throw new Error('--minutes must be in (0, 30]');
  if (o.scaling) return scaling(opts);

  const p = getProfile('cluster');
  const env = { ...process.env, ...stackEnv(p) };
  const config = parseConfig({ ...env, MEMFLOW_WEAVIATE_REPLICATION_FACTOR: String(p.cluster!.replicationFactor) });
  const base = `http://${p.api.host}:${p.api.port}`;
  const ready = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  if (!ready?.ok) throw new Error(`the cluster profile is not up at ${base}: run \`npm run up -- --profile cluster\` first`);

  // The soak's own connections are marked (application_name) and left out of the profile's count.
  const prisma = createPrisma(benchDatabaseUrl(config.DATABASE_URL), { maxConnections: 3 });
  const budget = connectionBudget(p.cluster!);
  const postgres = opts.postgresRestart ? await restartablePostgres(config.DATABASE_URL) : 'left out (--no-postgres-restart)';
  if (typeof postgres === 'string') log(`PostgreSQL restart: skipped, ${postgres}`);
  const offsets = logOffsets(p.logDir);
  const tenantName = `soak-${crypto.randomBytes(4).toString('hex')}`;
  const tenant = await ensureTenant(prisma, tenantName);
  const keys: string[] = [];
  for (let i = 0; i < opts.sessions; i++) keys.push((await createApiKey(prisma, tenantName, { label: `soak ${i}` })).key);
  log(`tenant ${tenantName}: ${opts.sessions} sessions, ${opts.searchers} searchers, ${opts.minutes} min, load ${os.loadavg()[0]!.toFixed(1)}`);

  const T = opts.minutes * 60_000;
  const t0 = now();
  const roleCpu = sampleRoleCpu();
  const deadline = t0 + T;
  const acks: Ack[] = [];
  const searches: SearchResult[] = [];
  const faults: Fault[] = [];
  const failedAttempts: FailedAttempt[] = [];
  const sessionIds: string[] = [];
  let retries = 0;
  let rateLimited = 0;
  const failures: string[] = [];

  /** POST one hook, retried with the same Idempotency-Key until acknowledged (bounded). */
  async function deliver(key: string, event: string, body: unknown, idem: string): Promise<void> {
    const started = now();
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let retryAfterMs = 0;
      try {
        const res = await fetch(`${base}/v1/hooks/${event}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idem },
          body: payload,
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        retryAfterMs = Number(res.headers.get('retry-after') ?? 0) * 1000;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      if (status >= 200 && status < 300) {
        acks.push({ at: now(), ms: now() - started, attempts: attempt });
        return;
      }
      if (status === 429) rateLimited++;
      else if (status !== 0 && status < 500) throw new Error(`hook ${event} answered ${status}`);
      else failedAttempts.push({ at: now(), kind: 'hook', status });
      retries++;
      if (now() - started > 180_000) throw new Error(`hook ${event} (${idem}) not acknowledged after 180 s (last status ${status})`);
      await sleep(Math.max(retryAfterMs, Math.min(4000, 250 * 2 ** Math.min(attempt, 4))));
    }
  }

  async function agent(slot: number): Promise<void> {
    const rnd = seeded(1000 + slot);
    let n = 0;
    // Stagger the start over the first think time so 100 sessions do not start in one instant.
    await sleep(rnd() * opts.thinkMs);
    while (now() < deadline) {
      const sessionId = `soak-${tenantName}-${slot}-${n++}`;
      sessionIds.push(sessionId);
      const stream = new HookSessionStream(sessionId, `/home/dev/src/soak-project-${slot % 10}`, 7 * slot + n);
      const length = Math.max(4, Math.round(opts.eventsPerSession * (0.5 + rnd())));
      let i = 0;
      for (;;) {
        if (i >= length || now() >= deadline) stream.finish();
        const d = stream.next();
        if (!d) break;
        await deliver(keys[slot]!, d.event, d.body, `${sessionId}:${i++}`);
        if (now() < deadline) await sleep(opts.thinkMs * (0.3 + 1.4 * rnd()));
      }
    }
  }

  const WORDS = ['login', 'migration', 'pagination', 'token', 'README', 'retries', 'session', 'failing test'];
  async function searcher(k: number): Promise<void> {
    const rnd = seeded(99 + k);
    const memflow = createApiClient({ transport: fetchTransport(base, {}, 30_000), key: keys[k % keys.length]!, describe: base });
    while (now() < deadline) {
      const q = WORDS[Math.floor(rnd() * WORDS.length)]!;
      const started = now();
      let status = 0;
      let degraded = false;
      let attempt = 1;
      // A request cut by a killed API (or refused while HAProxy has not yet marked it down) is asked
      // again, as a client would; what counts is the answer it finally gets.
      for (; attempt <= 4; attempt++) {
        try {
          degraded = (await memflow.search({ q, limit: 5 })).degraded;
          status = 200;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          status = err.status;
        }
        if (status === 200 || (status !== 0 && status < 500)) break;
        failedAttempts.push({ at: now(), kind: 'search', status });
        await sleep(500);
      }
      searches.push({ at: now(), ms: now() - started, status, degraded, attempts: attempt });
      await sleep(250 + 500 * rnd());
    }
  }

  const sec = (ms: number) => Math.max(10_000, ms);
  async function at(fraction: number): Promise<void> {
    const wait = t0 + fraction * T - now();
    if (wait > 0) await sleep(wait);
  }
  const stackEnvFull = { ...process.env, ...stackEnv(p) };
  const apps = clusterApps(p);
  async function killApp(name: string, downMs: number): Promise<void> {
    const app = apps.find((a) => a.name === name)!;
    const pid = appPid(p, app);
    if (pid === undefined) throw new Error(`${name} is not running`);
    const start = now();
    process.kill(pid, 'SIGKILL');
    log(`${name}: SIGKILL (pid ${pid}), load ${os.loadavg()[0]!.toFixed(1)}`);
    await sleep(downMs);
    const { pid: again } = await startClusterApp(p, app, stackEnvFull);
    log(`${name}: restarted (pid ${again})`);
    if (app.kind === 'api') {
      await waitUntil(async () => (await haproxyServerStates(p))[`memflow_apis/${name}`] === 'UP', { what: `${name} up in HAProxy`, timeoutMs: 120_000, intervalMs: 500 });
    } else {
      // Back when its metrics endpoint answers: the worker is connected and polling.
      const port = p.cluster!.workerMetricsPorts[app.index]!;
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, { what: `${name} metrics`, timeoutMs: 120_000, intervalMs: 500 });
    }
    faults.push({ name: `SIGKILL ${name}, restart after ${Math.round(downMs / 1000)} s`, start, end: now() });
    log(`${name}: back`);
  }
  async function weaviateNodeDown(k: number, how: 'stop' | 'SIGKILL', downMs: number): Promise<void> {
    const node = weaviateNodeServices[k]!;
    const start = now();
    if (how === 'stop') await node.stop(p);
    else {
      const { pid } = await node.status(p);
      if (pid === undefined) throw new Error(`weaviate-${k} is not running`);
      process.kill(pid, 'SIGKILL');
    }
    log(`weaviate-${k}: ${how === 'stop' ? 'stopped' : 'SIGKILL'} for ${Math.round(downMs / 1000)} s, load ${os.loadavg()[0]!.toFixed(1)}`);
    await sleep(downMs);
    // The stack's own start, as an operator would run it (npm run stack -- start --profile cluster).
    await node.start(p, (l) => log(l));
    await waitUntil(async () => (await haproxyServerStates(p))[`weaviate_http_nodes/node-${k}`] === 'UP', { what: `weaviate-${k} up in HAProxy`, timeoutMs: 120_000, intervalMs: 500 });
    faults.push({ name: how === 'stop' ? `Weaviate node ${k} stopped ${Math.round(downMs / 1000)} s` : `SIGKILL Weaviate node ${k}, restart after ${Math.round(downMs / 1000)} s`, start, end: now() });
    log(`weaviate-${k}: back`);
  }
  const faultPlan = (async () => {
    const shortDown = sec(0.03 * T);
    await at(0.12);
    await killApp('worker-1', shortDown);
    await at(0.24);
    await killApp('api-1', shortDown);
    await at(0.34);
    await weaviateNodeDown(2, 'stop', Math.min(120_000, 0.2 * T));
    await at(0.6);
    await weaviateNodeDown(1, 'SIGKILL', shortDown);
    await at(0.72);
    {
      const temporal = servicesOf(p).find((s) => s.name === 'temporal-server')!;
      const start = now();
      await temporal.stop(p);
      log(`temporal-server: stopped, restarting; load ${os.loadavg()[0]!.toFixed(1)}`);
      await temporal.start(p, (l) => log(l));
      faults.push({ name: 'Temporal server restart', start, end: now() });
      log('temporal-server: back');
    }
    if (typeof postgres !== 'string') {
      await at(0.84);
      const start = now();
      log(`postgresql ${postgres.version}/${postgres.cluster}: restarting (fast mode); load ${os.loadavg()[0]!.toFixed(1)}`);
      await restartPostgres(postgres, config.DATABASE_URL);
      faults.push({ name: 'PostgreSQL restart', start, end: now() });
      log('postgresql: back');
    }
  })();

  const agents = Array.from({ length: opts.sessions }, (_, i) => agent(i).catch((err: Error) => void failures.push(`agent ${i}: ${err.message}`)));
  const searchersRunning = Array.from({ length: opts.searchers }, (_, k) => searcher(k).catch((err: Error) => void failures.push(`searcher ${k}: ${err.message}`)));
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]!), 5000);
  const c = p.cluster!;
  const connections = sampleConnections(config.DATABASE_URL, [p.databaseName, c.temporal.database, c.temporal.visibilityDatabase]);
  await faultPlan.catch((err: Error) => void failures.push(`fault plan: ${err.message}`));
  await Promise.all([...agents, ...searchersRunning]);
  clearInterval(loadTimer);
  const trafficEnd = now();
  const cpuDuring = roleCpu.mark();
  log(`traffic done: ${acks.length} events acknowledged, ${searches.length} searches, ${retries} retried deliveries, ${rateLimited} rate-limited; load ${os.loadavg()[0]!.toFixed(1)}`);

  // --- The checks -----------------------------------------------------------------------------
  const sessionsN = sessionIds.length;
  await waitUntil(async () => (await prisma.hookEvent.count({ where: { tenantId: tenant.id, processedAt: null } })) === 0, {
    what: 'every acknowledged event processed', timeoutMs: 900_000, intervalMs: 1000, attemptTimeoutMs: 10_000,
  });
  const drainS = (now() - trafficEnd) / 1000;
  await waitUntil(async () => (await prisma.session.count({ where: { tenantId: tenant.id, status: 'completed' } })) === sessionsN, {
    what: `every session (${sessionsN}) completed`, timeoutMs: 900_000, intervalMs: 1000, attemptTimeoutMs: 10_000,
  });
  const closeS = (now() - trafficEnd) / 1000;
  const cpuAfter = roleCpu.mark();
  roleCpu.stop();
  const closePhases = await closeTimeline(prisma, tenant.id, Date.now() - (now() - trafficEnd));
  await connections.stop();
  const timeouts = scanTransactionTimeouts(p.logDir, offsets);
  const stored = await prisma.hookEvent.count({ where: { tenantId: tenant.id } });
  const distinctKeys = await prisma.hookEvent.groupBy({ by: ['sessionId'], where: { tenantId: tenant.id }, _count: true });
  const sessionsStored = distinctKeys.length;
  const withFinal = (await prisma.summary.groupBy({ by: ['sessionId'], where: { tenantId: tenant.id, kind: 'final' } })).length;

  // Reconcile (the scheduled one runs daily; trigger it for this tenant), then compare.
  const temporal = createTemporalClient(config);
  const reconcile = await temporal.client.workflow.execute('reconcileVectorsWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: `soak-reconcile-${tenant.id}`,
    args: [{ tenantId: tenant.id }],
    workflowExecutionTimeout: '15 minutes',
  });
  await temporal.connection.close();
  const weaviate = await connectWeaviate(config);
  const counts: [string, number, number][] = [];
  for (const type of RECORD_TYPES) {
    const pgCount =
      type === 'observation'
        ? await prisma.observation.count({ where: { tenantId: tenant.id } })
        : type === 'summary'
          ? await prisma.summary.count({ where: { tenantId: tenant.id } })
          : await prisma.learning.count({ where: { tenantId: tenant.id } });
    const col = weaviate.collections.use(COLLECTIONS[type]);
    const exists = await col.tenants.getByName(weaviateTenantName(tenant.id));
    const wvCount = exists ? await col.withTenant(weaviateTenantName(tenant.id)).withConsistency('ALL').length() : 0;
    counts.push([type, pgCount, wvCount]);
  }
  await weaviate.close();
  await prisma.$disconnect();

  // --- The table ------------------------------------------------------------------------------
  const windowMs = Math.min(60_000, 0.1 * T);
  const inWin = <X extends { at: number }>(xs: X[], a: number, b: number) => xs.filter((x) => x.at >= a && x.at < b);
  const p95 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 95);
  const cell = (a: number, b: number) => {
    const h = inWin(acks, a, b);
    const s = inWin(searches, a, b);
    const bad = s.filter((x) => x.status !== 200).length;
    const failed = inWin(failedAttempts, a, b).length;
    return `${(h.length / ((b - a) / 1000)).toFixed(1)} ev/s, p95 ${p95(h.map((x) => x.ms)).toFixed(0)} ms; search p95 ${p95(s.map((x) => x.ms)).toFixed(0)} ms${bad ? `, ${bad} searches failed` : ''}; ${failed} failed requests`;
  };
  const loadAt = (t: number) => loads[Math.min(loads.length - 1, Math.max(0, Math.floor((t - t0) / 5000)))]?.toFixed(1) ?? '-';
  console.log(`\nsoak: ${opts.sessions} sessions, ${opts.minutes} min, ${opts.searchers} searchers, think ${opts.thinkMs} ms (load average 1 min shown at each fault's start)`);
  printColumns(
    'Hook throughput and p95 (first attempt to acknowledgement), search p95, around each fault',
    ['before', 'during', 'after', 'length', 'load'],
    faults.map((f) => [f.name, [cell(f.start - windowMs, f.start), cell(f.start, f.end), cell(f.end, f.end + windowMs), `${((f.end - f.start) / 1000).toFixed(0)} s`, loadAt(f.start)]]),
  );
  const all = acks.map((a) => a.ms);
  const ok = searches.filter((s) => s.status === 200);
  const apiKill = faults.find((f) => f.name.startsWith('SIGKILL api-'));
  const failedInApiKill = apiKill ? inWin(failedAttempts, apiKill.start, apiKill.end + 5000) : [];
  const peak = connections.samples.reduce((m, x) => (x.profile > m.profile ? x : m), { at: 0, profile: 0, byDatabase: {}, server: 0 });
  const serverPeak = Math.max(0, ...connections.samples.map((x) => x.server));
  const timeoutLines = Object.entries(timeouts);
  const checks: [string, boolean, string][] = [
    ['every acknowledged event stored exactly once', stored === acks.length, `${stored} stored, ${acks.length} acknowledged`],
    ['every session completed with its final summary', withFinal === sessionsN && sessionsStored === sessionsN, `${sessionsN} sessions, ${withFinal} with a final summary`],
    [`every session completed within ${CLOSE_WITHIN_S} s of the traffic's end`, closeS <= CLOSE_WITHIN_S, `${closeS.toFixed(1)} s`],
    ['no request failed during the API kill (through HAProxy)', apiKill !== undefined && failedInApiKill.length === 0, apiKill ? `${failedInApiKill.length} failed (${failedInApiKill.filter((f) => f.kind === 'hook').length} hooks, ${failedInApiKill.filter((f) => f.kind === 'search').length} searches${failedInApiKill.length ? `; status ${[...new Set(failedInApiKill.map((f) => f.status))].join(', ')} at +${failedInApiKill.map((f) => ((f.at - apiKill.start) / 1000).toFixed(1)).join(', ')} s` : ''})` : 'no API kill ran'],
    [`PostgreSQL connections of the profile <= ${CONNECTION_BUDGET}`, connections.samples.length > 0 && peak.profile <= CONNECTION_BUDGET, `peak ${peak.profile} (${Object.entries(peak.byDatabase).map(([d, n]) => `${d} ${n}`).join(', ')}); budget by configuration ${budget.total}; ${connections.samples.length} samples`],
    ['no transaction timeout (P2028) in any log', timeoutLines.length === 0, timeoutLines.map(([f, n]) => `${f}: ${n}`).join(', ') || 'none'],
    ['every search answered 200 (degraded allowed)', ok.length === searches.length, `${ok.length}/${searches.length} (${ok.filter((s) => s.degraded).length} degraded)`],
    ['Weaviate objects = PostgreSQL records after reconcile', counts.every(([, a, b]) => a === b), counts.map(([t, a, b]) => `${t} ${a}/${b}`).join(', ')],
    ['no agent or fault failed', failures.length === 0, failures.slice(0, 3).join('; ') || 'none'],
  ];
  printTable('Totals', [
    ['events acknowledged', String(acks.length)],
    ['throughput over the run (events/s)', (acks.length / ((trafficEnd - t0) / 1000)).toFixed(1)],
    ['hook p50 / p95 / p99 (ms)', `${percentile([...all].sort((a, b) => a - b), 50).toFixed(0)} / ${p95(all).toFixed(0)} / ${percentile([...all].sort((a, b) => a - b), 99).toFixed(0)}`],
    ['deliveries retried (same Idempotency-Key)', String(retries)],
    ['answers 429', String(rateLimited)],
    ['searches (200 / all)', `${ok.length} / ${searches.length}`],
    ['sessions', String(sessionsN)],
    ['drain: every event processed after (s)', drainS.toFixed(1)],
    ['every session completed after (s)', closeS.toFixed(1)],
    ['sessions still open at the traffic\'s end: last event → close began (ended_at) → completed, p50 / p95 / max (s)', closePhases],
    ['failed requests (attempts without an answer or with a 5xx; all / hooks / searches)', `${failedAttempts.length} / ${failedAttempts.filter((f) => f.kind === 'hook').length} / ${failedAttempts.filter((f) => f.kind === 'search').length}`],
    ['PostgreSQL client connections, peak (profile / whole server)', `${peak.profile} / ${serverPeak}`],
    ['reconcile (checked / upserted / deleted)', `${reconcile.checked} / ${reconcile.upserted} / ${reconcile.deleted}`],
    ['load average 1 min (mean / max over the run)', `${(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(1)} / ${Math.max(...loads).toFixed(1)}`],
  ]);
  const trafficS = (trafficEnd - t0) / 1000;
  const cores = (cpu: number, seconds: number) => (cpu / Math.max(1, seconds)).toFixed(2);
  const cpuRow = (name: string, d: number, a: number): [string, string] =>
    [name, `${d.toFixed(0)} s (${cores(d, trafficS)} cores) / ${a.toFixed(0)} s (${cores(a, closeS)} cores) / ${((1000 * (d + a)) / Math.max(1, acks.length)).toFixed(2)}`];
  const sum = (x: Record<Role, number>) => ROLES.reduce((t, r) => t + x[r], 0);
  printTable(
    `CPU by role (/proc, ${os.cpus().length} cores): seconds (cores busy) during the traffic, ${trafficS.toFixed(0)} s / after it until every session completed, ${closeS.toFixed(0)} s / CPU s per 1,000 events`,
    [...ROLES.map((r) => cpuRow(r, cpuDuring[r], cpuAfter[r])), cpuRow('all', sum(cpuDuring), sum(cpuAfter))],
  );
  printTable('Checks', checks.map(([name, pass, detail]) => [name, `${pass ? 'PASS' : 'FAIL'} (${detail})`]));
  if (!checks.every(([, pass]) => pass)) process.exitCode = 1;
}

/**
 * Where the close time of the sessions open at the traffic's end went: from each one's last event
 * (last_event_at) until its workflow began closing (ended_at, set by the close's first activity),
 * and from then until it completed (updated_at of the completed row).
 */
async function closeTimeline(prisma: ReturnType<typeof createPrisma>, tenantId: string, trafficEndMs: number): Promise<string> {
  const rows = await prisma.session.findMany({
    where: { tenantId, status: 'completed', updatedAt: { gte: new Date(trafficEndMs) } },
    select: { lastEventAt: true, endedAt: true, updatedAt: true },
  });
  const phase = (pick: (r: (typeof rows)[number]) => number) => {
    const xs = rows.map(pick).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    return xs.length ? `${(percentile(xs, 50) / 1000).toFixed(1)} / ${(percentile(xs, 95) / 1000).toFixed(1)} / ${(xs.at(-1)! / 1000).toFixed(1)}` : 'none';
  };
  const began = phase((r) => (r.endedAt && r.lastEventAt ? r.endedAt.getTime() - r.lastEventAt.getTime() : NaN));
  const closing = phase((r) => (r.endedAt ? r.updatedAt.getTime() - r.endedAt.getTime() : NaN));
  return `${rows.length} sessions: ${began} → ${closing}`;
}

/** One worker against two: the same backlog (hooks acknowledged while no worker ran) drained by each. */
async function scaling(opts: Options): Promise<void> {
  const p = getProfile('cluster');
  const env = { ...process.env, ...stackEnv(p) };
  const config = parseConfig(env);
  const base = `http://${p.api.host}:${p.api.port}`;
  const prisma = createPrisma(config.DATABASE_URL);
  const workers = clusterApps(p).filter((a) => a.kind === 'worker');
  const rows: [string, string[]][] = [];
  const columns: string[] = [];
  try {
    for (const n of [1, 2]) {
      for (const w of workers) await stopClusterApp(p, w);
      const tenantName = `scale-${crypto.randomBytes(4).toString('hex')}`;
      const tenant = await ensureTenant(prisma, tenantName);
      const keys: string[] = [];
      for (let i = 0; i < opts.sessions; i++) keys.push((await createApiKey(prisma, tenantName, { label: `scale ${i}` })).key);
      let acked = 0;
      const tPost = now();
      await Promise.all(
        keys.map(async (key, slot) => {
          const stream = new HookSessionStream(`scale-${tenantName}-${slot}`, `/home/dev/src/scale-${slot % 10}`, 31 * slot + n);
          for (let i = 0; ; i++) {
            if (i >= opts.eventsPerSession) stream.finish();
            const d = stream.next();
            if (!d) break;
            const res = await fetch(`${base}/v1/hooks/${d.event}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `${slot}:${i}` },
              body: JSON.stringify(d.body),
            });
            await res.arrayBuffer();
            if (!res.ok) throw new Error(`hook ${d.event} answered ${res.status}`);
            acked++;
          }
        }),
      );
      const postS = (now() - tPost) / 1000;
      log(`${n} worker(s): ${acked} events of ${opts.sessions} sessions acknowledged in ${postS.toFixed(1)} s with no worker; starting ${n}`);
      const loads: number[] = [];
      const timer = setInterval(() => loads.push(os.loadavg()[0]!), 5000);
      const started = await Promise.all(workers.slice(0, n).map(async (w) => (await startClusterApp(p, w, env)).pid));
      // The clock starts when every new worker polls the task queue (its start-up, loading the bundle
      // and connecting, is not throughput): Temporal lists pollers by identity, `<pid>@<host>`.
      const temporal = createTemporalClient(config);
      await waitUntil(
        async () => {
          const { pollers } = await temporal.client.workflowService.describeTaskQueue({
            namespace: config.TEMPORAL_NAMESPACE,
            taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
            taskQueueType: 1, // workflow tasks
          });
          return started.every((pid) => pollers.some((x) => x.identity?.startsWith(`${pid}@`)));
        },
        { what: `${n} worker(s) polling`, timeoutMs: 300_000, intervalMs: 200 },
      );
      await temporal.connection.close();
      const t0 = now();
      await waitUntil(async () => (await prisma.hookEvent.count({ where: { tenantId: tenant.id, processedAt: null } })) === 0, {
        what: 'backlog processed', timeoutMs: 1_200_000, intervalMs: 500, attemptTimeoutMs: 10_000,
      });
      const processedS = (now() - t0) / 1000;
      // When half, 90 % and all of the sessions were completed (a straggler waits out an activity's retry).
      const marks: Record<number, number> = {};
      for (;;) {
        const done = await prisma.session.count({ where: { tenantId: tenant.id, status: 'completed' } });
        for (const f of [0.5, 0.9, 1]) if (marks[f] === undefined && done >= Math.ceil(f * opts.sessions)) marks[f] = (now() - t0) / 1000;
        if (done === opts.sessions) break;
        if (now() - t0 > 1_200_000) throw new Error(`${done} of ${opts.sessions} sessions completed after 20 min`);
        await sleep(500);
      }
      const completedS = marks[1]!;
      clearInterval(timer);
      const stored = await prisma.hookEvent.count({ where: { tenantId: tenant.id } });
      if (stored !== acked) throw new Error(`${stored} events stored of ${acked} acknowledged`);
      columns.push(`${n} worker${n > 1 ? 's' : ''}`);
      const cells = [
        String(acked),
        processedS.toFixed(1),
        (acked / processedS).toFixed(1),
        `${marks[0.5]!.toFixed(1)} / ${marks[0.9]!.toFixed(1)} / ${completedS.toFixed(1)}`,
        (acked / completedS).toFixed(1),
        `${((0.9 * opts.sessions) / marks[0.9]!).toFixed(2)} / ${(opts.sessions / completedS).toFixed(2)}`,
        `${(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(1)} / ${Math.max(0, ...loads).toFixed(1)}`,
      ];
      cells.forEach((c, i) => (rows[i] ??= [['events (backlog)', 'every event processed after (s)', 'events processed / s', '50 % / 90 % / every session completed after (s)', 'events / s to completion', 'sessions completed / s (to 90 % / to all)', 'load average 1 min (mean / max)'][i]!, []])[1].push(c));
      log(`${n} worker(s): processed in ${processedS.toFixed(1)} s, completed in ${completedS.toFixed(1)} s`);
    }
  } finally {
    for (const w of workers) await startClusterApp(p, w, env);
    await prisma.$disconnect();
  }
  printColumns(`Workers draining the same backlog (${opts.sessions} sessions x ${opts.eventsPerSession} hooks, cluster profile, ${os.cpus().length} cores)`, columns, rows);
}

main().catch((err: unknown) => {
  console.error(`bench:soak: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
