/**
 * `npm run bench:mcp`: what memflow's MCP tools cost an agent, in tokens and in time.
 *
 * Tokens: for each recall question of the retrieval-quality corpus (tests/fixtures/retrieval-corpus.ts,
 * buried among a generated corpus, see corpus.ts), the agent's progressive-disclosure path —
  * `search` (top 5, compact index) then `get` of the 1-2 records that answer it — against dumping the full
 * records of the same top 5, as a memory tool without an index would. Both paths see the same top 5,
 * so recall@5 is equal by construction; the table also shows whether the fetched records hold the
 * answer. Tokens are tiktoken counts of exactly what each tool returned (the answers' own stamps).
 *
 * The agent reads the index and fetches the relevant entries, a learning or summary (a conclusion)
 * before an observation (a raw step), as the tool descriptions teach, passing its question as
 * `query` so long records come back as the lines about it. "answer fetched" counts questions whose
 * fetched text holds the evidence session's learning or summary conclusion.
 *
 * `--outputs realistic` (default) stores tool calls with whole outputs as capture keeps them
 * (bench/realistic-outputs.ts: test runs, greps, edits with their patches); `--outputs short` keeps
 * only each call's telling line (about 100 tokens a record), the corpus of the retrieval tests.
 *
 * Latency: `search` and `get` tool calls, one at a time after a warm-up, through the SDK's Client over
 * stdio (`memflow mcp`, the real bin) and over Streamable HTTP (the API's /mcp); then the requests
 * those tools make, straight to the HTTP API, with the API's own time (Server-Timing), which shows
 * what the MCP layer adds.
 *
 *   npm run bench:mcp -- --items 10000 --calls 200 [--outputs realistic|short] [--show 3]
 *
 * It runs on the test profile's stack; set DATABASE_URL to keep the corpus out of `memflow_test`.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Command } from 'commander';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { parseConfig } from '../common/server/config.js';
import { createPrisma } from '../common/server/db.js';
import { createPgPool } from '../common/server/pg.js';
import { countTokens } from '../common/rules/tokens.js';
import { repoRoot } from '../infra/profile.js';
import { createApiClient, fetchTransport } from '../clients/api.js';
import { recordBlock } from '../mcp/tools/tool-kit.js';
import { CORPUS, QUESTIONS, seedCorpus, type CorpusSession, type SeededSession } from '../tests/fixtures/retrieval-corpus.js';
import { fillWeaviate, generate, prng } from './corpus.js';
import { realisticToolText } from './realistic-outputs.js';
import { benchStack, benchTenant, percentile, printColumns, printTable, startBenchApi } from './lib.js';

/** The ids an index answer shows, in order (each line starts with one). */
const refsOf = (text: string) => [...text.matchAll(/^(?:→ )?([0-9a-f]{8}[0-9a-f-]*) /gm)].map((m) => m[1]!);

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'bench-mcp', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const r = (await client.callTool({ name, arguments: args })) as { content: { text?: string }[]; isError?: boolean };
  const ms = performance.now() - t0;
  const text = r.content.map((c) => c.text ?? '').join('\n');
  if (r.isError) throw new Error(`${name}: ${text}`);
  return { text, ms };
}

const stamp = (text: string) => Number(/\[(\d+) tokens\]$/.exec(text)?.[1] ?? NaN);
const sessionIds = (s: SeededSession) => [...s.observationIds, s.summaryId, s.learningId];

/** The corpus with each tool call's output at the size capture stores it. */
function withRealisticOutputs(sessions: CorpusSession[], seed: number): CorpusSession[] {
  const rng = prng(seed);
  return sessions.map((s) => ({ ...s, tools: s.tools.map((t) => ({ ...t, text: realisticToolText(rng, t.toolName, t.title, t.text) })) }));
}

/** Which entries of the index the agent fetches: conclusions (learning, summary) before raw steps. */
const TYPE_ORDER: Record<string, number> = { learning: 0, summary: 1, observation: 2 };
const typeOf = (index: string, ref: string) => new RegExp(`^(?:→ )?${ref}\\S* (\\w+) `, 'm').exec(index)?.[1] ?? 'observation';

async function main(): Promise<void> {
  const opts = new Command('bench:mcp')
    .option('--items <n>', 'memories in the corpus', '10000')
    .option('--calls <n>', 'measured calls per tool and transport', '200')
    .option('--outputs <kind>', 'realistic: whole tool outputs as capture stores them; short: one telling line each', 'realistic')
    .option('--show <n>', 'print what the tools answered to the first n questions', '0')
    .parse(process.argv)
    .opts<{ items: string; calls: string; outputs: string; show: string }>();
  if (opts.outputs !== 'realistic' && opts.outputs !== 'short') throw new Error('--outputs: realistic or short');
  const realistic = opts.outputs === 'realistic';
  const items = Number(opts.items);
  const calls = Number(opts.calls);
  if (!Number.isInteger(items) || items < 100) throw new Error('--items: an integer >= 100');

  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const prisma = createPrisma(config.DATABASE_URL);
  const pool = createPgPool(config.DATABASE_URL, 4);
  const api = await startBenchApi(stack);
  const { url } = api;
  const clients: Client[] = [];
  try {
    const { tenantId, key } = await benchTenant(prisma, 'bench-mcp');
    const memflow = createApiClient({ transport: fetchTransport(url), key, describe: url });
    const corpus = realistic ? withRealisticOutputs(CORPUS, 20261123) : CORPUS;
    const seeded = await seedCorpus(prisma, tenantId, 'storefront', corpus);
    const t0 = performance.now();
    await generate(pool, prisma, tenantId, Math.max(0, items - CORPUS.length * 7), prng(20261122), { realistic });
    const objects = await fillWeaviate(createVectorActivities({ prisma, config }), tenantId, config);
    console.log(`[bench] corpus of ${items} memories ready in ${((performance.now() - t0) / 1000).toFixed(1)}s (${objects} objects embedded)`);

    const http = await connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}`, 'x-memflow-project': 'storefront' } } }));
    const stdio = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(repoRoot, 'cli', 'memflow.js'), 'mcp'],
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', MEMFLOW_URL: url, MEMFLOW_API_KEY: key, MEMFLOW_PROJECT: 'storefront' },
      }),
    );
    clients.push(http, stdio);

    // ---- tokens: search → get 2, against the full records of the same top 5 ----
    let compact = 0;
    let searchTokens = 0;
    let dumped = 0;
    let dumpedJson = 0;
    let found5 = 0;
    let foundGot = 0;
    let answerGot = 0;
    for (const q of QUESTIONS) {
      const want = sessionIds(seeded.sessions.find((s) => s.key === q.expect)!);
      const truth = corpus.find((s) => s.key === q.expect)!;
      const search = await tool(http, 'search', { query: q.question, limit: 5 });
      const top = refsOf(search.text).slice(0, 5);
      const relevant = (ref: string) => want.some((id) => id.startsWith(ref));
      if (top.some(relevant)) found5++;
      // The agent reads the index and fetches the 1-2 entries that answer it (else the first hit).
      const hits = top.filter(relevant).sort((a, b) => TYPE_ORDER[typeOf(search.text, a)]! - TYPE_ORDER[typeOf(search.text, b)]!);
      const pick = hits.length ? hits.slice(0, 2) : top.slice(0, 1);
      const got = pick.length ? await tool(http, 'get', { ids: pick, query: q.question }) : { text: '' };
      if (pick.some(relevant)) foundGot++;
      // The answer is the session's conclusion: its learning or the summary's "learned" line.
      if (got.text.includes(truth.learning.title) || got.text.includes(truth.summary.learned)) answerGot++;
      if (QUESTIONS.indexOf(q) < Number(opts.show)) console.log(`\n> ${q.question}\n${search.text}\n> get ${pick.join(' ')}\n${got.text}`);
      compact += stamp(search.text) + (pick.length ? stamp(got.text) : 0);
      searchTokens += stamp(search.text);
      // Without an index: the full records of the same top 5.
      const full = await memflow.memories(top);
      dumped += countTokens(full.items.map((r) => recordBlock(r, undefined, 'storefront')).join('\n'));
      dumpedJson += countTokens(JSON.stringify(full.items));
    }
    const n = QUESTIONS.length;
    const avgRecord = Number((await pool.query<{ t: number }>(`select avg(length(text))::float / 4 as t from observations o join projects p on p.id = o.project_id where p.tenant_id = $1`, [tenantId])).rows[0]?.t ?? 0);
    printTable(`MCP tokens per recall question: ${n} questions, ${items} memories (${objects} in Weaviate), outputs ${opts.outputs} (observation text ≈ ${avgRecord.toFixed(0)} tokens on average), top 5, this machine`, [
      ['search → get of the 1-2 needed (tokens / question)', (compact / n).toFixed(0)],
      ['  of which the search index', (searchTokens / n).toFixed(0)],
      ['full records of the top 5, as text (tokens / question)', (dumped / n).toFixed(0)],
      ['full records of the top 5, as JSON (tokens / question)', (dumpedJson / n).toFixed(0)],
      ['saved vs full text', `${(100 * (1 - compact / dumped)).toFixed(1)} %`],
      ['saved vs full JSON', `${(100 * (1 - compact / dumpedJson)).toFixed(1)} %`],
      ['recall@5 (both paths)', (found5 / n).toFixed(3)],
      ['a record of the answer among those fetched', (foundGot / n).toFixed(3)],
      ['the answer (learning or conclusion) in the fetched text', (answerGot / n).toFixed(3)],
    ]);

    // ---- latency ----
    const questions = QUESTIONS.map((q) => q.question);
    const someIds = refsOf((await tool(http, 'search', { query: 'checkout test flaky', limit: 10 })).text).slice(0, 2);
    const columns: string[] = [];
    const rows: [string, string[]][] = [
      ['search p50 / p95 (ms)', []],
      ['get of 2 p50 / p95 (ms)', []],
    ];
    const run = async (call: (i: number) => Promise<{ ms: number; server?: number }>) => {
      for (let i = 0; i < 10; i++) await call(i); // warm-up
      const ms: number[] = [];
      const server: number[] = [];
      for (let i = 0; i < calls; i++) {
        const r = await call(i);
        ms.push(r.ms);
        if (r.server !== undefined) server.push(r.server);
      }
      const p = (xs: number[]) => `${percentile(xs.sort((a, b) => a - b), 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}`;
      return { client: p(ms), server: server.length ? p(server) : '-' };
    };
    for (const [name, client] of [
      ['stdio', stdio],
      ['http', http],
    ] as const) {
      columns.push(name);
      rows[0]![1].push((await run((i) => tool(client, 'search', { query: questions[i % questions.length]!, limit: 5 }))).client);
      rows[1]![1].push((await run(() => tool(client, 'get', { ids: someIds }))).client);
    }
    // The same calls straight to the HTTP API (what the tools ask it), with the API's own time
    // (Server-Timing total): the rest of a tool's time is the MCP layer and its transports.
    const direct = async (path: string, body?: unknown) => {
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${key}`, 'x-memflow-project': 'storefront', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      await res.text();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return { ms: performance.now() - t0, server: Number(/total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN) };
    };
    const apiSearch = await run((i) => direct(`/v1/search?q=${encodeURIComponent(questions[i % questions.length]!)}&limit=5&project=storefront`));
    const apiGet = await run(() => direct('/v1/memories:batchGet', { ids: someIds }));
    columns.push('API alone', 'in the API');
    rows[0]![1].push(apiSearch.client, apiSearch.server);
    rows[1]![1].push(apiGet.client, apiGet.server);
    printColumns(`MCP tool latency, client side, sequential calls (${calls} each after 10 warm-up), ${items} memories, this machine; 'API alone': the same requests straight to the HTTP API, 'in the API': their Server-Timing total`, columns, rows);
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await api.stop();
    await pool.end();
    await prisma.$disconnect();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:mcp: ${err.message}`);
  process.exit(1);
});
