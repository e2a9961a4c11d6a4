/**
 * GET /metrics in Prometheus' text format (prom-client). What the API process observes itself
 * (process metrics) plus totals read from PostgreSQL at scrape time, so they are right whichever
 * worker did the work: LLM tokens, cost and requests (token_usage), summaries by kind and source.
 * No tenant labels: the endpoint has no auth (see CONTRACT), so it shows aggregates only.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { PgPool } from '../common/pg.js';

interface UsageTotals {
  tokens_in: string;
  tokens_out: string;
  cache_read: string;
  cache_write: string;
  cost: string;
  requests: string;
}

export function createMetricsRegistry(pool: PgPool): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'memflow_api_' });

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
  return registry;
}

export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
