/**
 * /metrics moves with the work: a recorded session replayed through the real API and worker raises
 * events ingested (by event name), the hook route's latency histogram, the session signals, and a
 * spooled duplicate delivery is counted as such; the sync-lag gauges and the LLM counters are there.
 * The worker process (workers/main.ts) serves the Temporal runtime's own metrics on its port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { waitUntil } from '../infra/wait-until.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { startTestApp, stopTestApp, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('metrics') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;

before(async () => {
  ({ api, worker } = await startTestApp(config, prisma));
});
after(() => stopTestApp({ api, worker }, temporal, prisma));

type Samples = Map<string, number>;

/** Prometheus text -> `name{labels}` -> value (labels as printed, in prom-client's order). */
function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function scrape(): Promise<Samples> {
  const res = await fetch(`${api.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  return parse(await res.text());
}

/** Sum of the samples of `name` whose labels include every one of `labels`. */
function value(s: Samples, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, v] of s) {
    const m = /^([^{]+)(?:\{(.*)\})?$/.exec(key)!;
    if (m[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, want]) => have.includes(`${k}="${want}"`))) sum += v;
  }
  return sum;
}

test('a replayed session moves the ingest, latency and signal metrics', async () => {
  const t = await newTenant(prisma);
  const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${uniqueName('metered')}`, 2);
  const before = await scrape();

  await replay(api.url, t.key, session.deliveries);
  const result = await sessionResult(temporal.client, prisma, t.tenantId, session.sessionId, 90_000);
  assert.equal(result.status, 'completed');
  // The client redelivers the last event from its spool: stored once, counted as a duplicate.
  const last = session.deliveries.at(-1)!;
  const again = await fetch(`${api.url}/v1/hooks/${last.event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}`, 'x-memflow-spooled': '1' },
    body: JSON.stringify(last.body),
  });
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('x-memflow-duplicate'), 'true');
  const after = await scrape();
  const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

  const perEvent = new Map<string, number>();
  for (const d of session.deliveries) perEvent.set(d.event, (perEvent.get(d.event) ?? 0) + 1);
  for (const [event, n] of perEvent) {
    assert.equal(delta('memflow_events_ingested_total', { event, duplicate: 'false' }), n, `new ${event} events`);
  }
  assert.equal(delta('memflow_events_ingested_total', { duplicate: 'true' }), 1);
  assert.equal(delta('memflow_events_ingested_total'), session.deliveries.length + 1);
  assert.equal(delta('memflow_spooled_deliveries_total', { duplicate: 'true' }), 1);

  // The latency histogram is labelled by route pattern, never by the raw URL.
  const hookRoute = { route: '/v1/hooks/:event', method: 'POST', status_class: '2xx' };
  assert.equal(delta('memflow_http_request_duration_seconds_count', hookRoute), session.deliveries.length + 1);
  assert.ok(delta('memflow_http_request_duration_seconds_sum', hookRoute) > 0);
  assert.ok(delta('memflow_http_request_duration_seconds_bucket', { ...hookRoute, le: '+Inf' }) === session.deliveries.length + 1);
  assert.ok(value(after, 'memflow_http_request_duration_seconds_count', { route: '/metrics', method: 'GET' }) >= 1);
  assert.ok(![...after.keys()].some((k) => k.includes(session.sessionId) || k.includes('/v1/hooks/session-start')), 'no raw URLs or ids in labels');

  // signalWithStart started the session's workflow and woke it as events came (coalesced).
  assert.ok(delta('memflow_session_signals_total', { outcome: 'ok' }) >= 1);
  assert.equal(delta('memflow_session_signals_total', { outcome: 'failed' }), 0);

  // Read from PostgreSQL at scrape: the Weaviate lag per type, and the LLM counters that were there.
  for (const type of ['observation', 'summary', 'learning']) {
    assert.ok(after.has(`memflow_vector_sync_pending{type="${type}"}`), `pending ${type}`);
    assert.ok(value(after, 'memflow_vector_sync_lag_seconds', { type }) >= 0);
  }
  assert.ok(after.has('memflow_llm_requests_total'));
  assert.ok(value(after, 'memflow_summaries_total', { source: 'offline' }) >= 1, 'the offline summary of this session');
});

test('a 4xx is counted under its route and status class', async () => {
  const t = await newTenant(prisma);
  const before = await scrape();
  const res = await fetch(`${api.url}/v1/search?limit=1000&q=x`, { headers: { authorization: `Bearer ${t.key}` } });
  assert.equal(res.status, 400);
  const after = await scrape();
  const labels = { route: '/v1/search', method: 'GET', status_class: '4xx' };
  assert.equal(value(after, 'memflow_http_request_duration_seconds_count', labels) - value(before, 'memflow_http_request_duration_seconds_count', labels), 1);
});

async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => srv.once('listening', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

test('the worker process serves the Temporal runtime metrics on MEMFLOW_WORKER_METRICS_PORT', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../workers/main.ts', import.meta.url))], {
    env: { ...process.env, TEMPORAL_TASK_QUEUE: uniqueName('worker-metrics'), MEMFLOW_WORKER_METRICS_PORT: String(port), MEMFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let text = '';
    await waitUntil(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        text = await res.text();
        // Once the pollers are up, Core reports per task queue (poll latencies, slots, ...).
        return /^temporal_\w+\{[^}]*task_queue="worker-metrics-/m.test(text);
      },
      { what: 'temporal_ metrics of the task queue from the worker process', timeoutMs: 60_000, intervalMs: 250, pid: child.pid! },
    );
    assert.match(text, /^temporal_request_total\{/m, 'counters carry the _total suffix');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
