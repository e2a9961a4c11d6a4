/**
 * npm run bench:uptake — does uptake-aware ranking hand agents less context they do not use,
 * without losing what they need?
 *
 * Scripted sessions from a real repository's history (bench/uptake-corpus.ts: this checkout's own
 * history up to a pinned commit; each commit one session, its files the agent's edits, its message
 * the learning it leaves). Each session, on the test stack's PostgreSQL (nothing else is needed):
 *
 *   1. starts: the real start context (buildContext: the candidates SQL, ranking, tiktoken budget of
 *      1500) and its injection receipt (writeReceipt), as the SessionStart hook does;
 *   2. works: its prompt, one Edit per changed file and a final answer are stored as observations;
 *   3. closes: the real uptake measurement (measureSessionUptake, what the session workflow's
 *      activity runs) judges each item it received;
 *   4. leaves its learning for the sessions after it.
 *
 * Two projects run the same sessions: ranking as today (uptake ignored) and uptake-aware. The last
 * quarter of the sessions is held out: they are served with what the first three quarters taught
 * (their own uptake is measured only after all of them were served), and the table reports them:
 * injected tokens, injected-but-unused tokens, and recall of the relevant learnings (those citing a
 * file the session changed).
 *
 *   npm run bench:uptake [-- --sessions 408 --rev de2f019 --repo . --budget 1500]
 *   npm run bench:uptake -- --repo /tmp/hono --rev 28a9c128…   another repository's clone (docs/receipts.md)
 *   npm run bench:uptake -- --push-start-budget 300 --file-push   a third arm: a smaller start context, then the
 *                                                                  prompt's push and each file's push (PreToolUse)
 *
 * It also prints each arm's start-context time (buildContext, every session: p50/p95/p99). With
 * UPTAKE_BENCH_REASONS=1 it prints the held-out servings by reason group; with UPTAKE_BENCH_MISSES=1,
 * where the relevant learnings one arm injected and the other did not went instead.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildContext, type ServedItem } from '../api/context/start-context.js';
import { buildPromptPush } from '../api/context/prompt-push.js';
import { buildFilePush, FILE_PUSH_TOKENS } from '../api/context/file-push.js';
import { readCandidates } from '../api/context/context-candidates.js';
import { measureSessionUptake, readUptakeStats, writeReceipt } from '../common/server/context-receipts.js';
import { countTokens } from '../common/rules/tokens.js';
import { createPgPool, type PgPool } from '../common/server/pg.js';
import { ensureDatabase } from '../prisma/database-connect.js';
import { applyMigrations } from '../prisma/migrate.js';
import { repoRoot } from '../infra/profile.js';
import { chooseTestProfile, stackEnv } from '../infra/stack.js';
import { ensurePrismaClient } from '../infra/prisma-generate.js';
import { loadAverage } from './proc-cpu.js';
import { percentile } from './lib.js';
import { readHistory, relevantTo, type CorpusSession } from './uptake-corpus.js';

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '408' },
    // main when the benchmark was written: the corpus stays the same as the history grows.
    rev: { type: 'string', default: 'de2f019' },
    repo: { type: 'string', default: repoRoot },
    budget: { type: 'string', default: '1500' },
    'held-out': { type: 'string', default: '0.25' },
    // A third arm: the start context at this budget, then the push with the session's first prompt
    // (what the UserPromptSubmit hook hands over once the task is known). 0: no third arm.
    'push-start-budget': { type: 'string', default: '0' },
    // With the third arm: also what the PreToolUse hook pushes when the session first touches each of its files.
    'file-push': { type: 'boolean', default: false },
  },
});

interface ArmResult {
  name: string;
  /** Held-out items and tokens by type. */
  breakdown: string;
  sessions: number;
  injectedTokens: number;
  unusedTokens: number;
  usedTokens: number;
  relevant: number;
  found: number;
  loadBefore: string;
  loadAfter: string;
  seconds: number;
  /** buildContext's time per session (ms), every session of the arm. */
  contextMs: number[];
  /** UPTAKE_BENCH_MISSES: where each held-out relevant learning went, by "session:earlier session". */
  misses: Map<string, string>;
}

const hashOf = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
/** A UUID made from a string (the shape of a v4: version and variant digits set). */
const uuidOf = (s: string) => {
  const h = hashOf(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

async function newProject(pool: PgPool, tenantId: string, name: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`insert into projects (tenant_id, name, updated_at) values ($1, $2, now()) returning id`, [tenantId, name]);
  return rows[0]!.id;
}

/** The session row, then (after its start context) what it did: prompt, an Edit per file, its final answer. */
async function openSession(pool: PgPool, tenantId: string, projectId: string, s: CorpusSession): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into sessions (tenant_id, project_id, agent_session_id, status, started_at, ended_at, updated_at, event_count)
     values ($1, $2, $3, 'completed', $4, $4, now(), 0) returning id`,
    [tenantId, projectId, `bench-${s.commit.slice(0, 12)}`, s.at],
  );
  return rows[0]!.id;
}

async function storeWork(pool: PgPool, tenantId: string, projectId: string, sessionId: string, s: CorpusSession): Promise<void> {
  const items: { kind: string; tool: string | null; title: string; text: string }[] = [{ kind: 'prompt', tool: null, title: s.subject.slice(0, 200), text: s.subject }];
  for (const f of s.files) items.push({ kind: 'tool', tool: 'Edit', title: `Edit: ${f}`, text: `${JSON.stringify({ file_path: `/repo/${f}` })}\n---\nok` });
  items.push({ kind: 'stop', tool: null, title: 'Stop', text: `Done: ${s.subject}` });
  await pool.query(
    `insert into observations (tenant_id, project_id, session_id, kind, sequence, tool_name, tool_use_id, title, text, token_count, created_at)
     select $1, $2, $3::uuid, x.kind::observation_kind, x.ord::int, x.tool, case when x.tool is null then null else $3::text || x.ord end, x.title, x.text, x.tokens,
            $4::timestamptz + x.ord * interval '1 second'
       from unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::int[]) with ordinality as x(kind, tool, title, text, tokens, ord)`,
    [tenantId, projectId, sessionId, s.at, items.map((i) => i.kind), items.map((i) => i.tool), items.map((i) => i.title), items.map((i) => i.text), items.map((i) => countTokens(i.text))],
  );
  // Each step a second after the one before: no two rows tie on time, so every run ranks alike.
  await pool.query(`insert into prompts (tenant_id, project_id, session_id, ordinal, text, token_count, created_at) values ($1, $2, $3, 1, $4, $5, $6::timestamptz + interval '1 second')`, [
    tenantId,
    projectId,
    sessionId,
    s.subject,
    countTokens(s.subject),
    s.at,
  ]);
}

/** The learning a session leaves: its commit's subject and message, citing its files. Returns its id. */
async function storeLearning(pool: PgPool, tenantId: string, projectId: string, s: CorpusSession, arm: string): Promise<string> {
  const kind = /^(fix|fixes|fixed)\b|\bfix(es)?\b/i.test(s.subject) ? 'fix' : /\bnot\b|\binstead\b|\bnever\b/i.test(s.subject) ? 'gotcha' : 'decision';
  const h = hashOf(s.commit);
  const citations = s.cited.map((path) => ({ path, startLine: 1, endLine: 1, hash: h.slice(0, 16), lines: [] }));
  const { rows } = await pool.query<{ id: string }>(
    `insert into learnings (id, tenant_id, project_id, kind, title, body, confidence, fingerprint, strength, last_stated_at, citations, created_at, updated_at, valid_from)
     values ($10::uuid, $1, $2, $3::learning_kind, $4, $5, $6, $7, 1, $8, $9::jsonb, $8, now(), $8) returning id`,
    // The id comes from the commit (and the arm): ties broken by id break alike on every run.
    [tenantId, projectId, kind, s.subject.slice(0, 300), (s.body || s.subject).slice(0, 1500), 0.5 + (parseInt(h.slice(0, 4), 16) % 45) / 100, h, s.at, JSON.stringify(citations), uuidOf(`${s.commit}:${arm}`)],
  );
  return rows[0]!.id;
}

/**
 * UPTAKE_BENCH_MISSES=1: where each learning relevant to session i went — injected (and why: near,
 * matching, raised, tried), left out (with the ranking's reason), a candidate that did not fit the
 * budget, or not a candidate — with its uptake so far and its relevance to the implicit signal.
 */
async function whereRelevantWent(
  pool: PgPool,
  tenantId: string,
  projectId: string,
  corpus: CorpusSession[],
  i: number,
  learningOf: Map<number, string>,
  served: ServedItem[],
  uptakeAware: boolean,
): Promise<[number, string][]> {
  const relevant = relevantTo(corpus, i);
  const candidates = await readCandidates(pool, tenantId, projectId, null, undefined, uptakeAware);
  const relevance = new Map(candidates.map((c) => [c.id, Number(c.relevance)]));
  const stats = await readUptakeStats(pool, tenantId, projectId, relevant.map((j) => learningOf.get(j)!));
  return relevant.map((j) => {
    const id = learningOf.get(j)!;
    const sv = served.find((x) => x.id === id);
    const u = stats.items.get(id);
    const evidence = !u ? 'never served' : u.used > 0 ? 'used before' : u.injected >= 3 ? 'unused 3+ times' : 'served 1-2 times';
    const why = (r: string) => (/near recent/.test(r) ? 'near' : /matches/.test(r) ? 'match' : /raised/.test(r) ? 'raised' : /tried/.test(r) ? 'tried' : 'other');
    const status = sv?.included ? `in: ${why(sv.reason)}` : sv ? `out: ${sv.reason.replace(/[0-9]+/g, 'N').slice(0, 60)}` : relevance.has(id) ? 'budget' : 'not a candidate';
    const r = relevance.get(id);
    const rel = r === undefined ? '' : r === 0 ? ' relevance 0' : r <= 0.15 ? ' relevance ≤ 0.15' : ' relevance > 0.15';
    return [j, `${status} [${evidence}]${rel}`];
  });
}

async function runArm(pool: PgPool, tenantId: string, corpus: CorpusSession[], uptakeAware: boolean, budget: number, heldOutFrom: number, push = false, filePush = false): Promise<ArmResult> {
  const name = push ? `uptake-aware, start ${budget} + prompt push${filePush ? ' + file push' : ''}` : uptakeAware ? 'uptake-aware' : 'as today';
  const projectId = await newProject(pool, tenantId, `uptake-bench-${uptakeAware ? 'aware' : 'today'}-${Date.now()}`);
  const learningOf = new Map<number, string>();
  const heldOut: { sessionId: string; relevant: string[]; injected: Set<string> }[] = [];
  const loadBefore = loadAverage();
  const t0 = performance.now();
  const misses = new Map<string, string>();
  const contextMs: number[] = [];
  for (let i = 0; i < corpus.length; i++) {
    const s = corpus[i]!;
    const sessionId = await openSession(pool, tenantId, projectId, s);
    // Recency is measured at the session's own time (the commit's): the same corpus ranks the same whenever it runs.
    const tc = performance.now();
    const built = await buildContext(pool, { tenantId, projectId, budget, uptake: uptakeAware, now: s.at.getTime() });
    contextMs.push(performance.now() - tc);
    const items = (built.served ?? []).filter((x) => x.included);
    await writeReceipt(pool, { tenantId, projectId, sessionId, channel: 'session_start', idempotencyKey: `session_start:${sessionId}`, budget, totalTokens: built.tokens, items });
    if (push) {
      // The task's first prompt arrives: what the prompt hook pushes, with its receipt (channel user_prompt).
      const pushed = await buildPromptPush(pool, { tenantId, projectId, projectName: 'memflow', prompt: s.subject, agentSessionId: `bench-${s.commit.slice(0, 12)}` });
      const pushedItems = pushed.served.filter((x) => x.included);
      if (pushedItems.length > 0) await writeReceipt(pool, { tenantId, projectId, sessionId, channel: 'user_prompt', idempotencyKey: `user_prompt:${sessionId}`, budget: 600, totalTokens: pushed.tokens, items: pushedItems });
      for (const x of pushedItems) items.push(x);
    }
    if (filePush) {
      // The agent touches each file it changes: what the PreToolUse hook pushes the first time (channel file_touch).
      for (const f of s.files) {
        const touched = await buildFilePush(pool, { tenantId, projectId, projectName: 'memflow', path: f, agentSessionId: `bench-${s.commit.slice(0, 12)}` });
        const touchedItems = touched.served.filter((x) => x.included);
        if (touchedItems.length === 0) continue;
        await writeReceipt(pool, { tenantId, projectId, sessionId, channel: 'file_touch', idempotencyKey: `file_touch:${sessionId}:${f}`, budget: FILE_PUSH_TOKENS, totalTokens: touched.tokens, items: touchedItems });
        for (const x of touchedItems) items.push(x);
      }
    }
    await storeWork(pool, tenantId, projectId, sessionId, s);
    if (i < heldOutFrom) await measureSessionUptake(pool, tenantId, sessionId);
    else if (process.env.UPTAKE_BENCH_MISSES) for (const [j, where] of await whereRelevantWent(pool, tenantId, projectId, corpus, i, learningOf, built.served ?? [], uptakeAware)) misses.set(`${i}:${j}`, where);
    if (i >= heldOutFrom) heldOut.push({ sessionId, relevant: relevantTo(corpus, i).map((j) => learningOf.get(j)!), injected: new Set(items.map((x) => x.id)) });
    learningOf.set(i, await storeLearning(pool, tenantId, projectId, s, name));
  }
  // The held-out sessions' uptake, measured only now: none of it steered their own context.
  for (const h of heldOut) await measureSessionUptake(pool, tenantId, h.sessionId);
  const seconds = (performance.now() - t0) / 1000;
  const { rows } = await pool.query<{ injected: string; used: string; unused: string }>(
    `select coalesce(sum(i.tokens), 0) as injected, coalesce(sum(i.tokens) filter (where i.used), 0) as used, coalesce(sum(i.tokens) filter (where i.used = false), 0) as unused
       from context_receipts r join context_receipt_items i on i.receipt_id = r.id where r.session_id = any($1::uuid[])`,
    [heldOut.map((h) => h.sessionId)],
  );
  const t = rows[0]!;
  const byType = await pool.query<{ item_type: string; injected: string; unused: string; n: string }>(
    `select r.channel || ':' || i.item_type as item_type, count(*) as n, sum(i.tokens) as injected, coalesce(sum(i.tokens) filter (where i.used = false), 0) as unused
       from context_receipts r join context_receipt_items i on i.receipt_id = r.id where r.session_id = any($1::uuid[]) group by 1 order by 1`,
    [heldOut.map((h) => h.sessionId)],
  );
  if (process.env.UPTAKE_BENCH_REASONS) {
    const reasons = await pool.query<{ why: string; n: string; unused: string; used_n: string }>(
      `select concat_ws('+', case when i.reason like '%raised%' then 'raised' end, case when i.reason like '%tried:%' then 'tried' end,
                   case when i.reason like '%matches%' then 'matches' end, case when i.reason like '%near recent work%' then 'near' end,
                   case when i.reason like '%demoted%' then 'demoted' end, case when i.reason like '%restated%' then 'restated' end, i.item_type) as why,
              count(*) as n, sum(i.tokens) filter (where not i.used) as unused, count(*) filter (where i.used) as used_n
         from context_receipts r join context_receipt_items i on i.receipt_id = r.id where r.session_id = any($1::uuid[]) group by 1 order by 2 desc`,
      [heldOut.map((h) => h.sessionId)],
    );
    console.log(reasons.rows.map((r) => `${r.why}: ${r.n}, ${r.used_n} used (${r.unused} unused tokens)`).join('; '));
  }
  const breakdown = byType.rows.map((r) => `${r.item_type} ${r.n} items, ${r.injected} tokens (${r.unused} unused)`).join('; ');
  return {
    breakdown,
    name,
    sessions: heldOut.length,
    injectedTokens: Number(t.injected),
    usedTokens: Number(t.used),
    unusedTokens: Number(t.unused),
    relevant: heldOut.reduce((a, h) => a + h.relevant.length, 0),
    found: heldOut.reduce((a, h) => a + h.relevant.filter((id) => h.injected.has(id)).length, 0),
    loadBefore,
    loadAfter: loadAverage(),
    seconds,
    contextMs,
    misses,
  };
}

async function main(): Promise<void> {
  const profile = await chooseTestProfile((l) => console.log(`[stack] ${l}`));
  const url = stackEnv(profile).DATABASE_URL;
  await ensurePrismaClient({ log: () => {} });
  await ensureDatabase(url);
  await applyMigrations(url, { log: () => {} });
  const pool = createPgPool(url, 4);
  const budget = Number(args.budget);
  const corpus = readHistory(args.repo!, args.rev!, Number(args.sessions));
  const heldOutFrom = Math.floor(corpus.length * (1 - Number(args['held-out'])));
  console.log(`corpus: ${corpus.length} sessions from ${args.repo} at ${args.rev}; held out: sessions ${heldOutFrom + 1}-${corpus.length}; budget ${budget} tokens`);
  const { rows } = await pool.query<{ id: string }>(`insert into tenants (name, updated_at) values ($1, now()) returning id`, [`uptake-bench-${Date.now()}`]);
  const tenantId = rows[0]!.id;
  try {
    const results: ArmResult[] = [];
    for (const aware of [false, true]) {
      const r = await runArm(pool, tenantId, corpus, aware, budget, heldOutFrom);
      console.log(`${r.name}: ${r.seconds.toFixed(1)} s; held out: ${r.breakdown}`);
      const ms = [...r.contextMs].sort((a, b) => a - b);
      const q = (p: number) => percentile(ms, p).toFixed(1);
      console.log(`${r.name}: start context (buildContext) over all ${ms.length} sessions: p50 ${q(50)} ms, p95 ${q(95)} ms, p99 ${q(99)} ms (load ${r.loadBefore} / ${r.loadAfter})`);
      results.push(r);
    }
    const pushStart = Number(args['push-start-budget']);
    if (pushStart > 0) {
      const r = await runArm(pool, tenantId, corpus, true, pushStart, heldOutFrom, true, args['file-push']);
      console.log(`${r.name}: ${r.seconds.toFixed(1)} s; held out: ${r.breakdown}`);
      results.push(r);
    }
    const base = results[0]!;
    if (process.env.UPTAKE_BENCH_MISSES) {
      const [today, aware] = [results[0]!.misses, results[1]!.misses];
      const tally = (f: (k: string) => string | undefined) => {
        const m = new Map<string, number>();
        for (const k of today.keys()) {
          const v = f(k);
          if (v) m.set(v, (m.get(v) ?? 0) + 1);
        }
        return [...m].sort((x, y) => y[1] - x[1]).map(([k, n]) => `  ${n}\t${k}`).join('\n');
      };
      const found = (m: Map<string, string>, k: string) => m.get(k)!.startsWith('in:');
      console.log(`relevant learnings injected as today, not uptake-aware — where they went:\n${tally((k) => (found(today, k) && !found(aware, k) ? aware.get(k) : undefined))}`);
      console.log(`injected uptake-aware, not as today:\n${tally((k) => (!found(today, k) && found(aware, k) ? aware.get(k) : undefined))}`);
    }
    const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${(((b - a) / b) * 100).toFixed(1)} %`);
    console.log(`\n${corpus.length} scripted sessions (${base.sessions} held out), budget ${budget}, ${new Date().toISOString().slice(0, 16)}Z`);
    console.log('| ranking | held-out sessions | injected tokens | used tokens | injected-but-unused tokens | unused reduction | held-out recall (relevant learnings injected) | load average before / after |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      const recall = r.relevant ? `${((r.found / r.relevant) * 100).toFixed(1)} % (${r.found} / ${r.relevant})` : 'n/a';
      console.log(`| ${r.name} | ${r.sessions} | ${r.injectedTokens} | ${r.usedTokens} | ${r.unusedTokens} | ${r === base ? '—' : pct(r.unusedTokens, base.unusedTokens)} | ${recall} | ${r.loadBefore} / ${r.loadAfter} |`);
    }
  } finally {
    // The bench's own data goes with its tenant (cascade), also when it failed: its learning ids are fixed.
    await pool.query('delete from tenants where id = $1', [tenantId]);
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
