/**
 * `npm run bench:retrieval`: retrieval quality of each search mode over a realistic corpus with
 * known evidence (bench/retrieval-corpus.ts: multi-session coding work, long conversations,
 * paraphrased questions, answers that only summaries or learnings hold), at growing sizes.
 *
 * For every question and mode (keyword, semantic, hybrid) GET /v1/search is asked for the top 10
 * over the whole tenant; reported per mode, overall and per evidence type:
 * - recall@1 / recall@5: an evidence record at rank 1 / within the first five;
 * - MRR: mean of 1 / rank of the first evidence record (0 beyond 10);
 * - session recall@5: a record of the evidence's session within the first five;
 * - the server's time per search (Server-Timing total), p50 / p95.
 * The questions are asked about the first size's records; each larger size adds distractors (more
 * sessions on the same components and topics), so the same questions get harder.
 * `--sweep` also replays every fusion variant (bench/fusion-variants.ts) in-process over the same two legs.
 *
 *   npm run bench:retrieval -- --items 10000,100000 --questions 150
 *
 * It runs on the test profile's stack (MEMFLOW_TEST_PORT_SHIFT moves its ports and database).
 */
import { Command } from 'commander';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import type { SearchResult } from '../api/search/search-types.js';
import { createVectorBackend } from '../api/search/semantic.js';
import { createSearchService, type SearchServiceDeps } from '../api/search/search-routes.js';
import type { LearningPlaces, SessionWeights } from '../api/search/fusion.js';
import type { Config } from '../common/server/config.js';
import type { PgPool } from '../common/server/pg.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { fillWeaviate, prng } from './corpus.js';
import { dumpCases, legsOf, sweepRows, type SweepCase } from './fusion-replay.js';
import { VARIANTS } from './fusion-variants.js';
import { benchTenant, degradedRetries, fillSummary, openSearchBench, percentile, printColumns, searchFetch, timedFill } from './lib.js';
import { loadAverage } from './proc-cpu.js';
import { generateRetrievalCorpus, type EvidenceType, type Question } from './retrieval-corpus.js';

const MODES = ['keyword', 'semantic', 'hybrid'] as const;
type Mode = (typeof MODES)[number];
const TYPES: EvidenceType[] = ['observation', 'summary', 'learning'];

type Hit = Pick<SearchResult, 'id' | 'type' | 'title' | 'snippet' | 'score' | 'sessionId'>;

interface Outcome {
  q: Question;
  /** 1-based rank of the first evidence record; 0 when not in the top 10. */
  rank: number;
  sessionAt5: boolean;
  serverMs: number;
  hits: Hit[];
}

async function ask(url: string, key: string, q: Question, mode: Mode, limit = 10): Promise<Outcome> {
  const { res, body } = await searchFetch<{ results: Hit[] }>(url, key, { q: q.text, mode, limit: String(limit) });
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(body)}`);
  if (body.degraded) throw new Error(`search answered degraded (${body.degradedReason}): the measurement would be of the keyword leg`);
  const serverMs = Number(/total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  return score(q, body.results, serverMs);
}

function score(q: Question, hits: Hit[], serverMs: number): Outcome {
  const evidence = new Set(q.evidence);
  const at = hits.slice(0, 10).findIndex((h) => evidence.has(h.id));
  return { q, rank: at + 1, sessionAt5: hits.slice(0, 5).some((h) => h.sessionId === q.sessionId), serverMs, hits };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function metrics(outs: Outcome[]): Record<string, string> {
  const f = (x: number) => x.toFixed(3);
  return {
    'recall@1': f(mean(outs.map((o) => (o.rank === 1 ? 1 : 0)))),
    'recall@5': f(mean(outs.map((o) => (o.rank >= 1 && o.rank <= 5 ? 1 : 0)))),
    MRR: f(mean(outs.map((o) => (o.rank ? 1 / o.rank : 0)))),
    'session recall@5': f(mean(outs.map((o) => (o.sessionAt5 ? 1 : 0)))),
  };
}

function table(title: string, results: Record<Mode, Outcome[]>): void {
  const rows: [string, string[]][] = [];
  const groups: [string, (o: Outcome) => boolean][] = [['all', () => true], ...TYPES.map((t): [string, (o: Outcome) => boolean] => [t, (o) => o.q.type === t])];
  for (const [name, keep] of groups) {
    const per = MODES.map((m) => metrics(results[m].filter(keep)));
    const n = results.hybrid.filter(keep).length;
    for (const metric of Object.keys(per[0]!)) rows.push([`${name} (${n} q) ${metric}`, per.map((p) => p[metric]!)]);
  }
  for (const p of [50, 95]) {
    rows.push([`search p${p}, server (ms)`, MODES.map((m) => percentile(results[m].map((o) => o.serverMs).sort((a, b) => a - b), p).toFixed(1))]);
  }
  printColumns(title, [...MODES], rows);
  console.log(`answers asked again because they came degraded (vector leg over 1.5 s): ${degradedRetries.count}`);
}

/**
 * --sessions-ab: the same questions, hybrid, asked of two in-process search services over this fill —
 * the page's sessions by their best record alone (before) and by their evidence across records
 * (after) — alternating question by question, so the word statistics and the load are the same.
 */
async function sessionsAb(config: Config, pool: PgPool, tenantId: string, questions: Question[], title: string, weights?: string): Promise<void> {
  // --sessions-ab-weights '0.5,0.5;0,0.5': other weights (second, nearest) beside the default.
  const variants: [string, boolean | SessionWeights][] = [['before', false], ['after', true], ...(weights ?? '').split(';').filter(Boolean).map((w): [string, SessionWeights] => { const [second, nearest] = w.split(',').map(Number); return [`${second}/${nearest}`, { second: second!, nearest: nearest! }]; })];
  await inProcessAb(config, questions, tenantId, title, variants.map(([name, sessionEvidence]) => [name, { pool, sessionEvidence }]));
}

/**
 * --page-ab: the same questions, hybrid, asked of in-process search services that differ only in how a session's
 * learnings take places on the page (api/search/fusion.ts LearningPlaces: apart, hold, record), alternating question by
 * question over this fill.
 */
async function pageAb(config: Config, pool: PgPool, tenantId: string, questions: Question[], title: string): Promise<void> {
  const variants: LearningPlaces[] = ['apart', 'hold', 'record'];
  await inProcessAb(config, questions, tenantId, title, variants.map((learningPlaces) => [learningPlaces, { pool, learningPlaces }]));
}

/** The questions, hybrid, asked of one in-process search service per variant, alternating question by question over one fill. */
async function inProcessAb(config: Config, questions: Question[], tenantId: string, title: string, variants: [string, Omit<SearchServiceDeps, 'vectors'>][]): Promise<void> {
  const vectors = createVectorBackend(config);
  try {
    const services = variants.map(([, deps]) => createSearchService({ ...deps, vectors }));
    const outs: Outcome[][] = variants.map(() => []);
    for (const q of questions) {
      for (const [i, service] of services.entries()) {
        const answer = await service.search({ tenantId, query: q.text, mode: 'hybrid', types: RECORD_TYPES, limit: 10 });
        if (answer.degraded) throw new Error(`search answered degraded (${answer.degradedReason})`);
        outs[i]!.push(score(q, answer.results, answer.tookMs));
      }
    }
    const rows: [string, string[]][] = [];
    const groups: [string, (o: Outcome) => boolean][] = [['all', () => true], ...TYPES.map((t): [string, (o: Outcome) => boolean] => [t, (o) => o.q.type === t])];
    for (const [name, keep] of groups) {
      const per = outs.map((o) => metrics(o.filter(keep)));
      for (const metric of Object.keys(per[0]!)) rows.push([`${name} (${outs[0]!.filter(keep).length} q) ${metric}`, per.map((p) => p[metric]!)]);
    }
    for (const p of [50, 95]) rows.push([`search p${p}, in-process (ms)`, outs.map((o) => percentile(o.map((x) => x.serverMs).sort((a, b) => a - b), p).toFixed(1))]);
    printColumns(`${title}; load average ${loadAverage()}`, variants.map(([name]) => name), rows);
  } finally {
    await vectors.close();
  }
}

/** --sweep: every fusion variant (bench/fusion-variants.ts) replayed in-process from the same two legs. */
async function sweep(config: Config, pool: PgPool, tenantId: string, questions: Question[], label: string, title: string): Promise<void> {
  const vectors = createVectorBackend(config);
  try {
    const cases: SweepCase[] = [];
    for (const q of questions) {
      const legs = await legsOf(pool, vectors, { tenantId, types: RECORD_TYPES }, q.text, 10);
      cases.push({
        legs,
        want: { sessionId: q.sessionId, evidence: q.evidence, scope: q.type },
        score: (page) => {
          const o = score(q, page, NaN);
          return { 'recall@1': o.rank === 1 ? 1 : 0, 'recall@5': o.rank >= 1 && o.rank <= 5 ? 1 : 0, MRR: o.rank ? 1 / o.rank : 0, 'session@5': o.sessionAt5 ? 1 : 0 };
        },
      });
    }
    dumpCases(cases, `retrieval-${label}`);
    printColumns(title, ['recall@1', 'recall@5', 'MRR', 'session@5'], sweepRows(cases, VARIANTS, ['recall@1', 'recall@5', 'MRR', 'session@5']));
  } finally {
    await vectors.close();
  }
}

async function main(): Promise<void> {
  const opts = new Command('bench:retrieval')
    .option('--items <list>', 'corpus sizes, comma-separated (the corpus grows between them)', '10000,100000')
    .option('--questions <n>', 'questions, a third of each evidence type', '150')
    .option('--sweep', 'replay the fusion offline for a grid of weights')
    .option('--sessions-ab-weights <list>', "with --sessions-ab: other weights of the session evidence to compare, 'second,nearest;...'")
    .option('--page-ab', "hybrid with a session's learnings taking places on the page three ways (api/search/fusion.ts: LearningPlaces), in-process over the same fill, alternating question by question")
    .option('--sessions-ab', "hybrid with and without the page's session evidence (api/search/fusion.ts: bySessionEvidence), in-process over the same fill, alternating question by question")
    .parse(process.argv)
    .opts<{ items: string; questions: string; sweep?: boolean; sessionsAb?: boolean; sessionsAbWeights?: string; pageAb?: boolean }>();
  const sizes = opts.items.split(',').map(Number).sort((a, b) => a - b);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error('--items: sizes must be integers >= 1000');

  const bench = await openSearchBench();
  const { config, prisma, pool, api } = bench;
  try {
    const { tenantId, key } = await benchTenant(prisma, 'bench-retrieval');
    const vectors = createVectorActivities({ prisma, config });
    const rng = prng(20261123);
    let questions: Question[] = [];
    let asked = new Set<string>();
    let have = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      const added = await generateRetrievalCorpus(
        pool,
        prisma,
        tenantId,
        { count: size - have, questions: have === 0 ? Number(opts.questions) : 0, components: Math.max(12, Math.round(size / 83)), avoid: asked },
        rng,
      );
      if (have === 0) ({ questions, asked } = added);
      const pgS = (performance.now() - t0) / 1000;
      const fill = await timedFill(bench.profile, () => fillWeaviate(vectors, tenantId, config));
      have = size;
      const { rows } = await pool.query<{ n: string }>(
        `select (select count(*) from observations where tenant_id = $1) + (select count(*) from summaries where tenant_id = $1) + (select count(*) from learnings where tenant_id = $1) as n`,
        [tenantId],
      );
      console.log(`[bench] ${rows[0]!.n} records: PostgreSQL ${pgS.toFixed(1)}s; Weaviate: ${fillSummary(fill)}`);
      await bench.restartApi();
      for (const q of questions.slice(0, 20)) for (const mode of MODES) await ask(api.url, key, q, mode); // warm-up
      const results = {} as Record<Mode, Outcome[]>;
      for (const mode of MODES) {
        results[mode] = [];
        for (const q of questions) results[mode].push(await ask(api.url, key, q, mode));
      }
      table(`retrieval: ${rows[0]!.n} records, ${questions.length} questions, top 10 over the whole tenant; load average ${loadAverage()}`, results);
      if (opts.sweep) await sweep(config, pool, tenantId, questions, rows[0]!.n, `fusion replayed offline: ${rows[0]!.n} records, ${questions.length} questions`);
      if (opts.pageAb) await pageAb(config, pool, tenantId, questions, `hybrid, a session's learnings on the page: apart (before) / hold (now) / record, in-process over one fill: ${rows[0]!.n} records, ${questions.length} questions`);
      if (opts.sessionsAb) await sessionsAb(config, pool, tenantId, questions, `hybrid without / with the session evidence, in-process over one fill: ${rows[0]!.n} records, ${questions.length} questions`, opts.sessionsAbWeights);
    }
  } finally {
    await bench.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench:retrieval: ${err.message}`);
  process.exit(1);
});
