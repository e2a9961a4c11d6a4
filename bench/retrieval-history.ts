/**
 * `npm run bench:retrieval-history`: does search find the evidence in long multi-session histories?
 *
 * The corpus (bench/data/retrieval-history.json, built by bench/retrieval-history-corpus.ts from
 * real repositories' git histories and committed before any tuning) is replayed as Claude Code
 * sessions through the real hook API (POST /v1/hooks/*, X-Memflow-Occurred-At giving each session
 * its day) into the real stack: memflow's API and worker as their own processes on the test
 * profile's Temporal, Weaviate and PostgreSQL, the offline summarizer and the default embedder.
 * Once every session is summarized and its vectors are synced, each question of the chosen split
 * is asked with GET /v1/search (the history's project, top 10) and scored:
 * - session any@10: a result of an evidence session within the first ten;
 * - strict all@5: every evidence session within the first five;
 * - evidence turn @10: within the first ten, a record of an evidence turn (its prompt, tool calls or
 *   answer), or a record whose full text holds the turn's prompt or answer;
 * - the server's time per search (Server-Timing total), p50 / p95.
 *
 *   npm run bench:retrieval-history -- --split test [--modes hybrid,keyword] [--limit-questions 400]
 *   npm run bench:retrieval-history -- --reuse      ask again over the last replay (its tenant, key and run kept in .memflow/)
 *   npm run bench:retrieval-history -- --build      rewrite the corpus from the mirrors (not after tuning began)
 *   npm run bench:retrieval-history -- --corpus conversation --modes keyword,semantic,hybrid
 *       the conversational corpus (bench/retrieval-conversation-corpus.ts: 56 sessions retelling real
 *       public issue threads, questions in other words than the turns that answer them)
 *
 * A hit's `turns` (the best-matching turns of its session that the answer carries, issue 66) count
 * for evidence turn @10; "turn @10, records only" counts the page's own records alone.
 *
 * It runs on the test profile's stack (MEMFLOW_TEST_PORT_SHIFT moves its ports and database).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../infra/profile.js';
import { degradedRetries, percentile, printColumns, searchFetch, startBenchServices } from './lib.js';
import { post } from './ingest-http.js';
import { loadAverage } from './proc-cpu.js';
import { buildHistoryCorpus, deliveries, type HistoryCorpus, type HistoryQuestion, type QuestionKind } from './retrieval-history-corpus.js';
import { buildConversationCorpus } from './retrieval-conversation-corpus.js';

const CORPUS = path.join(repoRoot, 'bench/data/retrieval-history.json');
/** The last replay (tenant, key, run id): --reuse asks again over it, the API restarted with the code as it is now. */
const DAY_MS = 86_400_000;

const { values: args } = parseArgs({
  options: {
    build: { type: 'boolean', default: false },
    split: { type: 'string', default: 'test' },
    modes: { type: 'string', default: 'hybrid' },
    'limit-questions': { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    misses: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    corpus: { type: 'string', default: 'code' },
  },
});
if (!['code', 'conversation'].includes(args.corpus)) throw new Error('--corpus is code or conversation');
const STATE = path.join(process.env.MEMFLOW_STATE_DIR ?? path.join(repoRoot, '.memflow'), `retrieval-history-${args.corpus === 'code' ? '' : `${args.corpus}-`}${process.env.MEMFLOW_TEST_PORT_SHIFT ?? '0'}.json`);

const uuidOf = (s: string) => {
  const h = crypto.createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

interface Hit {
  id: string;
  type: string;
  sessionId: string | null;
  turns?: { id: string }[];
}

interface Outcome {
  q: HistoryQuestion;
  any10: boolean;
  all5: boolean;
  turn10: boolean;
  /** Evidence turn within the page's own records, not counting the turns a hit carries. */
  record10: boolean;
  serverMs: number;
  /** Each evidence session's first place on the page (1-based), '-' when absent; the first ten places' sessions and record types (for --misses). */
  places: string;
  /** Server-Timing phases (keyword, vector, hydrate, turns, ...), ms. */
  phases: Record<string, number>;
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
const mean = (xs: boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : NaN);

async function main(): Promise<void> {
  if (args.build) {
    const corpus = buildHistoryCorpus((repo) => `/work/.mirror/${repo.replace('/', '+')}/repo`);
    fs.mkdirSync(path.dirname(CORPUS), { recursive: true });
    fs.writeFileSync(CORPUS, JSON.stringify(corpus));
    console.log(`wrote ${CORPUS}: ${corpus.sessions.length} sessions, ${corpus.questions.length} questions`);
    return;
  }
  const corpus = args.corpus === 'conversation' ? buildConversationCorpus() : (JSON.parse(fs.readFileSync(CORPUS, 'utf8')) as HistoryCorpus);
  const modes = args.modes.split(',');
  let questions = corpus.questions.filter((q) => args.split === 'all' || q.split === args.split);
  if (args['limit-questions']) questions = questions.slice(0, Number(args['limit-questions']));

  const services = await startBenchServices('bench-retrieval-history');
  const { api } = services;
  const reused = args.reuse && fs.existsSync(STATE) ? (JSON.parse(fs.readFileSync(STATE, 'utf8')) as { tenant: { tenantId: string; key: string }; run: string }) : undefined;
  const tenant = reused?.tenant ?? services.tenant;
  // The bench's own reads of the database (progress, evidence turns, full texts), through the services' Prisma.
  const pool = { query: async <T>(sql: string, params: unknown[]) => ({ rows: await services.prisma.$queryRawUnsafe<T[]>(sql, ...params) }) };
  try {
    const base = new URL(api.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const run = reused?.run ?? crypto.randomBytes(4).toString('hex');
    const sid = (key: string) => uuidOf(`${run}:${key}`);
    const now = Date.now();
    const t0 = performance.now();
    const queue = reused ? [] : [...corpus.sessions];
    let events = 0;
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const start = now - s.daysAgo * DAY_MS;
        const list = deliveries(s, sid(s.key));
        for (const [i, d] of list.entries()) {
          const at = new Date(start + i * 20_000).toISOString();
          const r = await post(agent, base, `/v1/hooks/${d.event}`, tenant.key, d.body, { 'x-memflow-project': `rh-${s.history}`, 'x-memflow-occurred-at': at, 'idempotency-key': crypto.randomUUID() });
          if (r.status >= 300) throw new Error(`${d.event} answered ${r.status}: ${r.text.slice(0, 300)}`);
          events++;
        }
      }
    };
    await Promise.all(Array.from({ length: Number(args.concurrency) }, worker));
    console.log(`[bench] replayed ${corpus.sessions.length} sessions (${events} hook events) in ${((performance.now() - t0) / 1000).toFixed(1)}s; waiting for the worker`);

    // Every session summarized and every vector synced.
    for (;;) {
      const { rows } = await pool.query<{ done: string; pending: string }>(
        `select (select count(*) from sessions where tenant_id = $1 and status in ('completed', 'failed')) as done,
                (select count(*) from vector_sync_states where tenant_id = $1 and status <> 'synced') as pending`,
        [tenant.tenantId],
      );
      const done = Number(rows[0]!.done);
      const pending = Number(rows[0]!.pending);
      if (done >= corpus.sessions.length && pending === 0) break;
      process.stdout.write(`\r[bench] sessions done ${done}/${corpus.sessions.length}, vectors pending ${pending}   `);
      await new Promise((r) => setTimeout(r, 3000));
    }
    console.log(`\n[bench] processed in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    if (!reused) fs.writeFileSync(STATE, JSON.stringify({ tenant, run }));

    // Evidence turns -> observation ids: a turn is its prompt and what follows up to the next prompt.
    const { rows: obs } = await pool.query<{ id: string; agent_session_id: string; kind: string }>(
      `select o.id, s.agent_session_id, o.kind from observations o join sessions s on s.id = o.session_id where o.tenant_id = $1 order by s.agent_session_id, o.sequence`,
      [tenant.tenantId],
    );
    const turnOf = new Map<string, string>();
    let prev = '';
    let turn = -1;
    for (const o of obs) {
      if (o.agent_session_id !== prev) {
        prev = o.agent_session_id;
        turn = -1;
      }
      if (o.kind === 'prompt') turn++;
      turnOf.set(o.id, `${o.agent_session_id}#${Math.max(0, turn)}`);
    }
    const sessionByKey = new Map(corpus.sessions.map((s) => [s.key, s]));
    const keyOf = new Map(corpus.sessions.map((s) => [sid(s.key), s.key]));

    async function fullText(ids: string[]): Promise<Map<string, string>> {
      const { rows } = await pool.query<{ id: string; text: string }>(
        `select id, title || ' ' || text as text from observations where id = any($1::uuid[])
         union all select id, title || ' ' || text from summaries where id = any($1::uuid[])
         union all select id, title || ' ' || body from learnings where id = any($1::uuid[])`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, norm(r.text)]));
    }

    async function ask(q: HistoryQuestion, mode: string): Promise<Outcome> {
      const { res, body } = await searchFetch<{ results: Hit[] }>(api.url, tenant.key, { q: q.text, mode, limit: '10', project: `rh-${q.history}` });
      if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(body)}`);
      if (body.degraded && mode !== 'keyword') throw new Error(`search answered degraded (${body.degradedReason})`);
      const timing = res.headers.get('server-timing') ?? '';
      const serverMs = Number(/total;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
      const phases = Object.fromEntries([...timing.matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])]));
      const hits = body.results.slice(0, 10);
      const evSessions = new Set(q.evidence.map((e) => sid(e.session)));
      const evTurns = new Set(q.evidence.map((e) => `${sid(e.session)}#${e.turn}`));
      const top5 = new Set(hits.slice(0, 5).map((h) => h.sessionId));
      const marks = q.evidence.flatMap((e) => {
        const t = sessionByKey.get(e.session)!.turns[e.turn]!;
        return [norm(t.prompt).slice(0, 60), norm(t.answer).slice(0, 60)];
      });
      const holdsEvidence = async (ids: string[]) => {
        if (ids.some((id) => evTurns.has(turnOf.get(id) ?? ''))) return true;
        const texts = await fullText(ids);
        return ids.some((id) => marks.some((m) => texts.get(id)?.includes(m)));
      };
      const record10 = await holdsEvidence(hits.map((h) => h.id));
      const turn10 = record10 || (await holdsEvidence(hits.flatMap((h) => (h.turns ?? []).map((t) => t.id))));
      const place = (s: string) => hits.findIndex((h) => h.sessionId === s) + 1 || '-';
      // Where the evidence turn stands among its session's turns (0-based) for each hit of that session: its own record, or its carried turns.
      const carried = hits
        .filter((h) => evSessions.has(h.sessionId ?? ''))
        .map((h) => `${h.type}: ${[h.id, ...(h.turns ?? []).map((t) => t.id)].map((id) => turnOf.get(id)?.split('#')[1] ?? '?').join('/')}`)
        .join('; ');
      const places = `evidence at ${q.evidence.map((e) => `${e.session} ${place(sid(e.session))}#${e.turn}`).join(', ')}${carried ? ` (its hits' record/carried turns: ${carried})` : ''}; top 10: ${hits.slice(0, 10).map((h) => `${keyOf.get(h.sessionId ?? '') ?? '-'} (${h.type})`).join(', ')}`;
      return { q, any10: hits.some((h) => h.sessionId !== null && evSessions.has(h.sessionId)), all5: [...evSessions].every((s) => top5.has(s)), turn10, record10, serverMs, phases, places };
    }

    for (const q of questions.slice(0, 20)) await ask(q, modes[0]!); // warm-up
    const results: Record<string, Outcome[]> = {};
    for (const mode of modes) {
      results[mode] = [];
      for (const q of questions) results[mode].push(await ask(q, mode));
    }
    const kinds: (QuestionKind | 'all')[] = ['all', 'paraphrase', 'reason', 'file', 'temporal', 'conversational', 'rule', 'multi'];
    const rows: [string, string[]][] = [];
    for (const kind of kinds) {
      const keep = (o: Outcome) => kind === 'all' || o.q.kind === kind;
      const n = results[modes[0]!]!.filter(keep).length;
      if (n === 0) continue;
      rows.push([`${kind} (${n} q) session any@10`, modes.map((m) => mean(results[m]!.filter(keep).map((o) => o.any10)).toFixed(3))]);
      rows.push([`${kind} (${n} q) strict all@5`, modes.map((m) => mean(results[m]!.filter(keep).map((o) => o.all5)).toFixed(3))]);
      rows.push([`${kind} (${n} q) evidence turn @10`, modes.map((m) => mean(results[m]!.filter(keep).map((o) => o.turn10)).toFixed(3))]);
      rows.push([`${kind} (${n} q) turn @10, records only`, modes.map((m) => mean(results[m]!.filter(keep).map((o) => o.record10)).toFixed(3))]);
    }
    for (const p of [50, 95]) rows.push([`search p${p}, server (ms)`, modes.map((m) => percentile(results[m]!.map((o) => o.serverMs).sort((a, b) => a - b), p).toFixed(1))]);
    // Where the time went: each phase the server timed (carrying turns is `turns`), p50 / p95.
    for (const phase of ['keyword', 'vector', 'hydrate', 'turns']) {
      const of = (m: string) => results[m]!.map((o) => o.phases[phase]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      if (modes.some((m) => of(m).length > 0)) rows.push([`  ${phase} phase p50 / p95 (ms)`, modes.map((m) => (of(m).length ? `${percentile(of(m), 50).toFixed(1)} / ${percentile(of(m), 95).toFixed(1)}` : '-'))]);
    }
    const { rows: n } = await pool.query<{ n: string }>(
      `select (select count(*) from observations where tenant_id = $1) + (select count(*) from summaries where tenant_id = $1) + (select count(*) from learnings where tenant_id = $1) as n`,
      [tenant.tenantId],
    );
    printColumns(`retrieval over long histories: split ${args.split}, ${questions.length} questions, ${corpus.sessions.length} sessions, ${n[0]!.n} records; load average ${loadAverage()}`, modes, rows);
    console.log(`answers asked again because they came degraded (vector leg over 1.5 s): ${degradedRetries.count}`);
    // --misses: every question of the first mode that missed a metric, with where its evidence stood (tune on the dev split only).
    if (args.misses) for (const o of results[modes[0]!]!) if (!o.any10 || !o.all5 || !o.turn10) console.log(`miss [${o.q.kind}]${o.any10 ? '' : ' any@10'}${o.all5 ? '' : ' all@5'}${o.turn10 ? '' : ' turn@10'} ${o.q.id}: ${o.q.text}\n    ${o.places}`);
    agent.destroy();
  } finally {
    await services.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:retrieval-history: ${err.stack ?? err.message}`);
  process.exit(1);
});
