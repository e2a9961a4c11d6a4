/**
 * `npm run bench:search-scale`: search latency at 100k and 1M records in one tenant of 120 projects,
 * and what search finds in a merged pile of 10,000 sessions in one project.
 *
 * The tenant is filled with agent sessions made from eight repositories' git histories
 * (bench/scale-corpus.ts: the rows capture and the offline summarizer write for them, inserted
 * set-based; Weaviate through the reconciliation step that repairs it in production). Then, with
 * memflow's API as its own process (restarted after each fill: it caches the statistics' common words):
 * - latency of GET /v1/search (the route MCP `search` calls), hybrid, top 10, one request at a
 *   time after a warm-up: questions scoped to their project (as MCP search sends them) and
 *   questions over the whole tenant; the server's time (Server-Timing) with its phases, and the
 *   client's round trip, with the load average before and after;
 * - the pile (project `pile`): bench:retrieval-history's questions of the chosen split (written
 *   before any tuning, with their evidence turns) asked in the project that holds those four
 *   histories merged with thousands of sessions of the same repositories' other commits: session
 *   any@10, strict all@5, evidence turn @10 (as bench:retrieval-history scores them);
 * - questions about other projects' sessions (a commit's request reworded, a file and its purpose):
 *   session any@10 of their own session.
 *
 *   npm run bench:search-scale -- --sizes 100000,1000000 [--pile-sessions 10000] [--split test]
 *   npm run bench:search-scale -- --reuse --sizes 1000000    measure again over the last fill (grows it if smaller)
 *   npm run bench:search-scale -- --reuse --explain 5        also EXPLAIN ANALYZE the slowest statements of the 5 slowest searches
 *   npm run bench:search-scale -- --reuse --hnsw-defaults    measure with Weaviate's own HNSW search settings (before/after over one fill)
 *   npm run bench:search-scale -- --reuse --hnsw '{"flatSearchCutoff":200000}'   measure with these settings merged over memflow's
 *   npm run bench:search-scale -- --reuse --sizes 100000 --no-recall --busy 256
 *       the same searches quiet, then with memflow's worker summarizing beside the API (the laptop
 *       case): 256 sessions of bench:retrieval-history replayed through the hook API into project
 *       `busy-<n>` while no worker runs, then the worker (niced, as `npm run up` starts it) started on
 *       that backlog and the searches timed again while it works; then quiet again, the worker stopped
 *   ... --busy 600 --busy-groups plain,niced,shared   the busy blocks once per way the worker may share the CPU:
 *       its own session with its scheduling group niced (as `up` starts it), not niced (as before), or the bench's session
 *
 * Runs on the test profile's stack (MEMFLOW_TEST_PORT_SHIFT moves its ports and database); the
 * repositories are read from --mirrors (git clones named owner+name/repo; parsed once, cached in .memflow/).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { createSearchService } from '../api/search/search-routes.js';
import { createVectorBackend } from '../api/search/semantic.js';
import { createPgPool, type PgPool } from '../common/server/pg.js';
import { createPrisma, type PrismaClient } from '../common/server/db.js';
import { applyMigrations } from '../prisma/migrate.js';
import { ensureDatabase } from '../prisma/database-connect.js';
import { chooseTestProfile, stackEnv } from '../infra/stack.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { repoRoot } from '../infra/profile.js';
import { fillWeaviate } from './corpus.js';
import { benchTenant, degradedRetries, fillSummary, openSearchBench, percentile, printTable, searchFetch, restartableApi, serverPhases, spawnEntry, stopChild, timedFill, workerGroupOf, type SearchBench, type WorkerGroup } from './lib.js';
import { parseConfig } from '../common/server/config.js';
import { connectWeaviate } from '../common/server/weaviate/client.js';
import { COLLECTIONS, HNSW_SEARCH, setHnswSearch, WEAVIATE_HNSW_SEARCH_DEFAULTS } from '../common/server/weaviate/schema.js';
import { cpuSecondsOf, loadAverage } from './proc-cpu.js';
import { ROLES, sampleRoleCpu } from './role-cpu.js';
import { post } from './ingest-http.js';
import { deliveries, PARAPHRASE_FORMS, paraphrase, type HistoryCorpus, type HistoryQuestion } from './retrieval-history-corpus.js';
import { seeded } from './hook-traffic.js';
import { agentSessionIdOf, PILE, repoCommits, SCALE_SOURCES, scalePlan, writeSessions, type PlannedSession } from './scale-corpus.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    'pile-sessions': { type: 'string', default: '10000' },
    split: { type: 'string', default: 'test' },
    queries: { type: 'string', default: '300' },
    'tenant-queries': { type: 'string', default: '100' },
    mirrors: { type: 'string', default: '/work/.mirror' },
    reuse: { type: 'boolean', default: false },
    explain: { type: 'string', default: '0' },
    'no-recall': { type: 'boolean', default: false },
    'fill-only': { type: 'boolean', default: false },
    'keyword-only': { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
    'pile-at': { type: 'string' },
    'hnsw-defaults': { type: 'boolean', default: false },
    hnsw: { type: 'string' },
    busy: { type: 'string', default: '0' },
    'busy-groups': { type: 'string', default: 'niced' },
  },
});

const STATE_DIR = process.env.MEMFLOW_STATE_DIR ?? path.join(repoRoot, '.memflow');
/** The fill a run works on (tenant, key, sessions written); --label keeps several (e.g. one tenant per size). */
const STATE = path.join(STATE_DIR, `search-scale-${process.env.MEMFLOW_TEST_PORT_SHIFT ?? '0'}${args.label ? `-${args.label}` : ''}.json`);
/** --busy-groups niced,plain,shared: how the busy blocks' worker shares the CPU (bench/lib.ts WorkerGroup), each in turn. */
const busyGroups = (): WorkerGroup[] => args['busy-groups'].split(',').map((g) => workerGroupOf(g.trim(), '--busy-groups'));
const GROUP_LABEL: Record<WorkerGroup, string> = { niced: 'own session, group niced (as up starts it)', plain: 'own session, group not niced (up before)', shared: "in the bench's session" };

/** --keyword-only: PostgreSQL's leg alone (no Weaviate is started or filled; the API answers keyword mode). */
const MODE = args['keyword-only'] ? 'keyword' : 'hybrid';
const RECORDS_PER_SESSION = 15; // about what a session of this corpus writes (observations + 2 summaries)
const CHUNK = 1000;

interface State {
  tenantId: string;
  key: string;
  run: string;
  sessions: number;
  /** When the first fill began: every session is dated back from it. */
  now?: number;
}

interface Question {
  text: string;
  project: string | undefined;
  /** Evidence sessions (agent session ids) and, for the pile's questions, evidence turns. */
  sessions: string[];
  turns?: string[];
  marks?: string[];
  kind: string;
}

interface Timed {
  server: number;
  client: number;
  phases: Record<string, number>;
  hits: { id: string; sessionId: string | null }[];
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
const fmt = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return `${percentile(s, 50).toFixed(1)} / ${percentile(s, 95).toFixed(1)} / ${percentile(s, 99).toFixed(1)}`;
};

async function search(url: string, key: string, q: string, project: string | undefined): Promise<Timed> {
  const t0 = performance.now();
  const { res, body } = await searchFetch<{ results: { id: string; sessionId: string | null }[] }>(url, key, { q, mode: MODE, limit: '10', ...(project ? { project } : {}) });
  const client = performance.now() - t0;
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(body)}`);
  if (body.degraded) throw new Error(`search answered degraded (${body.degradedReason})`);
  const phases = serverPhases(res.headers.get('server-timing'));
  return { server: phases.total ?? NaN, client, phases, hits: body.results };
}

/** Questions about other projects' sessions: a request reworded, or a file and what was done there. */
function otherQuestions(planned: PlannedSession[], run: string, n: number): Question[] {
  const rnd = seeded(48);
  const others = planned.filter((p) => p.project !== PILE);
  const out: Question[] = [];
  while (out.length < n && others.length > 0) {
    const p = others[Math.floor(rnd() * others.length)]!;
    const s = p.build();
    const t = s.turns[Math.floor(rnd() * s.turns.length)]!;
    const subject = s.kind === 'conversation' ? /"(.*)"\?$/.exec(t.prompt)?.[1] : t.prompt.replace(/^(Can you |Please |Next task: )/, '').replace(/( — the tests should still pass)?[.?]$/, '');
    if (!subject) continue;
    const file = t.files[0]!.split('/').pop()!;
    const text = rnd() < 0.7 ? PARAPHRASE_FORMS[Math.floor(rnd() * PARAPHRASE_FORMS.length)]!(paraphrase(subject, rnd)) : `What did we do in ${file} about ${paraphrase(subject, rnd).split(' ').slice(0, 4).join(' ')}?`;
    out.push({ text, project: p.project, sessions: [agentSessionIdOf(run, p.key)], kind: 'other' });
  }
  return out;
}

function pileQuestions(corpus: HistoryCorpus, run: string, split: string): Question[] {
  const byKey = new Map(corpus.sessions.map((s) => [s.key, s]));
  return corpus.questions
    .filter((q: HistoryQuestion) => split === 'all' || q.split === split)
    .map((q) => ({
      text: q.text,
      project: PILE,
      kind: q.kind,
      sessions: [...new Set(q.evidence.map((e) => agentSessionIdOf(run, e.session)))],
      turns: q.evidence.map((e) => `${agentSessionIdOf(run, e.session)}#${e.turn}`),
      marks: q.evidence.flatMap((e) => {
        const t = byKey.get(e.session)!.turns[e.turn]!;
        return [norm(t.prompt).slice(0, 60), norm(t.answer).slice(0, 60)];
      }),
    }));
}

/** A pool that keeps the statements it ran and their times (for --explain). */
function recordingPool(pool: PgPool, log: { sql: string; values: unknown[]; ms: number }[]): PgPool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (q: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
        const t0 = performance.now();
        const r = await (target.query as (a: unknown, b?: unknown) => Promise<unknown>)(q, values);
        log.push({ sql: typeof q === 'string' ? q : q.text, values: (typeof q === 'string' ? values : q.values) ?? [], ms: performance.now() - t0 });
        return r;
      };
    },
  });
}

async function main(): Promise<void> {
  const sizes = args.sizes.split(',').map(Number).sort((a, b) => a - b);
  const maxSize = sizes.at(-1)!;
  const pileSessions = Number(args['pile-sessions']);
  const corpus = JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench/data/retrieval-history.json'), 'utf8')) as HistoryCorpus;
  console.log('[bench] reading the repositories');
  const repos = SCALE_SOURCES.map((src) => repoCommits(args.mirrors, STATE_DIR, src));
  console.log(`[bench] ${repos.map((r) => `${r.name} ${r.commits.length}`).join(', ')} commits`);
  // The pile's share of the filler, so it holds pileSessions sessions at the largest size.
  // --pile-at: the size the pile's share is planned for (the largest size unless given; the same
  // value every time one fill is grown or measured again, or its sessions are planned differently).
  const fillerAtMax = Number(args['pile-at'] ?? maxSize) / RECORDS_PER_SESSION - corpus.sessions.length;
  const plan = scalePlan(repos, corpus, Math.min(1, (pileSessions - corpus.sessions.length) / fillerAtMax));

  const fillOnly = args['fill-only'];
  // --fill-only: PostgreSQL alone (the stack's database, migrated), before Weaviate is needed.
  const db = fillOnly ? await openDatabase() : undefined;
  const bench = db ? undefined : args['keyword-only'] ? await openKeywordBench() : await openSearchBench();
  const { prisma, pool } = db ?? bench!;
  try {
    const reused = args.reuse && fs.existsSync(STATE) ? (JSON.parse(fs.readFileSync(STATE, 'utf8')) as State) : undefined;
    const state: State = reused ?? { ...(await benchTenant(prisma, 'bench-search-scale')), run: Date.now().toString(36), sessions: 0 };
    const projectIds = new Map<string, string>();
    const ensureProjects = async (planned: PlannedSession[]) => {
      for (const p of planned) {
        if (projectIds.has(p.project)) continue;
        const row = await prisma.project.upsert({ where: { tenantId_name: { tenantId: state.tenantId, name: p.project } }, create: { tenantId: state.tenantId, name: p.project }, update: {} });
        projectIds.set(p.project, row.id);
      }
    };
    const count = async () => {
      const { rows } = await pool.query<{ n: string }>(
        `select (select count(*) from observations where tenant_id = $1) + (select count(*) from summaries where tenant_id = $1) + (select count(*) from learnings where tenant_id = $1) as n`,
        [state.tenantId],
      );
      return Number(rows[0]!.n);
    };
    // Sessions are dated back from the first fill's start, so a later run adds to the same timeline.
    state.now ??= Date.now();
    const now = state.now;
    for (const size of sizes) {
      let records = await count();
      const t0 = performance.now();
      while (records < size) {
        const want = Math.min(CHUNK, Math.max(50, Math.ceil((size - records) / RECORDS_PER_SESSION)));
        const planned = plan(state.sessions + want).slice(state.sessions);
        await ensureProjects(planned);
        records += await writeSessions(pool, state.tenantId, projectIds, state.run, planned, now);
        state.sessions += planned.length;
        fs.mkdirSync(STATE_DIR, { recursive: true });
        fs.writeFileSync(STATE, JSON.stringify(state));
        process.stdout.write(`\r[bench] ${records} records, ${state.sessions} sessions (${((performance.now() - t0) / 1000).toFixed(0)} s)   `);
      }
      const pgS = (performance.now() - t0) / 1000;
      if (pgS > 1) await pool.query('vacuum analyze observations, summaries, learnings, prompts, sessions');
      console.log(`\n[bench] ${size}: PostgreSQL written in ${pgS.toFixed(1)} s`);
      if (!bench) continue;
      const { config } = bench;
      const vectors = createVectorActivities({ prisma, config });
      const fill = MODE === 'keyword' ? undefined : await timedFill(bench.profile, () => fillWeaviate(vectors, state.tenantId, config));
      // The vector index's search settings (memflow's, or with --hnsw-defaults Weaviate's own, to
      // compare over one fill); set on the live collections, the next schema check sets memflow's back.
      // --hnsw '{"flatSearchCutoff":200000}': settings to try, merged over memflow's.
      const hnsw = args['hnsw-defaults'] ? WEAVIATE_HNSW_SEARCH_DEFAULTS : args.hnsw ? { ...HNSW_SEARCH, ...(JSON.parse(args.hnsw) as Partial<typeof HNSW_SEARCH>) } : HNSW_SEARCH;
      if (MODE !== 'keyword') {
        const client = await connectWeaviate(config);
        try {
          for (const type of RECORD_TYPES) await setHnswSearch(client, COLLECTIONS[type], hnsw);
        } finally {
          await client.close();
        }
      }
      await bench.restartApi();
      const all = plan(state.sessions);
      await ensureProjects(all);
      const { rows: projects } = await pool.query<{ name: string; n: string }>(
        `select p.name, count(*) as n from observations o join projects p on p.id = o.project_id where o.tenant_id = $1 group by p.name order by n desc`,
        [state.tenantId],
      );
      const pileRecords = Number(projects.find((p) => p.name === PILE)?.n ?? 0);
      const { rows: pileN } = await pool.query<{ n: string; s: string }>(
        `select (select count(*) from sessions s join projects p on p.id = s.project_id where s.tenant_id = $1 and p.name = $2) as n,
                (select count(*) from summaries s join projects p on p.id = s.project_id where s.tenant_id = $1 and p.name = $2) as s`,
        [state.tenantId, PILE],
      );
      const rows: [string, string][] = [
        [`records in the tenant (projects)`, `${records} (${projects.length})`],
        ['largest projects (observations)', projects.slice(0, 3).map((p) => `${p.name} ${p.n}`).join(', ')],
        [`project pile: sessions / records`, `${pileN[0]!.n} / ${pileRecords + Number(pileN[0]!.s)}`],
        ['write into PostgreSQL (s)', pgS.toFixed(1)],
        ['embed + upsert into Weaviate', fill ? fillSummary(fill) : 'not filled (--keyword-only)'],
        ['HNSW search settings', `${JSON.stringify(hnsw)}${args['hnsw-defaults'] ? " (Weaviate's defaults)" : ''}`],
      ];

      // Questions: the pile's (evidence known), other projects' (their session), and tenant-wide.
      const pileQs = pileQuestions(corpus, state.run, args.split);
      const otherQs = otherQuestions(all, state.run, Number(args.queries));
      const rnd = seeded(7);
      const latencyQs = [...otherQs.slice(0, Math.round((Number(args.queries) * 2) / 3)), ...pileQs.filter(() => rnd() < 0.2).slice(0, Math.round(Number(args.queries) / 3))];
      const tenantQs = otherQs.slice(0, Number(args['tenant-queries'])).map((q) => ({ ...q, project: undefined }));
      const url = bench.api.url;
      for (const q of [...latencyQs.slice(0, 30), ...tenantQs.slice(0, 10)]) await search(url, state.key, q.text, q.project); // warm-up
      const loadBefore = loadAverage();
      const scoped: Timed[] = [];
      for (const q of latencyQs) scoped.push(await search(url, state.key, q.text, q.project));
      const wide: Timed[] = [];
      for (const q of tenantQs) wide.push(await search(url, state.key, q.text, undefined));
      rows.push([`load average before / after the timed searches`, `${loadBefore} / ${loadAverage()}`]);
      rows.push([`${MODE} p50 / p95 / p99, server (ms), in its project (${scoped.length} q)`, fmt(scoped.map((t) => t.server))]);
      rows.push([`  same, client round trip (ms)`, fmt(scoped.map((t) => t.client))]);
      for (const phase of ['keyword', 'vector', 'window', 'hydrate', 'turns']) {
        const xs = scoped.map((t) => t.phases[phase]).filter((x): x is number => x !== undefined);
        if (xs.length) rows.push([`  ${phase} p50 / p95 / p99 (ms, n=${xs.length})`, fmt(xs)]);
      }
      const pileTimes = scoped.slice(latencyQs.length - latencyQs.filter((q) => q.project === PILE).length);
      rows.push([`  of which project pile (${pileTimes.length} q)`, fmt(pileTimes.map((t) => t.server))]);
      rows.push([`${MODE} p50 / p95 / p99, server (ms), whole tenant (${wide.length} q)`, fmt(wide.map((t) => t.server))]);
      const otherHit = otherQs.slice(0, Math.round((Number(args.queries) * 2) / 3)).map((q, i) => scoped[i]!.hits.some((h) => h.sessionId !== null && q.sessions.includes(h.sessionId)));
      rows.push([`other projects' questions: own session any@10 (${otherHit.length} q)`, (otherHit.filter(Boolean).length / otherHit.length).toFixed(3)]);
      if (Number(args.busy) > 0 && MODE !== 'keyword') rows.push(...(await quietAndBusy(bench, state, corpus, Number(args.busy), latencyQs, busyGroups())));

      if (!args['no-recall']) {
        const { rows: obs } = await pool.query<{ id: string; agent_session_id: string; kind: string }>(
          `select o.id, s.agent_session_id, o.kind from observations o join sessions s on s.id = o.session_id
            where o.tenant_id = $1 and o.project_id = $2 order by s.agent_session_id, o.sequence`,
          [state.tenantId, projectIds.get(PILE)],
        );
        const turnOf = new Map<string, string>();
        let prev = '';
        let turn = -1;
        for (const o of obs) {
          if (o.agent_session_id !== prev) [prev, turn] = [o.agent_session_id, -1];
          if (o.kind === 'prompt') turn++;
          turnOf.set(o.id, `${o.agent_session_id}#${Math.max(0, turn)}`);
        }
        const byKind = new Map<string, { any10: boolean; all5: boolean; turn10: boolean }[]>();
        const pileTimes2: number[] = [];
        for (const q of pileQs) {
          const t = await search(url, state.key, q.text, PILE);
          pileTimes2.push(t.server);
          const hits = t.hits.slice(0, 10);
          const top5 = new Set(hits.slice(0, 5).map((h) => h.sessionId));
          let turn10 = hits.some((h) => q.turns!.includes(turnOf.get(h.id) ?? ''));
          if (!turn10) {
            const { rows: texts } = await pool.query<{ text: string }>(
              `select title || ' ' || text as text from observations where id = any($1::uuid[]) union all select title || ' ' || text from summaries where id = any($1::uuid[])`,
              [hits.map((h) => h.id)],
            );
            turn10 = texts.some((r) => q.marks!.some((m) => norm(r.text).includes(m)));
          }
          const o = { any10: hits.some((h) => h.sessionId !== null && q.sessions.includes(h.sessionId)), all5: q.sessions.every((s) => top5.has(s)), turn10 };
          for (const k of ['all', q.kind]) byKind.set(k, [...(byKind.get(k) ?? []), o]);
        }
        const share = (xs: boolean[]) => (xs.filter(Boolean).length / Math.max(1, xs.length)).toFixed(3);
        for (const [kind, outs] of byKind) {
          rows.push([`pile, ${args.split} split, ${kind} (${outs.length} q): any@10 / all@5 / turn@10`, `${share(outs.map((o) => o.any10))} / ${share(outs.map((o) => o.all5))} / ${share(outs.map((o) => o.turn10))}`]);
        }
        rows.push([`pile questions p50 / p95 / p99, server (ms)`, fmt(pileTimes2)]);
      }
      rows.push(['answers asked again because they came degraded (vector leg over 1.5 s)', String(degradedRetries.count)]);
      printTable(`search at scale: ${records} records, ${state.sessions} sessions, one tenant; ${MODE}, top 10, HTTP API, sequential; load average now ${loadAverage()}`, rows);

      const explain = Number(args.explain);
      if (explain > 0) {
        const log: { sql: string; values: unknown[]; ms: number }[] = [];
        const service = createSearchService({ pool: recordingPool(pool, log), vectors: createVectorBackend(config) });
        const slowest = latencyQs.map((q, i) => ({ q, t: scoped[i]! })).sort((a, b) => b.t.server - a.t.server).slice(0, explain);
        for (const { q, t } of slowest) {
          log.length = 0;
          await service.search({ tenantId: state.tenantId, query: q.text, mode: MODE, types: RECORD_TYPES, limit: 10, ...(q.project ? { project: q.project } : {}) });
          const worst = [...log].sort((a, b) => b.ms - a.ms)[0]!;
          console.log(`\n--- ${t.server.toFixed(1)} ms over HTTP (${JSON.stringify(t.phases)}): "${q.text}" [${q.project}]; slowest statement ${worst.ms.toFixed(1)} ms`);
          const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${worst.sql}`, worst.values);
          console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
        }
      }
    }
  } finally {
    await (bench ?? db)!.close();
  }
}

/**
 * --busy n: the scoped searches timed quiet and with memflow's worker summarizing beside the API, in
 * one run. n sessions of bench:retrieval-history are replayed through the hook API (project
 * `busy-<run>`) while no worker runs, so their workflows wait in Temporal; then, alternating: the
 * searches with no worker (quiet), the worker started on that backlog (niced, as `npm run up`
 * starts it) and the searches again while it works (busy), the worker stopped — twice. Each block
 * says the load average, the cores the worker used and the sessions it closed meanwhile.
 */
async function quietAndBusy(bench: SearchBench, state: State, corpus: HistoryCorpus, n: number, qs: Question[], groups: WorkerGroup[]): Promise<[string, string][]> {
  const project = `busy-${Date.now().toString(36)}`;
  const base = new URL(bench.api.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const queue = Array.from({ length: n }, (_, i) => ({ s: corpus.sessions[i % corpus.sessions.length]!, i }));
  const t0 = performance.now();
  const replay = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const sid = crypto.randomUUID();
      const start = Date.now() - item.s.daysAgo * 86_400_000;
      for (const [j, d] of deliveries(item.s, sid).entries()) {
        const r = await post(agent, base, `/v1/hooks/${d.event}`, state.key, d.body, { 'x-memflow-project': project, 'x-memflow-occurred-at': new Date(start + j * 20_000).toISOString(), 'idempotency-key': crypto.randomUUID() });
        if (r.status >= 300) throw new Error(`${d.event} answered ${r.status}: ${r.text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, replay));
  agent.destroy();
  console.log(`[bench] --busy: ${n} sessions replayed into ${project} in ${((performance.now() - t0) / 1000).toFixed(1)} s (no worker running)`);
  const closed = async () => {
    const { rows } = await bench.pool.query<{ n: string }>(
      `select count(*) as n from sessions s join projects p on p.id = s.project_id where s.tenant_id = $1 and p.name = $2 and s.status in ('completed', 'failed')`,
      [state.tenantId, project],
    );
    return Number(rows[0]!.n);
  };
  const env = stackEnv(bench.profile);
  const rows: [string, string][] = [];
  const block = async (label: string, busy: WorkerGroup | undefined) => {
    const worker = busy ? spawnEntry('workers/main.ts', { ...env, MEMFLOW_LOG_LEVEL: 'error' }, busy) : undefined;
    try {
      // The worker at work: its first session of the backlog closed (or 60 s).
      const before = await closed();
      for (const deadline = Date.now() + 60_000; worker && (await closed()) === before && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 500));
      const cpu0 = worker?.pid ? cpuSecondsOf(worker.pid) : undefined;
      const closed0 = await closed();
      const load0 = loadAverage();
      const w0 = performance.now();
      const roles = sampleRoleCpu(500);
      const timed: Timed[] = [];
      for (const q of qs) timed.push(await search(bench.api.url, state.key, q.text, q.project));
      const seconds = (performance.now() - w0) / 1000;
      const used = roles.mark();
      roles.stop();
      const cpu1 = worker?.pid ? cpuSecondsOf(worker.pid) : undefined;
      const worked = cpu0 !== undefined && cpu1 !== undefined ? ((cpu1 - cpu0) / seconds).toFixed(2) : '-';
      rows.push([`${label}: ${MODE} p50 / p95 / p99, server (ms), in its project (${qs.length} q)`, fmt(timed.map((t) => t.server))]);
      // Which leg the worker's company slows (a leg in Weaviate, a leg or the hydration in PostgreSQL), and who held the cores meanwhile.
      const legs = ['keyword', 'vector', 'hydrate'].map((phase) => [phase, timed.map((t) => t.phases[phase]).filter((x): x is number => x !== undefined)] as const).filter(([, xs]) => xs.length > 0);
      rows.push([`  ${legs.map(([phase]) => phase).join(' / ')} p95 (ms)`, legs.map(([, xs]) => percentile([...xs].sort((a, b) => a - b), 95).toFixed(1)).join(' / ')]);
      rows.push([`  cores used by role during the block`, ROLES.filter((r) => used[r] / seconds >= 0.01).map((r) => `${r} ${(used[r] / seconds).toFixed(2)}`).join(', ')]);
      rows.push([`  load average before / after; worker cores busy; backlog sessions closed during / done`, `${load0} / ${loadAverage()}; ${worked}; ${(await closed()) - closed0} / ${await closed()} of ${n}`]);
    } finally {
      if (worker) await stopChild(worker);
    }
  };
  for (const round of ['', ' again']) {
    await block(`quiet${round} (no worker)`, undefined);
    for (const group of groups) await block(`worker summarizing${round}${groups.length > 1 ? `, ${GROUP_LABEL[group]}` : ''}`, group);
  }
  return rows;
}

/** --keyword-only: the test profile's database and memflow's API, without Temporal or Weaviate started. */
async function openKeywordBench(): Promise<SearchBench> {
  const db = await openDatabase();
  const profile = await chooseTestProfile(() => undefined);
  const stack = { env: stackEnv(profile), profile, stop: async () => undefined };
  const running = await restartableApi(stack);
  return {
    ...db,
    config: parseConfig({ ...process.env, ...stack.env }),
    profile,
    api: running.api,
    restartApi: running.restartApi,
    async close() {
      await running.stop();
      await db.close();
    },
  };
}

/** The test profile's database alone (created and migrated as the stack does). */
async function openDatabase(): Promise<{ prisma: PrismaClient; pool: PgPool; close(): Promise<void> }> {
  const profile = await chooseTestProfile((l) => console.log(`[stack] ${l}`));
  const url = stackEnv(profile).DATABASE_URL;
  await ensureDatabase(url);
  await applyMigrations(url, { log: (l) => console.log(`[stack] postgres: ${l}`) });
  const prisma = createPrisma(url);
  const pool = createPgPool(url, 4);
  return {
    prisma,
    pool,
    async close() {
      await pool.end();
      await prisma.$disconnect();
    },
  };
}

main().catch((err: Error) => {
  console.error(`bench:search-scale: ${err.stack ?? err.message}`);
  process.exit(1);
});
