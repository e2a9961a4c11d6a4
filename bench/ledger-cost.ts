/**
 * `npm run bench:ledger`: what the capture ledger adds to ingest CPU, measured finely enough to
 * say whether it is within 2 % (bench:ingest --ledger-ab compares whole runs, whose rounds differ
 * by about 12 % among themselves: it cannot).
 *
 * The ledger's work on the server is (1) the ingest statement's extra column and counter (a flag per
 * event, `ledger_client_events` in the session upsert the statement already makes) and (2) a client's
 * report per session (POST /v1/sessions/{id}/ledger). So:
 *   1. the statement: the real ingest statement (api/capture/ingest.ts) on realistic Claude
 *      Code hook streams (bench/hook-traffic.ts, redacted, truncated and itemized as the hook route
 *      does), with and without the ledger, on ONE PostgreSQL connection, in alternating blocks
 *      (A B B A ...) so that table growth and the machine's drift fall on both sides alike; the CPU
 *      of that backend (/proc) and of this process (the statement's JS: its arrays, the driver) per
 *      event, per side;
 *   2. the reports: real reports through the real API (its process and PostgreSQL's backends, from
 *      /proc), one per session, counted per event of the sessions they report on (the relay reports
 *      a running session at most once a minute and once at its end: sessions of ~40 events get at
 *      most about one report per 40 events, fewer when they run longer);
 *   3. the denominator: ingest CPU per event of the whole hook path (API + PostgreSQL), real hook
 *      deliveries through the same API with the ledger on.
 * The ledger's share = (statement delta + report cost per event) / ingest CPU per event.
 *
 *   npm run bench:ledger [-- --events 20000 --block 250 --batch 1]
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { Command } from 'commander';
import { parseConfig } from '../common/server/config.js';
import { createPrisma } from '../common/server/db.js';
import { createPgPool } from '../common/server/pg.js';
import { redactValue } from '../common/rules/redact.js';
import { idempotencyKey, truncateToFit } from '../api/capture/hook-routes.js';
import { ingestMany, type IngestInput, ingestInputOf } from '../api/capture/ingest.js';
import { EMPTY_CLIENT_COUNTS } from '../messages/capture-ledger-v1.js';
import { HookSessionStream, type HookDelivery } from './hook-traffic.js';
import { post } from './ingest-http.js';
import { benchKeys, postgresCpuOfDatabase } from './ingest-harness.js';
import { benchStack, printColumns, startBenchApi } from './lib.js';
import { cpuSecondsOf, loadAverage, ownCpuSeconds } from './proc-cpu.js';

interface Options {
  events: number;
  block: number;
  batch: number;
  reportSessions: number;
  hookEvents: number;
}

const opts = new Command()
  .option('--events <n>', 'events per side through the statement', (v) => Number(v), 20_000)
  .option('--block <n>', 'events per alternating block', (v) => Number(v), 250)
  .option('--batch <n>', 'events per statement (the API batches concurrent requests; 1 is a lone agent)', (v) => Number(v), 1)
  .option('--report-sessions <n>', 'sessions reported through the API', (v) => Number(v), 500)
  .option('--hook-events <n>', 'hook deliveries through the API for the denominator', (v) => Number(v), 6_000)
  .parse()
  .opts<Options>();

const MAX_STORED_BYTES = 256 * 1024;
const CLIENT_ID = crypto.randomUUID();
const SESSION_EVENTS = 40;

/** Realistic hook deliveries of `sessions` sessions of SESSION_EVENTS events each, in delivery order per session. */
function sessionsOf(count: number, seed: number): HookDelivery[][] {
  return Array.from({ length: count }, (_, i) => {
    const s = new HookSessionStream(crypto.randomUUID(), '/home/dev/shop', seed + i);
    const out: HookDelivery[] = [];
    while (out.length < SESSION_EVENTS - 1) out.push(s.next()!);
    out.push(s.end());
    return out;
  });
}

/** What the hook route hands the ingest statement for one delivery. */
function inputOf(d: HookDelivery, tenantId: string, keyId: string, fromLedgerClient: boolean): IngestInput {
  const { value: redacted } = redactValue(d.body);
  return ingestInputOf({
    tenantId,
    keyId,
    projectName: 'shop',
    event: d.event,
    agentSessionId: d.body.session_id as string,
    idempotencyKey: idempotencyKey(d.event, redacted as never, crypto.randomUUID()),
    fitted: truncateToFit(redacted, MAX_STORED_BYTES),
    originalBytes: Buffer.byteLength(JSON.stringify(d.body)),
    fromLedgerClient,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const us = (seconds: number, events: number) => (seconds * 1e6) / events;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const prisma = createPrisma(config.DATABASE_URL);
  const pool = createPgPool(config.DATABASE_URL, 1);
  const api = await startBenchApi(stack);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const load0 = loadAverage();
    const { tenantId, keys } = await benchKeys(prisma, 1);
    const keyId = (await prisma.apiKey.findFirstOrThrow({ where: { tenantId }, select: { id: true } })).id;

    // 1. The statement, with and without the ledger, on one backend.
    const backend = Number((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    const perSide = Math.ceil(opts.events / SESSION_EVENTS);
    const sides = { ledger: sessionsOf(perSide, 1).flat(), plain: sessionsOf(perSide, 1).flat() };
    const inputs = {
      ledger: sides.ledger.map((d) => inputOf(d, tenantId, keyId, true)),
      plain: sides.plain.map((d) => inputOf(d, tenantId, keyId, false)),
    };
    const spent = { ledger: { pg: 0, js: 0, n: 0, blocks: [] as number[] }, plain: { pg: 0, js: 0, n: 0, blocks: [] as number[] } };
    // Warm-up: plans, caches, the first rows of the tables.
    await ingestMany(pool, inputs.plain.splice(0, 200), false);
    await ingestMany(pool, inputs.ledger.splice(0, 200), true);
    const order: ('ledger' | 'plain')[] = ['ledger', 'plain', 'plain', 'ledger'];
    for (let b = 0; inputs.ledger.length > 0 || inputs.plain.length > 0; b++) {
      const side = order[b % order.length]!;
      const block = inputs[side].splice(0, opts.block);
      if (block.length === 0) continue;
      const pg0 = cpuSecondsOf(backend)!;
      const js0 = ownCpuSeconds();
      for (let i = 0; i < block.length; i += opts.batch) await ingestMany(pool, block.slice(i, i + opts.batch), side === 'ledger');
      const pg = cpuSecondsOf(backend)! - pg0;
      const js = ownCpuSeconds() - js0;
      spent[side].pg += pg;
      spent[side].js += js;
      spent[side].n += block.length;
      spent[side].blocks.push(us(pg + js, block.length));
    }

    // 2. Reports through the API: one per session, on sessions stored through the API.
    const reportSessions = sessionsOf(opts.reportSessions, 10_000);
    const base = new URL(api.url);
    // As the relay delivers: its Idempotency-Key and its client id.
    const deliver = (d: HookDelivery) => post(agent, base, `/v1/hooks/${d.event}`, keys[0]!, d.body, { 'idempotency-key': crypto.randomUUID(), 'x-memflow-client': CLIENT_ID });
    for (const s of reportSessions) for (const d of s) await deliver(d);
    const apiPid = api.pid;
    const pgOfDb = await postgresCpuOfDatabase(prisma);
    let api0 = cpuSecondsOf(apiPid)!;
    let counter = 1;
    for (const s of reportSessions) {
      const report = { clientId: CLIENT_ID, counter: counter++, counts: { ...EMPTY_CLIENT_COUNTS, seen: s.length, delivered: s.length } };
      const r = await post(agent, base, `/v1/sessions/${s[0]!.body.session_id as string}/ledger`, keys[0]!, report);
      if (r.status !== 200) throw new Error(`a ledger report was answered ${r.status}: ${r.text.slice(0, 200)}`);
    }
    const reportApi = cpuSecondsOf(apiPid)! - api0;
    const reportPg = await pgOfDb();
    const perReportUs = us(reportApi + reportPg, reportSessions.length);

    // 3. The denominator: hook deliveries through the same API (ledger on), API + PostgreSQL.
    const hookSessions = sessionsOf(Math.ceil(opts.hookEvents / SESSION_EVENTS), 20_000);
    const pgOfDb2 = await postgresCpuOfDatabase(prisma);
    api0 = cpuSecondsOf(apiPid)!;
    let delivered = 0;
    // 8 agents at once, each session's events in order.
    const lanes = Array.from({ length: 8 }, (_, lane) => (async () => {
      for (let i = lane; i < hookSessions.length; i += 8) for (const d of hookSessions[i]!) {
        const r = await deliver(d);
        if (r.status !== 200) throw new Error(`a hook was answered ${r.status}`);
        delivered++;
      }
    })());
    await Promise.all(lanes);
    const hookApi = cpuSecondsOf(apiPid)! - api0;
    const hookPg = await pgOfDb2();
    const ingestPerEventUs = us(hookApi + hookPg, delivered);

    const statement = {
      ledger: us(spent.ledger.pg + spent.ledger.js, spent.ledger.n),
      plain: us(spent.plain.pg + spent.plain.js, spent.plain.n),
    };
    const delta = statement.ledger - statement.plain;
    const reportPerEvent = perReportUs / SESSION_EVENTS;
    const share = ((delta + reportPerEvent) / ingestPerEventUs) * 100;
    printColumns(`The capture ledger's cost (batch ${opts.batch}, blocks of ${opts.block}; load average ${load0} at the start, ${loadAverage()} at the end)`, ['without the ledger', 'with the ledger'], [
      ['statement: events', [fmt(spent.plain.n), fmt(spent.ledger.n)]],
      ['statement: µs CPU per event, PostgreSQL backend', [fmt(us(spent.plain.pg, spent.plain.n)), fmt(us(spent.ledger.pg, spent.ledger.n))]],
      ['statement: µs CPU per event, this process (JS, driver)', [fmt(us(spent.plain.js, spent.plain.n)), fmt(us(spent.ledger.js, spent.ledger.n))]],
      ['statement: µs CPU per event, together', [fmt(statement.plain, 1), fmt(statement.ledger, 1)]],
      ['statement: median of the blocks (µs per event)', [fmt(median(spent.plain.blocks), 1), fmt(median(spent.ledger.blocks), 1)]],
      ['report: µs CPU each (API + PostgreSQL), per event of a 40-event session', ['', `${fmt(perReportUs)}; ${fmt(reportPerEvent, 1)}`]],
      ['ingest through the API (8 agents): µs CPU per event (API + PostgreSQL)', ['', `${fmt(ingestPerEventUs)} (${fmt(delivered)} events)`]],
      ['the ledger: µs per event (statement delta + reports)', ['', fmt(delta + reportPerEvent, 1)]],
      ['the ledger: share of ingest CPU', ['', `${fmt(share, 2)} %`]],
    ]);
  } finally {
    agent.destroy();
    await pool.end();
    await api.stop();
    await prisma.$disconnect();
    await stack.stop();
  }
}

await main();
