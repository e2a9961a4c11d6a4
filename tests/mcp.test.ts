/**
 * memflow's MCP server driven by the SDK's own Client over every transport — stdio (`memflow mcp`,
 * the real bin), Streamable HTTP at the API's /mcp and at the local relay's /mcp (which answers the
 * handshake itself, also while the API hangs, and sends tool calls on) — against the real API, worker, PostgreSQL,
 * Temporal and Weaviate: every tool, the token stamp and cap, tenant isolation, a `remember` found
 * by a paraphrase within a second, a `correct` that supersedes with history, bad arguments, and the
 * API being down. Plus POST /v1/memories itself and the `.mcp.json` that `memflow install` writes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { countTokens } from '../common/rules/tokens.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { BIN, closedPort, repoRoot, runCli, tempDir } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { keepHistory } from './helpers/histories.js';
import { replay, sessionResult } from './helpers/sessions.js';
import { startRelay, type Relay } from '../cli/relay/relay-server.js';
import net from 'node:net';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('mcp') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let relay: Relay;
let tenant: Awaited<ReturnType<typeof newTenant>>;
/** The project's checkout the stdio server runs in, as an agent starts it: its cited files as the session left them. */
let checkout = '';
let other: Awaited<ReturnType<typeof newTenant>>;
const project = uniqueName('shop');
const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** The short ids an index answer shows (each line starts with one). */
const refsOf = (text: string) => [...text.matchAll(/^(?:→ )?([0-9a-f]{8}[0-9a-f-]*) /gm)].map((m) => m[1]!);
/** The short id a write answer names ("Remembered: 1a2b3c4d in …"). */
const refIn = (text: string) => /: ([0-9a-f]{8,}) /.exec(text)?.[1];
/** The full id of the tenant's learning a short id names. */
async function learningOf(ref: string) {
  const rows = await prisma.learning.findMany({ where: { id: { gte: `${ref}-0000-0000-0000-000000000000`, lte: `${ref}-ffff-ffff-ffff-ffffffffffff` } }, include: { revisions: true } });
  assert.equal(rows.length, 1, `one learning starts with ${ref}`);
  return rows[0]!;
}

/**
 * A small git repository holding the files the session cited, as it left them. The stdio server checks
 * the context against the tree it runs in; in memflow's own checkout the cited files are gone and git's
 * renames are read over its long history within a time budget, so two reads on a loaded machine could
 * differ (a learning kept fresh in one, marked "git could not tell in time" in the other).
 */
async function projectCheckout(): Promise<string> {
  const dir = path.join(await tempDir('mcp-checkout'), project);
  const files: Record<string, string> = {
    'src/orders/total.ts': 'export function sumLines(cart: Cart): number {\n  return cart.items.reduce((sum, line) => sum + line.product.price * line.quantity, 0);\n}\n',
    'src/cart/load.ts': 'export async function loadCart(id: string): Promise<Cart> {\n  const row = await db.cart.find(id);\n  return { items: row?.items ?? [] };\n}\n',
    'tests/orders/empty-cart.test.ts': "test('total of an empty cart is 0', async () => { expect(await total(emptyCart)).toBe(0); });\n",
    'docs/decisions.md': '## Money\nAmounts are integer cents, never floats.\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'the empty cart fix');
  return dir;
}

before(async () => {
  checkout = await projectCheckout();
  tenant = await newTenant(prisma);
  other = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  // No API by default: every relay request names its API (X-Memflow-Url), as Claude Code's entry does.
  relay = await startRelay({ port: 0, spoolDir: await tempDir('mcp-relay-spool'), defaultUrl: `http://127.0.0.1:${await closedPort()}`, startBudgetMs: 2000 });
  await replay(api.url, tenant.key, session.deliveries);
  await sessionResult(temporal.client, prisma, tenant.tenantId, session.sessionId, 90_000);
  // A tool call with a whole test run as its output, as Claude Code sends it: what `get` with a query cuts.
  const longSession = crypto.randomUUID();
  const res = await fetch(`${api.url}/v1/hooks/post-tool-use`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'x-memflow-project': project },
    body: JSON.stringify({
      session_id: longSession,
      transcript_path: '/tmp/t.jsonl',
      cwd: `/home/dev/${project}`,
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_use_id: 'toolu_long_run',
      tool_input: { command: 'npx vitest run', description: 'Run the unit tests' },
      tool_response: { stdout: LONG_RUN, stderr: '', interrupted: false, isImage: false },
    }),
  });
  assert.equal(res.status, 200, await res.text());
  longRun = (await prisma.observation.findFirstOrThrow({ where: { tenantId: tenant.tenantId, toolUseId: 'toolu_long_run' } })).id;
});

after(async () => {
  await relay?.close();
  await api?.close();
  await worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
});

function stdioTransport(env: Record<string, string>, structured = false): Transport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...(structured ? ['--structured'] : [])],
    cwd: checkout,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stderr: 'pipe',
  });
}

const httpTransport = (key: string, projectName?: string, structured = false) =>
  new StreamableHTTPClientTransport(new URL(`${api.url}/mcp${structured ? '?structured=true' : ''}`), {
    requestInit: { headers: { authorization: `Bearer ${key}`, ...(projectName ? { 'x-memflow-project': projectName } : {}) } },
  });

const relayTransport = (key: string, projectName?: string, apiUrl = api.url, structured = false) =>
  new StreamableHTTPClientTransport(new URL(`${relay.url}/mcp${structured ? '?structured=true' : ''}`), {
    requestInit: { headers: { authorization: `Bearer ${key}`, 'x-memflow-url': apiUrl, ...(projectName ? { 'x-memflow-project': projectName } : {}) } },
  });

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'memflow-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

interface ToolAnswer {
  text: string;
  isError: boolean;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  const r = (await client.callTool({ name, arguments: args })) as { content: { type: string; text?: string }[]; isError?: boolean };
  return { text: r.content.map((c) => c.text ?? '').join('\n'), isError: r.isError === true };
}

/** A tool call with a key the API refuses is a tool error that says so. */
async function assertKeyRefused(transport: Transport): Promise<void> {
  const client = await connect(transport);
  try {
    const r = await call(client, 'learnings', {});
    assert.equal(r.isError, true);
    assert.match(r.text, /refused the API key/);
  } finally {
    await client.close();
  }
}

/** The answer's own stamp, checked against tiktoken. */
function stampedTokens(text: string): number {
  const m = /\n\[(\d+) tokens\]$/.exec(text);
  assert.ok(m, `no token stamp in: ${text.slice(-120)}`);
  const n = Number(m[1]);
  assert.ok(Math.abs(countTokens(text) - n) <= 1, `stamp ${n} vs counted ${countTokens(text)}`);
  return n;
}

/** A test run of 80 passing specs and one failure, about 2,500 tokens. */
const LONG_RUN = (() => {
  const lines = ['> shop@1.0.0 test', '> vitest run', ''];
  for (let i = 0; i < 80; i++) lines.push(` ✓ src/orders/loadOrder${i}.test.ts (${(i % 9) + 1} tests) ${i * 7 + 3}ms`);
  lines.splice(50, 0, ' ✗ src/cart/coupon.test.ts > applies the spring coupon', '   AssertionError: expected 90 to equal 81 (coupon applied before tax)');
  lines.push('', ' Test Files  1 failed | 80 passed (81)');
  return lines.join('\n');
})();
let longRun = '';

const TOOLS = ['context', 'correct', 'forget', 'get', 'learnings', 'remember', 'search', 'timeline', 'wrong'];

for (const kind of ['stdio', 'http', 'relay'] as const) {
  describe(`MCP over ${kind}`, () => {
    let client: Client;
    let stranger: Client;
    const transport = (key: string, structured = false) =>
      kind === 'stdio'
        ? stdioTransport({ MEMFLOW_URL: api.url, MEMFLOW_API_KEY: key, MEMFLOW_PROJECT: project }, structured)
        : kind === 'http'
          ? httpTransport(key, project, structured)
          : relayTransport(key, project, api.url, structured);
    before(async () => {
      client = await connect(transport(tenant.key));
      stranger = await connect(transport(other.key));
    });
    after(async () => {
      await client?.close();
      await stranger?.close();
    });

    test('lists the nine tools, each described for a model', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
      for (const t of tools) assert.ok((t.description ?? '').length > 60, `${t.name} is described`);
      assert.match(tools.find((t) => t.name === 'search')!.description!, /get/, 'search teaches the next step');
    });

    test('structured answers only when asked for: an outputSchema per tool, and the hits the text shows as structuredContent', async () => {
      const plain = await client.callTool({ name: 'search', arguments: { query: 'empty cart price undefined', mode: 'keyword' } });
      assert.equal(plain.structuredContent, undefined);
      const typed = await connect(transport(tenant.key, true));
      try {
        const { tools } = await typed.listTools();
        for (const t of tools) assert.equal(t.outputSchema?.type, 'object', `${t.name} declares its output`);
        // The SDK's client checks the structured answer against the schema the tool listed.
        const r = (await typed.callTool({ name: 'search', arguments: { query: 'empty cart price undefined', mode: 'keyword' } })) as { content: { text?: string }[]; structuredContent?: { results: { id: string }[]; project?: string } };
        const text = r.content.map((c) => c.text ?? '').join('\n');
        assert.deepEqual(r.structuredContent!.results.map((h) => h.id.slice(0, 8)), refsOf(text).map((id) => id.slice(0, 8)));
        assert.equal(r.structuredContent!.project, project);
        stampedTokens(text);
      } finally {
        await typed.close();
      }
    });

    test('search → timeline → get: a compact index, the steps around a hit, then the whole record', async () => {
      const found = await call(client, 'search', { query: 'empty cart price undefined', mode: 'keyword' });
      assert.equal(found.isError, false, found.text);
      const tokens = stampedTokens(found.text);
      assert.ok(tokens < 2000);
      assert.equal(found.text.match(UUID), null, 'the index shows short ids, not UUIDs');
      const ids = refsOf(found.text);
      assert.ok(ids.length > 0, found.text);
      const observation = refsOf(found.text.split('\n').filter((l) => / observation /.test(l)).join('\n'))[0];
      assert.ok(observation, `an observation among: ${found.text}`);

      const around = await call(client, 'timeline', { around: observation, before: 2, after: 3 });
      assert.equal(around.isError, false, around.text);
      assert.ok(around.text.includes(`→ ${observation}`), around.text);
      stampedTokens(around.text);

      const got = await call(client, 'get', { ids: [observation, ids[0]] });
      assert.equal(got.isError, false, got.text);
      assert.ok(got.text.includes(`## observation ${observation}`), got.text);
      assert.ok(got.text.length > found.text.split('\n')[1]!.length, 'the whole record is longer than its index line');
      stampedTokens(got.text);
    });

    test('get with a query: a long tool output comes back as the lines about it, and says how to get it whole', async () => {
      const focused = await call(client, 'get', { ids: [longRun.slice(0, 8)], query: 'spring coupon applied before tax' });
      assert.equal(focused.isError, false, focused.text);
      assert.match(focused.text, /applies the spring coupon/);
      assert.match(focused.text, /expected 90 to equal 81/);
      assert.match(focused.text, /excerpt for your query: \d+ lines left out; get with full: true for all/);
      const whole = await call(client, 'get', { ids: [longRun.slice(0, 8)], query: 'spring coupon applied before tax', full: true });
      assert.ok(whole.text.includes('loadOrder3.test.ts') && whole.text.includes('loadOrder60.test.ts'), 'full: true returns every line capture kept');
      assert.doesNotMatch(whole.text, /excerpt for your query/);
      assert.ok(stampedTokens(focused.text) * 4 < stampedTokens(whole.text), `excerpt ${stampedTokens(focused.text)} vs whole ${stampedTokens(whole.text)} tokens`);
      const bad = await call(client, 'get', { ids: [longRun.slice(0, 8)], full: 'yes' });
      assert.equal(bad.isError, true);
      assert.match(bad.text, /full/);
    });

    test('context and learnings answer with what the session produced', async () => {
      const ctx = await call(client, 'context', { tokens: 400 });
      assert.equal(ctx.isError, false, ctx.text);
      assert.ok(stampedTokens(ctx.text) <= 420, ctx.text);
      assert.ok(ctx.text.length > 40, ctx.text);
      const learned = await call(client, 'learnings', {});
      assert.equal(learned.isError, false, learned.text);
      assert.match(learned.text, /learnings of /);
      stampedTokens(learned.text);
    });

    test('remember: stored, found by a paraphrase within a second; stated again it is strengthened', async () => {
      const marker = uniqueName('cache');
      const fact = `Product prices are cached in Redis for five minutes (${marker}) so the catalogue page does not hit PostgreSQL on every view.`;
      const stored = await call(client, 'remember', { text: fact, kind: 'decision', tags: ['cache'] });
      assert.equal(stored.isError, false, stored.text);
      const id = refIn(stored.text);
      assert.ok(id && /^Remembered/.test(stored.text), stored.text);
      const hit = await call(client, 'search', { query: 'how long do we keep prices in the cache', mode: 'semantic', types: ['learning'] });
      assert.ok(refsOf(hit.text).includes(id), `semantic search finds it at once: ${hit.text}`);
      const row = await learningOf(id);
      assert.equal(row.origin, 'agent');
      assert.equal(row.kind, 'decision');
      assert.deepEqual(row.tags, ['cache']);

      const again = await call(client, 'remember', { text: fact, kind: 'decision' });
      assert.match(again.text, /^Already known; strengthened/);
      assert.equal((await learningOf(id)).strength, 2);
    });

    test('correct supersedes with history; forget retracts; neither deletes', async () => {
      const wrong = await call(client, 'remember', { text: `The staging database lives on port 5433 (${uniqueName('w')}).`, kind: 'fact' });
      const wrongId = refIn(wrong.text)!;
      const wrongIdFull = (await learningOf(wrongId)).id;
      const fixed = await call(client, 'correct', { id: wrongId, text: `The staging database lives on port 6543 since the migration to the pooler (${uniqueName('f')}).`, reason: 'moved behind pgbouncer' });
      assert.equal(fixed.isError, false, fixed.text);
      const newId = /superseded by ([0-9a-f]{8,})/.exec(fixed.text)![1]!;
      const old = await call(client, 'get', { ids: [wrongId] });
      assert.match(old.text, /superseded by/);
      assert.match(old.text, /history: .*superseded \(moved behind pgbouncer\)/);
      const all = await call(client, 'learnings', { status: 'all', limit: 50 });
      assert.ok(refsOf(all.text).includes(wrongId) && refsOf(all.text).includes(newId), all.text);
      const active = await call(client, 'learnings', { limit: 50 });
      assert.ok(!refsOf(active.text).includes(wrongId), 'the superseded one is no longer active');

      const again = await call(client, 'correct', { id: wrongId, text: 'x', reason: 'y' });
      assert.equal(again.isError, true);
      assert.match(again.text, /409.*already superseded/);

      const gone = await call(client, 'forget', { id: newId, reason: 'we dropped the staging database' });
      assert.equal(gone.isError, false, gone.text);
      const row = await learningOf(newId);
      assert.equal(row.status, 'superseded');
      assert.ok(row.revisions.some((r) => r.reason === 'forgotten' && r.note === 'we dropped the staging database'));
      const audits = await prisma.auditLog.findMany({ where: { tenantId: tenant.tenantId, action: { in: ['learning.correct', 'learning.forget'] } } });
      assert.ok(audits.some((a) => a.target === `learning:${wrongIdFull}`) && audits.some((a) => a.target === `learning:${row.id}`));
    });

    test("another tenant's key finds none of it and cannot correct it", async () => {
      const mine = await call(client, 'search', { query: 'empty cart price', mode: 'keyword' });
      const ids = refsOf(mine.text);
      assert.ok(ids.length > 0);
      const theirs = await call(stranger, 'search', { query: 'empty cart price', mode: 'keyword' });
      for (const id of ids) assert.ok(!refsOf(theirs.text).includes(id), `stranger saw ${id}`);
      const got = await call(stranger, 'get', { ids: ids.slice(0, 2) });
      assert.match(got.text, /Not found: /);
      assert.ok(!got.text.includes('## '), got.text);
      const learning = await prisma.learning.findFirstOrThrow({ where: { tenantId: tenant.tenantId, status: 'active' } });
      const refused = await call(stranger, 'forget', { id: learning.id, reason: 'probe' });
      assert.equal(refused.isError, true);
      assert.match(refused.text, /404/);
      assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: learning.id } })).status, 'active');
    });

    test('resources and the recall prompt: the context and a memory by id, tenant-scoped', async () => {
      const { resources } = await client.listResources();
      assert.deepEqual(resources.map((r) => r.uri), ['memflow://context']);
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(), ['memflow://context/{project}', 'memflow://memory/{id}']);
      const ctx = await call(client, 'context', {});
      const read = await client.readResource({ uri: 'memflow://context' });
      assert.equal((read.contents[0] as { text: string }).text, ctx.text, 'the resource is what the context tool answers');
      const named = await client.readResource({ uri: `memflow://context/${encodeURIComponent(project)}` });
      assert.equal((named.contents[0] as { text: string }).text, ctx.text);
      const id = longRun.slice(0, 8);
      const memory = (await client.readResource({ uri: `memflow://memory/${id}` })).contents[0] as { text: string };
      assert.ok(memory.text.includes(`## observation ${id}`) && memory.text.includes('loadOrder60.test.ts'), memory.text.slice(0, 300));
      stampedTokens(memory.text);
      await assert.rejects(stranger.readResource({ uri: `memflow://memory/${id}` }), /no memory/);
      await assert.rejects(client.readResource({ uri: 'memflow://memory/zzz' }), /not a memory id/);
      const { prompts } = await client.listPrompts();
      assert.deepEqual(prompts.map((p) => p.name), ['recall']);
      const recall = await client.getPrompt({ name: 'recall', arguments: { topic: 'the spring coupon test' } });
      const said = (recall.messages[0]!.content as { text: string }).text;
      assert.match(said, /the spring coupon test/);
      assert.match(said, /search/);
    });

    test('bad arguments: a tool error that names the argument, and the server stays up', async () => {
      const empty = await call(client, 'search', { query: '' });
      assert.equal(empty.isError, true);
      assert.match(empty.text, /query/);
      const badId = await call(client, 'get', { ids: ['not-an-id'] });
      assert.equal(badId.isError, true);
      assert.match(badId.text, /ids/);
      const neither = await call(client, 'timeline', {});
      assert.equal(neither.isError, true);
      assert.match(neither.text, /around.*session/);
      assert.deepEqual((await client.listTools()).tools.length, TOOLS.length);
    });
  });
}

describe('stdio: limits and outages', () => {
  test('answers never exceed the token cap: a long index is cut between records, with a hint', async () => {
    // Enough distinct records about one thing that their index lines pass 200 tokens.
    const areas = ['checkout', 'invoices', 'refunds', 'coupons', 'shipping', 'taxes', 'wishlists', 'returns', 'gift cards', 'subscriptions', 'loyalty points', 'bundles'];
    for (const area of areas) {
      const res = await fetch(`${api.url}/v1/memories?project=${project}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `The cart module computes ${area} totals in integer cents; never use floats for ${area} amounts in the cart.`, kind: 'convention' }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    const client = await connect(stdioTransport({ MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key, MEMFLOW_PROJECT: project, MEMFLOW_MCP_MAX_TOKENS: '200' }));
    try {
      const r = await call(client, 'search', { query: 'cart totals cents', limit: 50, mode: 'keyword' });
      assert.equal(r.isError, false, r.text);
      assert.ok(stampedTokens(r.text) <= 200, r.text);
      assert.match(r.text, /more hits cut to stay under 200 tokens/);
    } finally {
      await client.close();
    }
  });

  test('API down: each call is a clear tool error and the server stays up', async () => {
    const port = await closedPort();
    const client = await connect(stdioTransport({ MEMFLOW_URL: `http://127.0.0.1:${port}`, MEMFLOW_API_KEY: tenant.key, MEMFLOW_PROJECT: project }));
    try {
      for (let i = 0; i < 2; i++) {
        const r = await call(client, 'search', { query: 'anything' });
        assert.equal(r.isError, true);
        assert.match(r.text, new RegExp(`unreachable at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`));
      }
      assert.equal((await client.listTools()).tools.length, TOOLS.length);
    } finally {
      await client.close();
    }
  });

  test('a refused key says so', async () => {
    await assertKeyRefused(stdioTransport({ MEMFLOW_URL: api.url, MEMFLOW_API_KEY: 'mf_not_a_key', MEMFLOW_PROJECT: project }));
  });
});

describe("the relay's /mcp", () => {
  test('the handshake and the tool list are answered while the API hangs, without a request to it', async () => {
    const sockets = new Set<net.Socket>();
    const hanging = net.createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}`;
    try {
      const client = await connect(relayTransport(tenant.key, project, hangingUrl));
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
      assert.equal(sockets.size, 0, 'the handshake never reached the API');
      await client.close();
      // A second session's handshake is answered from what the first one got, identically.
      const health = async () => ((await (await fetch(`${relay.url}/health`)).json()) as { mcp: { answeredFromCache: number } }).mcp.answeredFromCache;
      const cachedBefore = await health();
      const again = await connect(relayTransport(tenant.key, project, hangingUrl));
      assert.deepEqual((await again.listTools()).tools, tools);
      await again.close();
      assert.ok((await health()) >= cachedBefore + 3, 'initialize, initialized and tools/list answered without building a server');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });

  test('a refused key is a tool error; no key, a non-loopback Host, GET and a body that is not JSON are refused with their own status', async () => {
    await assertKeyRefused(relayTransport('mf_not_a_key', project));
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    const post = (headers: Record<string, string>, body = init) =>
      fetch(`${relay.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });
    const noKey = await post({ 'x-memflow-url': api.url });
    assert.equal(noKey.status, 401);
    assert.match(((await noKey.json()) as { error: { message: string } }).error.message, /Authorization: Bearer/);
    // fetch will not send another Host: a raw request does, as a rebound DNS name would.
    const { port } = new URL(relay.url);
    const rebound = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () =>
        s.end(`POST /mcp HTTP/1.0\r\nHost: memflow.attacker.example\r\nAuthorization: Bearer ${tenant.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(init)}\r\n\r\n${init}`),
      );
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    assert.match(rebound, /^HTTP\/1\.1 403 /);
    assert.match(rebound, /loopback/);
    assert.equal((await fetch(`${relay.url}/mcp`, { headers: { authorization: `Bearer ${tenant.key}` } })).status, 405);
    const notJson = await post({ authorization: `Bearer ${tenant.key}`, 'x-memflow-url': api.url }, '{"jsonrpc":');
    assert.equal(notJson.status, 400);
    const badUrl = await post({ authorization: `Bearer ${tenant.key}`, 'x-memflow-url': 'ftp://example.com' });
    assert.equal(badUrl.status, 400);
  });
});

describe('POST /v1/memories', () => {
  const post = (body: unknown, key = tenant.key, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/v1/memories`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('stores a redacted memory, 201 then 200 for the same text, audited', async () => {
    const text = `Deploys need ANTHROPIC_API_KEY=sk-ant-api03-${'a1B2'.repeat(20)} in the runner (${uniqueName('d')}).`;
    const first = await post({ text, kind: 'convention' }, tenant.key, { 'x-memflow-project': project });
    assert.equal(first.status, 201);
    const a = (await first.json()) as { id: string; status: string; redactions: number; indexed: boolean; project: string };
    assert.equal(a.status, 'created');
    assert.equal(a.project, project);
    assert.ok(a.redactions >= 1);
    const row = await prisma.learning.findUniqueOrThrow({ where: { id: a.id } });
    assert.ok(!row.body.includes('sk-ant-'), row.body);
    assert.equal(row.origin, 'user');
    const second = await post({ text, kind: 'convention', project });
    assert.equal(second.status, 200);
    assert.equal(((await second.json()) as { status: string }).status, 'restated');
    assert.equal(await prisma.auditLog.count({ where: { tenantId: tenant.tenantId, action: 'memory.remember', target: `learning:${a.id}` } }), 2);

    // The same sync the API starts, run here under a known id: its history is a replay fixture.
    const handle = await temporal.client.workflow.start('memorySyncWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: uniqueName('memory-sync'), args: [{ tenantId: tenant.tenantId, learningIds: [a.id] }] });
    assert.deepEqual(await handle.result(), { upserted: 0, skipped: 1 }, 'already indexed by the request: nothing to write');
    await keepHistory('memory-sync', handle);
  });

  test('memories are found by their short id; a prefix of two records is ambiguous', async () => {
    const learning = await prisma.learning.findFirstOrThrow({ where: { tenantId: tenant.tenantId } });
    const get = await fetch(`${api.url}/v1/memories/${learning.id.slice(0, 8)}`, { headers: { authorization: `Bearer ${tenant.key}` } });
    assert.equal(get.status, 200);
    assert.equal(((await get.json()) as { id: string }).id, learning.id);
    const foreign = await fetch(`${api.url}/v1/memories/${learning.id.slice(0, 8)}`, { headers: { authorization: `Bearer ${other.key}` } });
    assert.equal(foreign.status, 404);
    // Two learnings whose ids share their first 8 digits.
    // A prefix of this run's own (the database may hold an earlier run's twins).
    const prefix = `${crypto.randomBytes(4).toString('hex').replace(/^f/, 'a')}`;
    const twin = (n: string) => `${prefix}-0000-4000-8000-00000000000${n}`;
    const projectRow = await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.tenantId } });
    for (const n of ['1', '2']) {
      await prisma.learning.create({ data: { id: twin(n), tenantId: tenant.tenantId, projectId: projectRow.id, kind: 'fact', title: `twin ${n}`, body: 'b', fingerprint: crypto.randomBytes(32).toString('hex') } });
    }
    const amb = await fetch(`${api.url}/v1/memories/${prefix}`, { headers: { authorization: `Bearer ${tenant.key}` } });
    assert.equal(amb.status, 409);
    const batch = await fetch(`${api.url}/v1/memories:batchGet`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids: [prefix, twin('2'), 'ffffffff'] }) });
    const b = (await batch.json()) as { items: { id: string }[]; notFound: string[]; ambiguous: string[] };
    assert.deepEqual(b.items.map((i) => i.id), [twin('2')]);
    assert.deepEqual(b.notFound, ['ffffffff']);
    assert.deepEqual(b.ambiguous, [prefix]);
  });

  test('bad input: 400 naming the field, nothing stored', async () => {
    const before = await prisma.learning.count({ where: { tenantId: tenant.tenantId } });
    for (const [body, field] of [
      [{ project }, 'text'],
      [{ text: '   ', project }, 'text'],
      [{ text: 'x', kind: 'rumour', project }, 'kind'],
      [{ text: 'x', project, tags: ['has space'] }, 'tags'],
      [{ text: 'x' }, 'project'],
      [{ text: 'x', project: '../etc' }, 'project'],
    ] as const) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const e = (await res.json()) as { error: { message: string } };
      assert.match(e.error.message, new RegExp(`^${field}`), JSON.stringify(e));
    }
    assert.equal(await prisma.learning.count({ where: { tenantId: tenant.tenantId } }), before);
  });
});

describe('memflow install registers the MCP server', () => {
  const install = (dir: string, env: Record<string, string>, ...args: string[]) => runCli(['install', '--no-relay', '--offline', ...args], { cwd: dir, env });

  test('local scope by default: the relay\'s /mcp over HTTP in ~/.claude.json for this repository, with its API, project and key', async () => {
    const home = await tempDir('mcp-local-home');
    const dir = path.join(await tempDir('mcp-local'), 'shop');
    await fs.mkdir(path.join(dir, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
    await fs.writeFile(path.join(home, '.claude.json'), JSON.stringify({ numStartups: 3, projects: { [dir]: { allowedTools: ['x'] } } }));
    // Run in a subfolder: the entry is for the repository's root.
    const first = await install(path.join(dir, 'src'), { HOME: home });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /added\s+MCP server "memflow" \(http: the relay's \/mcp, tool calls to the API, local scope/);
    const user = JSON.parse(await fs.readFile(path.join(home, '.claude.json'), 'utf8')) as { numStartups: number; projects: Record<string, { allowedTools: string[]; mcpServers: Record<string, Record<string, unknown>> }> };
    assert.equal(user.numStartups, 3);
    assert.deepEqual(user.projects[dir]!.allowedTools, ['x']);
    const entry = user.projects[dir]!.mcpServers.memflow!;
    assert.equal(entry.type, 'http');
    assert.equal(entry.url, 'http://127.0.0.1:7719/mcp', "the relay's address (MEMFLOW_RELAY_PORT unset)");
    const headers = entry.headers as Record<string, string>;
    assert.equal(headers.Authorization, 'Bearer ${MEMFLOW_API_KEY}');
    assert.match(headers['X-Memflow-Url']!, /^\$\{MEMFLOW_URL:-http:\/\/127\.0\.0\.1:\d+\}$/, 'tool calls go to the user\'s API');
    assert.equal(headers['X-Memflow-Project'], 'shop');
    assert.match(headers['X-Memflow-Project-Key']!, /^[0-9a-f]{16}$/);
    await assert.rejects(fs.access(path.join(dir, '.mcp.json')), 'nothing written into the repository for the MCP server');
    const second = await install(dir, { HOME: home });
    assert.match(second.stdout, /unchanged\s+MCP server "memflow"/);
    const u = await runCli(['uninstall'], { cwd: dir, env: { HOME: home } });
    assert.equal(u.code, 0, u.stderr);
    const left = JSON.parse(await fs.readFile(path.join(home, '.claude.json'), 'utf8')) as typeof user;
    assert.ok(!('memflow' in (left.projects[dir]!.mcpServers ?? {})));
    await assert.rejects(fs.access(path.join(dir, '.claude', 'settings.local.json')), 'uninstall leaves no empty settings file');
  });

  test('--shared: .mcp.json with nothing machine-specific, merged and idempotent; --stdio-mcp writes the stdio server', async () => {
    const dir = await tempDir('mcp-install');
    execFileSync('git', ['init', '-q', dir]);
    await fs.writeFile(path.join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { other: { command: 'other-server' } } }, null, 4));
    const env = { HOME: dir };
    const first = await install(dir, env, '--shared', '--stdio-mcp');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /added\s+MCP server "memflow"/);
    const written = JSON.parse(await fs.readFile(path.join(dir, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
    assert.deepEqual(written.mcpServers.other, { command: 'other-server' });
    const entry = written.mcpServers.memflow!;
    assert.deepEqual(entry, { type: 'stdio', command: 'memflow', args: ['mcp'], env: { MEMFLOW_API_KEY: '${MEMFLOW_API_KEY}', MEMFLOW_URL: entry.env && (entry.env as Record<string, string>).MEMFLOW_URL } });
    assert.match(String((entry.env as Record<string, string>).MEMFLOW_URL), /^\$\{MEMFLOW_URL:-http:\/\/127\.0\.0\.1:\d+\}$/);
    const text = await fs.readFile(path.join(dir, '.mcp.json'), 'utf8');
    assert.ok(!text.includes(repoRoot) && !text.includes(process.execPath), 'no machine paths');
    assert.match(text, /^ {4}"mcpServers"/m, 'the file keeps its indentation');

    const second = await install(dir, env, '--shared', '--stdio-mcp');
    assert.match(second.stdout, /unchanged\s+MCP server "memflow"/);
    const http = await install(dir, env, '--shared');
    assert.match(http.stdout, /updated\s+MCP server "memflow" \(http: the relay's \/mcp/);
    const after = JSON.parse(await fs.readFile(path.join(dir, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
    assert.equal(after.mcpServers.memflow!.type, 'http');
    assert.equal(after.mcpServers.memflow!.url, 'http://127.0.0.1:7719/mcp');
    // Committed: a repository without a remote is named by its folder alone (its key is of this machine's path).
    const apiUrl = (after.mcpServers.memflow!.headers as Record<string, string>)['X-Memflow-Url']!;
    assert.match(apiUrl, /^\$\{MEMFLOW_URL:-http:\/\/127\.0\.0\.1:\d+\}$/);
    assert.deepEqual(after.mcpServers.memflow!.headers, { Authorization: 'Bearer ${MEMFLOW_API_KEY}', 'X-Memflow-Url': apiUrl, 'X-Memflow-Project': path.basename(dir) });
    // Hooks straight to the API (no relay): the API's own /mcp.
    const direct = await install(dir, env, '--shared', '--http');
    assert.match(direct.stdout, /updated\s+MCP server "memflow" \(http: the API's \/mcp/);
    const apiEntry = (JSON.parse(await fs.readFile(path.join(dir, '.mcp.json'), 'utf8')) as typeof after).mcpServers.memflow!;
    assert.match(String(apiEntry.url), /^\$\{MEMFLOW_URL:-http:\/\/127\.0\.0\.1:\d+\}\/mcp$/);
    assert.deepEqual(apiEntry.headers, { Authorization: 'Bearer ${MEMFLOW_API_KEY}', 'X-Memflow-Project': path.basename(dir) });

    await fs.writeFile(path.join(dir, '.mcp.json'), '{ not json');
    const broken = await install(dir, env, '--shared');
    assert.notEqual(broken.code, 0);
    assert.match(broken.stderr, /\.mcp\.json is not valid JSON/);
    assert.equal(await fs.readFile(path.join(dir, '.mcp.json'), 'utf8'), '{ not json');
  });

  test('--global writes ~/.claude.json (user scope), keeping what is there; --no-mcp skips it; outside a repository install says so', async () => {
    const home = await tempDir('mcp-home');
    await fs.writeFile(path.join(home, '.claude.json'), JSON.stringify({ numStartups: 3 }));
    const r = await install(home, { HOME: home }, '--global', '--stdio-mcp');
    assert.equal(r.code, 0, r.stderr);
    const user = JSON.parse(await fs.readFile(path.join(home, '.claude.json'), 'utf8')) as { numStartups: number; mcpServers: Record<string, { command: string }> };
    assert.equal(user.numStartups, 3);
    assert.equal(user.mcpServers.memflow!.command, 'memflow');
    const dir = await tempDir('mcp-skip');
    const refused = await install(dir, { HOME: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not inside a git repository: run `memflow install` in your project's repository, or pass --here/);
    const skip = await install(dir, { HOME: dir }, '--no-mcp', '--here');
    assert.equal(skip.code, 0, skip.stderr);
    await assert.rejects(fs.access(path.join(dir, '.mcp.json')));
  });
});
