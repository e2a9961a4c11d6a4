/**
 * `npm run bench:search`: retrieval latency and quality at corpus sizes of 10k and 100k memories.
 *
 * The corpus is generated (deterministic PRNG) as a coding project's memory would look — prompts,
 * tool calls with their output, batch and final summaries, learnings (5% superseded) over ~30 topics
 * and four projects, spread over 180 days — and bulk-inserted into PostgreSQL with set-based SQL
 * (the generated tsvector columns are computed on insert). Weaviate is filled through the vector
 * activities' reconciliation step (`reconcileVectors`: embeds with the configured provider, the
 * offline `local` one by default, and batch-upserts), the same path that repairs Weaviate in
 * production. The retrieval-quality corpus (tests/fixtures/retrieval-corpus.ts) is buried in the
 * `storefront` project so recall@5 is measured among the generated noise.
 *
 * Latency is measured through the HTTP API (the real path): memflow's API runs as its own process;
 * queries are sent one at a time (no queueing in the numbers), after a warm-up. Reported: the
 * server's own time (Server-Timing `total`) and the client's round trip, p50/p95/p99 per mode, and
 * GET /v1/context (1500 tokens) per project.
 *
 *   npm run bench:search -- --items 10000,100000 --queries 300
 *
 * It runs on the test profile's stack; set DATABASE_URL to keep the corpus out of `memflow_test`.
 */
import { Command } from 'commander';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { CORPUS, QUESTIONS, seedCorpus, type SeededCorpus } from '../tests/fixtures/retrieval-corpus.js';
import { fillWeaviate, generate, PROJECTS, prng, TOPICS, type Rng } from './corpus.js';
import { resolveProjectId } from '../api/search/search-types.js';
import { createVectorBackend } from '../api/search/semantic.js';
import type { Config } from '../common/server/config.js';
import type { PgPool } from '../common/server/pg.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { dumpCases, legsOf, sweepRows, type SweepCase } from './fusion-replay.js';
import { VARIANTS } from './fusion-variants.js';
import { benchTenant, fillSummary, openSearchBench, percentile, printColumns, printTable, serverPhases, timedFill } from './lib.js';

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

interface Timing {
  server: number;
  client: number;
  phases: Record<string, number>;
}

async function timedGet(url: string, key: string): Promise<{ timing: Timing; body: any }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const body: unknown = await res.json();
  const client = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  const phases = serverPhases(res.headers.get('server-timing'));
  return { timing: { server: phases.total ?? NaN, client, phases }, body };
}

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${percentile(s, 50).toFixed(1)} / ${percentile(s, 95).toFixed(1)} / ${percentile(s, 99).toFixed(1)}`;
};

/** Paraphrased questions about the generated topics (none copies a stored sentence). */
function benchQueries(rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => {
    const topic = rng.pick(TOPICS);
    return `${rng.pick(['', 'how did we handle ', 'what was the fix when ', 'why '])}${rng.pick(topic.asks)}`.trim();
  });
}

async function measure(apiUrl: string, key: string, queries: string[], seeded: SeededCorpus) {
  const rows: [string, string][] = [];
  const search = (q: string, mode: string, extra: Record<string, string> = {}) =>
    timedGet(`${apiUrl}/v1/search?${new URLSearchParams({ q, mode, limit: '10', ...extra }).toString()}`, key);
  for (const q of queries.slice(0, 30)) for (const mode of ['keyword', 'semantic', 'hybrid']) await search(q, mode); // warm-up
  for (const mode of ['keyword', 'semantic', 'hybrid']) {
    const times: Timing[] = [];
    const degraded = new Map<string, number>();
    for (const [i, q] of queries.entries()) {
      // Half the queries are scoped to a project (the common case from an agent), half span the tenant.
      const { timing, body } = await search(q, mode, i % 2 === 0 ? { project: PROJECTS[i % PROJECTS.length]! } : {});
      times.push(timing);
      if (body.degraded) degraded.set(String(body.degradedReason).slice(0, 60), (degraded.get(String(body.degradedReason).slice(0, 60)) ?? 0) + 1);
    }
    rows.push([`${mode} p50 / p95 / p99, server (ms)`, fmt(times.map((x) => x.server))]);
    rows.push([`${mode} p50 / p95 / p99, client (ms)`, fmt(times.map((x) => x.client))]);
    for (const phase of ['keyword', 'vector', 'hydrate']) {
      const xs = times.map((x) => x.phases[phase]).filter((x): x is number => x !== undefined);
      if (xs.length) rows.push([`  ${phase} leg p50 / p95 / p99 (ms)`, fmt(xs)]);
    }
    for (const [reason, n] of degraded) rows.push([`${mode} degraded answers: ${reason}`, String(n)]);
  }
  const ctx: Timing[] = [];
  let maxTokens = 0;
  for (let i = 0; i < 200; i++) {
    const { timing, body } = await timedGet(`${apiUrl}/v1/context?project=${PROJECTS[i % PROJECTS.length]}&tokens=1500`, key);
    if (i >= 20) ctx.push(timing);
    maxTokens = Math.max(maxTokens, body.tokens as number);
  }
  rows.push(['context (1500 tokens) p50 / p95 / p99, server (ms)', fmt(ctx.map((x) => x.server))]);
  rows.push(['context (1500 tokens) p50 / p95 / p99, client (ms)', fmt(ctx.map((x) => x.client))]);
  rows.push(['  context build p50 / p95 / p99 (ms)', fmt(ctx.map((x) => x.phases.context ?? NaN))]);
  rows.push(['context largest answer (tokens)', String(maxTokens)]);
  for (const mode of ['hybrid', 'keyword', 'semantic']) {
    for (const scoped of [true, false]) {
      let hits = 0;
      for (const { question, expect } of QUESTIONS) {
        const { body } = await search(question, mode, { limit: '5', ...(scoped ? { project: 'storefront' } : {}) });
        const want = seeded.sessions.find((s) => s.key === expect)!.agentSessionId;
        if ((body.results as { sessionId: string }[]).some((r) => r.sessionId === want)) hits++;
      }
      rows.push([`recall@5 ${mode}, ${scoped ? 'project storefront' : 'whole tenant'} (${QUESTIONS.length} q)`, (hits / QUESTIONS.length).toFixed(3)]);
    }
  }
  return rows;
}

/** --sweep: every fusion variant's recall@5 on the buried questions, replayed from the same two legs. */
async function sweepBuried(config: Config, pool: PgPool, tenantId: string, seeded: SeededCorpus, size: number, title: string): Promise<void> {
  const vectors = createVectorBackend(config);
  try {
    const projectId = await resolveProjectId(pool, tenantId, 'storefront');
    const cases: SweepCase[] = [];
    for (const scoped of [true, false]) {
      const scope = { tenantId, types: RECORD_TYPES, ...(scoped && projectId ? { projectId } : {}) };
      for (const { question, expect } of QUESTIONS) {
        const want = seeded.sessions.find((s) => s.key === expect)!.agentSessionId;
        const legs = await legsOf(pool, vectors, scope, question, 5);
        cases.push({ legs, want: { sessionId: want, scope: scoped ? 'storefront' : 'tenant' }, score: (page) => ({ [scoped ? 'storefront' : 'tenant']: page.slice(0, 5).some((r) => r.sessionId === want) ? 2 : 0 }) });
      }
    }
    dumpCases(cases, `search-${size}`);
    // Each case scores one of the two columns; x2 above undoes the mean over both halves.
    printColumns(title, ['recall@5 storefront', 'recall@5 tenant'], sweepRows(cases, VARIANTS, ['storefront', 'tenant'], 5));
  } finally {
    await vectors.close();
  }
}

async function main(): Promise<void> {
  const opts = new Command('bench:search')
    .option('--items <list>', 'corpus sizes to measure at, comma-separated (the corpus grows between them)', '10000,100000')
    .option('--queries <n>', 'measured queries per mode', '300')
    .option('--sweep', 'also replay every fusion variant (bench/fusion-variants.ts) on the buried questions')
    .option('--recall-only', 'skip the latency measurement (with --sweep: choose a fusion quickly)')
    .parse(process.argv)
    .opts<{ items: string; queries: string; sweep?: boolean; recallOnly?: boolean }>();
  const sizes = opts.items.split(',').map(Number).sort((a, b) => a - b);
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error('--items: sizes must be integers >= 100');

  const bench = await openSearchBench();
  const { config, prisma, pool, api } = bench;
  try {
    const { tenantId, key } = await benchTenant(prisma, 'bench-search');
    const tenant = { id: tenantId };
    const seeded = await seedCorpus(prisma, tenant.id, 'storefront', CORPUS);
    const vectors = createVectorActivities({ prisma, config });
    const rng = prng(20261122);
    const queries = benchQueries(prng(7), Number(opts.queries));
    let have = CORPUS.length * 7; // the quality corpus: ~7 records per session
    for (const size of sizes) {
      const t0 = performance.now();
      await generate(pool, prisma, tenant.id, size - have, rng);
      const pgS = (performance.now() - t0) / 1000;
      const fill = await timedFill(bench.profile, () => fillWeaviate(vectors, tenant.id, config));
      const { objects: upserted, seconds: wvS } = fill;
      have = size;
      const { rows } = await pool.query<{ o: string; s: string; l: string }>(
        `select (select count(*) from observations where tenant_id = $1) as o, (select count(*) from summaries where tenant_id = $1) as s, (select count(*) from learnings where tenant_id = $1) as l`,
        [tenant.id],
      );
      const counts = rows[0]!;
      console.log(`[bench] ${size} items: PostgreSQL ${pgS.toFixed(1)}s, Weaviate ${wvS.toFixed(1)}s (${upserted} objects); measuring`);
      await bench.restartApi();
      const measured = opts.recallOnly ? [] : await measure(api.url, key, queries, seeded);
      printTable(`search: ${Number(counts.o) + Number(counts.s) + Number(counts.l)} memories (${counts.o} observations, ${counts.s} summaries, ${counts.l} learnings), one tenant, 4 projects; HTTP API, sequential requests, this machine`, [
        ['generate + insert into PostgreSQL (s)', pgS.toFixed(1)],
        ['embed + upsert into Weaviate (reconcile steps)', fillSummary(fill)],
        ...measured,
      ]);
      if (opts.sweep) await sweepBuried(config, pool, tenant.id, seeded, size, `fusion replayed offline on the buried questions (${QUESTIONS.length} per column), ${size} items`);
    }
  } finally {
    await bench.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench:search: ${err.message}`);
  process.exit(1);
});
