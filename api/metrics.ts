/**
 * GET /metrics in Prometheus' text format (prom-client). What the API process observes itself
 * (process metrics, request latency by route, events ingested, session signals, spooled deliveries)
 * plus values read from PostgreSQL at scrape time, so they are right whichever worker did the work:
 * LLM tokens, cost and requests (token_usage), summaries by kind and source, and the lag of the
 * Weaviate copy. The worker's own metrics (activity failures, workflow failures) come from the
 * Temporal runtime's Prometheus endpoint (workers/main.ts, MEMFLOW_WORKER_METRICS_PORT).
 * No tenant labels: the endpoint has no auth (see CONTRACT), so it shows aggregates only.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { PgPool } from '../common/server/pg.js';
import { unsyncedLagSql } from '../common/server/weaviate/sync-state.js';
import type { CaptureLedger } from '../messages/capture-ledger-v1.js';
import { documented } from './openapi-doc.js';

/**
 * What this process counts itself. One set per process (several API instances in one test process
 * share it), registered into each server's registry.
 */
export const apiMetrics = {
  requestDuration: new Histogram({
    name: 'memflow_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  }),
  eventsIngested: new Counter({
    name: 'memflow_events_ingested_total',
    help: 'Hook events acknowledged after their durable write, by event name and whether the API already had them.',
    labelNames: ['event', 'duplicate'] as const,
    registers: [],
  }),
  spooledDeliveries: new Counter({
    name: 'memflow_spooled_deliveries_total',
    help: 'Hook events delivered from a client spool (x-memflow-spooled), by whether the API already had them.',
    labelNames: ['duplicate'] as const,
    registers: [],
  }),
  hookBatchEvents: new Counter({
    name: 'memflow_hook_batch_events_total',
    help: 'Hook events that came in batches (POST /v1/hooks:batch), stored or refused one by one; the batches themselves are the route\'s requests.',
    registers: [],
  }),
  ledgerReports: new Counter({
    name: 'memflow_capture_ledger_reports_total',
    help: "Hook clients' capture ledger reports taken (POST /v1/sessions/{id}/ledger), by the session's reconciliation after it.",
    labelNames: ['status'] as const,
    registers: [],
  }),
  duplicateAnswers: new Counter({
    name: 'memflow_capture_duplicates_total',
    help: 'Repeated hook deliveries answered as duplicates, by what they matched (idempotencyKey, toolUseId, body).',
    labelNames: ['kind'] as const,
    registers: [],
  }),
  sessionSignals: new Counter({
    name: 'memflow_session_signals_total',
    help: 'signalWithStart calls to session workflows (each starts the workflow when no run is open), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [],
  }),
};

/** The route label: Fastify's pattern (`/v1/sessions/:id`), never the raw URL; unmatched is one value. */
export function observeRequest(route: string | undefined, method: string, status: number, seconds: number): void {
  apiMetrics.requestDuration.observe({ route: route ?? 'unmatched', method, status_class: `${Math.floor(status / 100)}xx` }, seconds);
}

/** A hook event made durable (`spooled`: the client delivered it from its spool). */
export function countIngested(event: string, duplicate: boolean, spooled: boolean): void {
  apiMetrics.eventsIngested.inc({ event, duplicate: String(duplicate) });
  if (spooled) apiMetrics.spooledDeliveries.inc({ duplicate: String(duplicate) });
}

/** The events of one POST /v1/hooks:batch. */
export function countHookBatch(events: number): void {
  apiMetrics.hookBatchEvents.inc(events);
}

/** A repeated delivery answered as a duplicate, by what it matched (the capture ledger). */
export function countDuplicateAnswer(kind: string): void {
  apiMetrics.duplicateAnswers.inc({ kind });
}

/** How far back the ledger gauges look: sessions whose client reported within it. */
export const LEDGER_GAUGE_WINDOW_MS = 24 * 3600_000;

/** Rows counted per record type for the sync-lag gauges; beyond it the count reads as this cap. */
export const SYNC_LAG_SCAN_CAP = 10_000;

interface UsageTotals {
  tokens_in: string;
  tokens_out: string;
  cache_read: string;
  cache_write: string;
  cost: string;
  requests: string;
}

export function createMetricsRegistry(
  pool: PgPool,
  /** The capture ledgers reported on in the last `sinceMs` (api/capture/capture-ledger.ts, handed in by server.ts: metrics imports no flow). */
  recentLedgers: (pool: PgPool, sinceMs: number) => Promise<CaptureLedger[]>,
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'memflow_api_' });
  for (const metric of Object.values(apiMetrics) as Metric[]) registry.registerMetric(metric);

  // Counters whose value is the database's total: reset and set on every scrape.
  const fromDatabase = <L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, value: number) => void) => Promise<void>) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await read((labels, value) => this.inc(labels, value));
      },
    });

  let usage: Promise<UsageTotals | undefined> | undefined;
  // One query serves the three usage counters of a scrape.
  const usageOnce = () =>
    (usage ??= pool
      .query<UsageTotals>(
        `SELECT coalesce(sum(tokens_in),0) AS tokens_in, coalesce(sum(tokens_out),0) AS tokens_out,
                coalesce(sum(cache_read_tokens),0) AS cache_read, coalesce(sum(cache_write_tokens),0) AS cache_write,
                coalesce(sum(cost_usd),0) AS cost, coalesce(sum(requests),0) AS requests FROM token_usage`,
      )
      .then((r) => r.rows[0])
      .finally(() => setTimeout(() => (usage = undefined), 0)));

  fromDatabase('memflow_llm_tokens_total', 'LLM tokens used for summaries, by type.', ['type'], async (set) => {
    const u = await usageOnce();
    if (!u) return;
    set({ type: 'input' }, Number(u.tokens_in));
    set({ type: 'output' }, Number(u.tokens_out));
    set({ type: 'cache_read' }, Number(u.cache_read));
    set({ type: 'cache_write' }, Number(u.cache_write));
  });
  fromDatabase('memflow_llm_cost_usd_total', 'Cost of LLM calls in USD, from the price table.', [], async (set) => {
    const u = await usageOnce();
    if (u) set({}, Number(u.cost));
  });
  fromDatabase('memflow_llm_requests_total', 'Messages API requests that returned an answer.', [], async (set) => {
    const u = await usageOnce();
    if (u) set({}, Number(u.requests));
  });
  fromDatabase('memflow_summaries_total', 'Summaries stored, by kind and by source (model or offline).', ['kind', 'source'], async (set) => {
    const { rows } = await pool.query<{ kind: string; offline: boolean; n: string }>('SELECT kind::text, offline, count(*) AS n FROM summaries GROUP BY 1, 2');
    for (const r of rows) set({ kind: r.kind, source: r.offline ? 'offline' : 'model' }, Number(r.n));
  });

  // Records PostgreSQL holds that Weaviate does not (yet), per type, each type scanned at most
  // SYNC_LAG_SCAN_CAP rows, so a large backlog costs a bounded scrape (common/server/weaviate/sync-state.ts).
  let lag: Promise<{ type: string; n: number; age: number }[]> | undefined;
  const lagOnce = () =>
    (lag ??= pool
      .query<{ type: string; n: string; age: string | null }>(unsyncedLagSql(SYNC_LAG_SCAN_CAP))
      .then((r) => r.rows.map((row) => ({ type: row.type, n: Number(row.n), age: row.age === null ? 0 : Math.max(0, Number(row.age)) })))
      .finally(() => setTimeout(() => (lag = undefined), 0)));
  new Gauge({
    name: 'memflow_vector_sync_pending',
    help: `Records in PostgreSQL not yet synced to Weaviate, by type (counted up to ${SYNC_LAG_SCAN_CAP}).`,
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await lagOnce()) this.set({ type: r.type }, r.n);
    },
  });
  new Gauge({
    name: 'memflow_vector_sync_lag_seconds',
    help: 'Age of the oldest record not yet synced to Weaviate, by type (0 when none waits).',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await lagOnce()) this.set({ type: r.type }, r.age);
    },
  });

  // The capture ledger, from the database (right whichever API took the reports): sessions reported
  // on in the last 24 h by their reconciliation, and the events they leave unexplained (should be 0).
  let ledgers: Promise<CaptureLedger[]> | undefined;
  const ledgersOnce = () => (ledgers ??= recentLedgers(pool, LEDGER_GAUGE_WINDOW_MS).finally(() => setTimeout(() => (ledgers = undefined), 0)));
  new Gauge({
    name: 'memflow_capture_ledger_sessions',
    help: 'Sessions whose hook client reported its capture ledger in the last 24 h, by reconciliation status (unreconciled ones are flagged).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const by: Record<string, number> = { reconciled: 0, pending: 0, unreconciled: 0 };
      for (const l of await ledgersOnce()) by[l.status] = (by[l.status] ?? 0) + 1;
      for (const [status, n] of Object.entries(by)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'memflow_capture_ledger_unexplained_events',
    help: 'Hook events of the sessions reported on in the last 24 h that neither the client nor the API can account for (should be 0).',
    registers: [registry],
    async collect() {
      this.set((await ledgersOnce()).reduce((n, l) => n + l.unexplained, 0));
    },
  });
  new Gauge({
    name: 'memflow_capture_ledger_events',
    help: "Hook events of the sessions reported on in the last 24 h, by the client's outcome (delivered, late, duplicates, refused, dropped, pending, lost).",
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      const out: Record<string, number> = { delivered: 0, late: 0, duplicates: 0, refused: 0, dropped: 0, pending: 0, lost: 0 };
      for (const { client: c } of await ledgersOnce()) {
        if (!c) continue;
        out.delivered! += c.delivered;
        out.late! += c.late;
        out.duplicates! += c.duplicates;
        out.refused! += sum(c.refused);
        out.dropped! += sum(c.dropped);
        out.pending! += c.pending;
        out.lost! += c.lost;
      }
      for (const [outcome, n] of Object.entries(out)) this.set({ outcome }, n);
    },
  });
  return registry;
}

export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  const doc = documented({ summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], auth: false, answers: { 200: { mediaType: 'text/plain', description: 'Prometheus text format 0.0.4' } } });
  app.get('/metrics', doc, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
