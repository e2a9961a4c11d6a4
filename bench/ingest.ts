/**
 * `npm run bench:ingest`: N concurrent agent sessions post realistic Claude Code hook streams to the
 * real API process (each session's hooks one after another, as Claude Code sends them); reports
 * acknowledgement latency (client-side and the server's own, from Server-Timing, split into auth,
 * redaction and database), sustained events/s, and how long the workflows take to drain, then
 * checks that every acknowledged event was stored exactly once and every session completed.
 *
 *   npm run bench:ingest -- --sessions 50 --events 200
 */
import crypto from 'node:crypto';
import { Command } from 'commander';
import { createPrisma } from '../common/db.js';
import { createApiKey, ensureTenant } from '../common/tenants.js';
import { waitUntil } from '../infra/daemon.js';
import { buildSession, type Delivery } from '../tests/fixtures/claude-sessions.js';
import { freePort } from '../infra/daemon.js';
import { benchStack, percentile, printTable, spawnEntry, stopChild, waitForReady } from './lib.js';

interface Sample {
  clientMs: number;
  server: Record<string, number>;
}

function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function main(): Promise<void> {
  const opts = new Command('bench:ingest')
    .option('--sessions <n>', 'concurrent sessions', '50')
    .option('--events <n>', 'events per session (rounded to whole tool calls)', '200')
    .option('--warmup <n>', 'warm-up events before measuring', '300')
    .parse(process.argv)
    .opts<{ sessions: string; events: string; warmup: string }>();
  const sessions = Number(opts.sessions);
  const toolCalls = Math.max(1, Math.round((Number(opts.events) - 4) / 2));

  const stack = await benchStack();
  const prisma = createPrisma(stack.env.DATABASE_URL);
  const port = await freePort();
  const taskQueue = `bench-${crypto.randomBytes(4).toString('hex')}`;
  const env = { ...stack.env, MEMFLOW_PORT: String(port), TEMPORAL_TASK_QUEUE: taskQueue, MEMFLOW_LOG_LEVEL: 'error' };
  const worker = spawnEntry('workers/main.ts', env);
  const api = spawnEntry('api/main.ts', env);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url);
    const tenantName = `bench-${crypto.randomBytes(4).toString('hex')}`;
    const tenant = await ensureTenant(prisma, tenantName);
    const { key } = await createApiKey(prisma, tenantName);
    const post = async (d: Delivery): Promise<Sample> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/hooks/${d.event}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(d.body),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${d.event} answered ${res.status}`);
      return { clientMs: performance.now() - t0, server: parseServerTiming(res.headers.get('server-timing')) };
    };

    // Warm-up: JIT, connection pools, the worker's workflow cache.
    const warm = buildSession(crypto.randomUUID(), '/bench/warmup', Math.ceil(Number(opts.warmup) / 2));
    for (const d of warm.deliveries) await post(d);

    const streams = Array.from({ length: sessions }, (_, i) => buildSession(crypto.randomUUID(), `/bench/project-${i % 5}`, toolCalls));
    const total = streams.reduce((n, s) => n + s.deliveries.length, 0);
    console.log(`[bench] ${sessions} sessions x ${streams[0]!.deliveries.length} events = ${total} events`);
    const samples: Sample[] = [];
    const t0 = performance.now();
    await Promise.all(
      streams.map(async (s) => {
        for (const d of s.deliveries) samples.push(await post(d));
      }),
    );
    const wallS = (performance.now() - t0) / 1000;

    // Drain: every acknowledged event processed and every session closed by its workflow.
    const d0 = performance.now();
    const sessionIds = streams.map((s) => s.sessionId);
    await waitUntil(
      async () =>
        (await prisma.session.count({ where: { tenantId: tenant.id, agentSessionId: { in: sessionIds }, status: 'completed' } })) === sessions,
      { what: 'all sessions completed', timeoutMs: 600_000, intervalMs: 250, attemptTimeoutMs: 10_000 },
    );
    const drainS = (performance.now() - d0) / 1000;
    const stored = await prisma.hookEvent.count({ where: { tenantId: tenant.id, session: { agentSessionId: { in: sessionIds } } } });
    const unprocessed = await prisma.hookEvent.count({ where: { tenantId: tenant.id, processedAt: null } });
    const tools = await prisma.observation.count({ where: { tenantId: tenant.id, kind: 'tool', session: { agentSessionId: { in: sessionIds } } } });

    const sorted = (f: (s: Sample) => number | undefined) => samples.map(f).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const client = sorted((s) => s.clientMs);
    const server = sorted((s) => s.server.total);
    const phase = (name: string) => {
      const v = sorted((s) => s.server[name]);
      return `${percentile(v, 50).toFixed(2)} / ${percentile(v, 95).toFixed(2)}`;
    };
    printTable(`ingest: ${sessions} concurrent sessions, ${total} events, everything on this machine (${process.env.HOSTNAME ?? 'local'})`, [
      ['events acknowledged', String(samples.length)],
      ['sustained events/s', (total / wallS).toFixed(0)],
      ['server ack p50 / p95 / p99 (ms)', `${percentile(server, 50).toFixed(2)} / ${percentile(server, 95).toFixed(2)} / ${percentile(server, 99).toFixed(2)}`],
      ['client ack p50 / p95 / p99 (ms)', `${percentile(client, 50).toFixed(2)} / ${percentile(client, 95).toFixed(2)} / ${percentile(client, 99).toFixed(2)}`],
      ['  auth p50 / p95 (ms)', phase('auth')],
      ['  redact+cut p50 / p95 (ms)', phase('redact')],
      ['  database p50 / p95 (ms)', phase('db')],
      ['drain after load (s)', drainS.toFixed(1)],
      ['events stored (expected)', `${stored} (${total})`],
      ['tool calls stored (expected)', `${tools} (${sessions * toolCalls})`],
      ['unprocessed after drain', String(unprocessed)],
    ]);
    if (stored !== total || tools !== sessions * toolCalls || unprocessed !== 0) {
      throw new Error('LOSS OR DUPLICATION: stored counts differ from what was acknowledged');
    }
  } finally {
    await Promise.all([stopChild(api), stopChild(worker)]);
    await prisma.$disconnect();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:ingest: ${err.message}`);
  process.exit(1);
});
