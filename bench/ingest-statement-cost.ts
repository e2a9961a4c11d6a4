/**
 * `npm run bench:statement`: the ingest statement's own CPU per event, without the API, Temporal or
 * Weaviate: the real statement (api/capture/ingest.ts) on realistic Claude Code hook streams
 * (bench/hook-traffic.ts, redacted, truncated and itemized as the hook route does), in batches the
 * size the API's group commit forms under a burst, on ONE PostgreSQL connection; the CPU of that
 * backend (/proc) and of this process (the statement's arrays, the driver) per event. With --perf,
 * `perf record` samples the backend meanwhile (where PostgreSQL's share goes, by function).
 * It needs only PostgreSQL: a database of its own beside the test profile's (MEMFLOW_TEST_PORT_SHIFT), migrated.
 *
 *   npm run bench:statement [-- --events 12000 --batch 32 --sessions 32]
 */
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { createPrisma } from '../common/server/db.js';
import { createPgPool } from '../common/server/pg.js';
import { redactValue } from '../common/rules/redact.js';
import { idempotencyKey, truncateToFit } from '../api/capture/hook-routes.js';
import { ingestMany, type IngestInput, ingestInputOf } from '../api/capture/ingest.js';
import { chooseTestProfile, stackEnv } from '../infra/stack.js';
import { ensureDatabase } from '../prisma/database-connect.js';
import { applyMigrations } from '../prisma/migrate.js';
import { HookSessionStream } from './hook-traffic.js';
import { benchKeys } from './ingest-harness.js';
import { percentile } from './lib.js';
import { cpuSecondsOf, loadAverage, ownCpuSeconds } from './proc-cpu.js';

interface Options {
  events: number;
  batch: number;
  sessions: number;
  perf?: string;
  setup?: string;
  explain: boolean;
  /** A/B: SQL that makes each side (run before each of its blocks, not measured) and SQL that ends a block (measured). */
  a?: string;
  b?: string;
  aEnd?: string;
  bEnd?: string;
  block: number;
}

const opts = new Command()
  .option('--events <n>', 'events through the statement', (v) => Number(v), 12_000)
  .option('--batch <n>', 'events per statement (a 32-connection burst forms batches of about 16)', (v) => Number(v), 16)
  .option('--sessions <n>', 'sessions delivering at once (a batch takes the next event of each in turn)', (v) => Number(v), 32)
  .option('--perf <file>', 'perf record the backend into this file')
  .option('--setup <sql>', 'SQL run first (e.g. an index option to compare)')
  .option('--a <sql>', 'A/B: SQL run before each block of side A (not measured)')
  .option('--b <sql>', 'A/B: SQL run before each block of side B (not measured)')
  .option('--a-end <sql>', 'A/B: SQL that ends each block of side A (measured with it)')
  .option('--b-end <sql>', 'A/B: SQL that ends each block of side B (measured with it)')
  .option('--block <n>', 'A/B: events per block (sides alternate A B B A)', (v) => Number(v), 320)
  .option('--explain', 'print the plan of one batch (auto_explain, analyze and buffers)', false)
  .parse()
  .opts<Options>();

const MAX_STORED_BYTES = 256 * 1024;

async function main(): Promise<void> {
  const profile = await chooseTestProfile(console.log);
  // A database of its own beside the test profile's: what this leaves (sessions owed a signal, whose
  // workflows never ran) must not reach an API or worker of the test stack.
  const url = new URL(stackEnv(profile).DATABASE_URL);
  url.pathname = `${url.pathname}_statement`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  await applyMigrations(databaseUrl, { log: () => {} });
  const prisma = createPrisma(databaseUrl);
  const pool = createPgPool(databaseUrl, 1);
  try {
    const { tenantId } = await benchKeys(prisma, 1);
    const keyId = (await prisma.apiKey.findFirstOrThrow({ where: { tenantId }, select: { id: true } })).id;
    const streams = Array.from({ length: opts.sessions }, (_, i) => new HookSessionStream(crypto.randomUUID(), `/bench/project-${i % 5}`, i + 1));
    // Round robin over the sessions, as concurrent agents' hooks meet in the API's batches.
    const inputs: IngestInput[] = [];
    for (let n = 0; inputs.length < opts.events; n++) {
      const d = streams[n % streams.length]!.next()!;
      const { value: redacted } = redactValue(d.body);
      inputs.push(
        ingestInputOf({
          tenantId,
          keyId,
          projectName: `project-${(n % streams.length) % 5}`,
          event: d.event,
          agentSessionId: d.body.session_id as string,
          idempotencyKey: idempotencyKey(d.event, redacted as never, undefined),
          fitted: truncateToFit(redacted, MAX_STORED_BYTES),
          originalBytes: Buffer.byteLength(JSON.stringify(d.body)),
        }),
      );
    }
    if (opts.setup) await pool.query(opts.setup);
    const backend = Number((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    // Warm-up: plans, caches, the sessions' and projects' rows.
    const warm = inputs.splice(0, Math.min(1_000, Math.floor(inputs.length / 10)));
    for (let i = 0; i < warm.length; i += opts.batch) await ingestMany(pool, warm.slice(i, i + opts.batch), true);
    if (opts.explain) {
      const client = await pool.connect();
      client.on('notice', (n) => console.log(n.message));
      await client.query("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET client_min_messages = log");
      client.release();
      await ingestMany(pool, inputs.splice(0, opts.batch), true);
      const again = await pool.connect();
      await again.query('RESET ALL');
      again.release();
    }
    const perf = opts.perf ? spawn('perf', ['record', '-g', '-p', String(backend), '-o', opts.perf], { stdio: 'ignore' }) : undefined;
    if (perf) await new Promise((r) => setTimeout(r, 500));
    const load0 = loadAverage();
    if (opts.a !== undefined && opts.b !== undefined) {
      const sides = { A: { sql: opts.a, end: opts.aEnd, pg: 0, js: 0, n: 0, blocks: [] as number[], ms: [] as number[] }, B: { sql: opts.b, end: opts.bEnd, pg: 0, js: 0, n: 0, blocks: [] as number[], ms: [] as number[] } };
      const order = ['A', 'B', 'B', 'A'] as const;
      for (let b = 0; inputs.length > 0; b++) {
        const side = sides[order[b % 4]!];
        await pool.query(side.sql);
        const block = inputs.splice(0, opts.block);
        const p0 = cpuSecondsOf(backend)!;
        const j0 = ownCpuSeconds();
        for (let i = 0; i < block.length; i += opts.batch) {
          const t = performance.now();
          await ingestMany(pool, block.slice(i, i + opts.batch), true);
          side.ms.push(performance.now() - t);
        }
        if (side.end) await pool.query(side.end);
        const p = cpuSecondsOf(backend)! - p0;
        const j = ownCpuSeconds() - j0;
        side.pg += p;
        side.js += j;
        side.n += block.length;
        side.blocks.push(((p + j) * 1e6) / block.length);
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      for (const [name, s] of Object.entries(sides)) {
        console.log(
          `side ${name} (${s.sql}${s.end ? ` / ${s.end}` : ''}): ${s.n} events; µs CPU per event: PostgreSQL backend ${((s.pg * 1e6) / s.n).toFixed(0)}, ` +
            `this process ${((s.js * 1e6) / s.n).toFixed(0)}, median block (both) ${median(s.blocks).toFixed(0)}; ` +
            `statement ms p50 / p95 / p99 / max ${[50, 95, 99].map((q) => percentile([...s.ms].sort((x, y) => x - y), q).toFixed(1)).join(' / ')} / ${Math.max(...s.ms).toFixed(1)}`,
        );
      }
      console.log(`load average ${load0} at the start, ${loadAverage()} at the end`);
      return;
    }
    const pg0 = cpuSecondsOf(backend)!;
    const js0 = ownCpuSeconds();
    const t0 = performance.now();
    for (let i = 0; i < inputs.length; i += opts.batch) await ingestMany(pool, inputs.slice(i, i + opts.batch), true);
    const wall = (performance.now() - t0) / 1000;
    const pg = cpuSecondsOf(backend)! - pg0;
    const js = ownCpuSeconds() - js0;
    if (perf) {
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
    }
    const us = (s: number) => ((s * 1e6) / inputs.length).toFixed(0);
    console.log(
      `statement: ${inputs.length} events in batches of ${opts.batch} (${opts.sessions} sessions), ${wall.toFixed(1)} s; ` +
        `µs CPU per event: PostgreSQL backend ${us(pg)}, this process ${us(js)}, wall ${us(wall)}; load average ${load0} at the start, ${loadAverage()} at the end`,
    );
  } finally {
    await pool.end();
    await prisma.$disconnect();
  }
}

await main();
