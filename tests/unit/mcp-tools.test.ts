/**
 * Each MCP tool, unit-tested over the SDK's in-memory transport: the real server factory
 * (mcp/mcp-server.ts) and the SDK's own Client, the tools' API client (clients/api.ts) talking to an
 * in-process stand-in of memflow's API (tests/helpers/fake-memflow-api.ts) — no servers. What each
 * tool asks the API for, the capped text it answers (token stamp, short ids, hints), and, when the
 * client asks for structured answers, the `structuredContent` the tool's `outputSchema` (the API's
 * answer shapes, messages/api-v1.ts) declares: the SDK's Client checks every structured answer
 * against the schema the tool listed, and the records in it are the ones the text shows.
 * tests/mcp.test.ts drives the same tools against the real API over every transport.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createApiClient } from '../../clients/api.js';
import { countTokens } from '../../common/rules/tokens.js';
import { createMemflowMcpServer } from '../../mcp/mcp-server.js';
import type { MemoryRecord } from '../../messages/api-v1.js';
import { FakeMemflowApi, learning, observation, PROJECT, SESSION, summary } from '../helpers/fake-memflow-api.js';

const TOOLS = ['search', 'timeline', 'get', 'context', 'learnings', 'remember', 'correct', 'wrong', 'forget'];

function records(): MemoryRecord[] {
  return [
    ...Array.from({ length: 12 }, (_, i) => observation(i + 1, `npx vitest run src/checkout/pay.test.ts: attempt ${i + 1} failed waiting for the card iframe`)),
    summary(),
    learning(1, 'The checkout test needs the card iframe to load first'),
    learning(2, 'Card iframe waits need 10 s on CI'),
    learning(3, 'Retry the card iframe lookup once', 'pending'),
  ];
}

async function connect(opts: { structured?: boolean; maxTokens?: number } = {}) {
  const api = new FakeMemflowApi(records());
  const server = createMemflowMcpServer({
    api: createApiClient({ transport: api.transport, key: 'mf_test', describe: 'the fake API' }),
    defaultProject: PROJECT,
    version: 'test',
    ...opts,
  });
  const client = new Client({ name: 'unit', version: '1' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  // Listing the tools is what makes the Client check structured answers against their schemas.
  const { tools } = await client.listTools();
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    return { ...r, text, structured: r.structuredContent as Record<string, unknown> | undefined };
  };
  return { api, client, tools, call, close: () => client.close() };
}

/** The stamp states the whole answer's token count. */
function assertStamped(text: string): void {
  const m = /\n\[(\d+) tokens\]$/.exec(text);
  assert.ok(m, `stamped: ${text}`);
  assert.equal(Number(m[1]), countTokens(text));
}

const lines = (text: string) => text.split('\n').filter((l) => /^(?:→ )?[0-9a-f]{8} /.test(l));

test('tools/list: every tool, with an outputSchema only when the client asks for structured answers', async () => {
  const plain = await connect();
  assert.deepEqual(plain.tools.map((t) => t.name).sort(), [...TOOLS].sort());
  assert.ok(plain.tools.every((t) => t.outputSchema === undefined));
  await plain.close();
  const structured = await connect({ structured: true });
  const schema = (name: string) => structured.tools.find((t) => t.name === name)!.outputSchema!;
  assert.ok(structured.tools.every((t) => t.outputSchema?.type === 'object'));
  // The API's own answer shapes: a search answer, a page of learnings, a batch get.
  assert.deepEqual(Object.keys(schema('search').properties!).sort(), ['degraded', 'degradedReason', 'mode', 'project', 'results', 'tookMs']);
  assert.deepEqual(Object.keys(schema('learnings').properties!).sort(), ['items', 'nextCursor']);
  assert.deepEqual(Object.keys(schema('get').properties!).sort(), ['ambiguous', 'items', 'notFound']);
  await structured.close();
});

describe('search', () => {
  test('a compact index of the hits, asked for in the default project with the receipt channel', async () => {
    const s = await connect();
    const r = await s.call('search', { query: 'iframe' });
    assert.equal(r.isError, undefined);
    assert.equal(r.structured, undefined, 'no structured content unless asked for');
    assert.match(r.text, /^8 hits in shop:/);
    assert.equal(lines(r.text).length, 8);
    assertStamped(r.text);
    const asked = s.api.requests.find((q) => q.path === '/v1/search')!;
    assert.equal(asked.query.get('project'), PROJECT);
    assert.equal(asked.query.get('limit'), '8');
    assert.equal(asked.query.get('channel'), 'mcp_tool:search');
    await s.close();
  });

  test('structured: the hits the text shows, in the search answer shape, also when the cap cuts them', async () => {
    const s = await connect({ structured: true, maxTokens: 150 });
    const r = await s.call('search', { query: 'iframe', limit: 15 });
    const shown = lines(r.text);
    assert.match(r.text, /more hits cut to stay under 150 tokens/);
    assert.ok(shown.length > 0 && shown.length < 15, r.text);
    const results = r.structured!.results as { id: string }[];
    assert.deepEqual(results.map((h) => h.id.slice(0, 8)), shown.map((l) => l.slice(0, 8)));
    assert.equal(r.structured!.project, PROJECT);
    assert.ok(countTokens(r.text) <= 150);
    await s.close();
  });
});

describe('timeline', () => {
  test('around an observation: the steps before and after it, the anchor marked', async () => {
    const s = await connect({ structured: true });
    const anchor = observation(6, '').id;
    const r = await s.call('timeline', { around: anchor.slice(0, 8), before: 2, after: 3 });
    assert.match(r.text, new RegExp(`^Session ${SESSION}: 6 steps around ${anchor.slice(0, 8)}`));
    assert.deepEqual(lines(r.text).map((l) => l.replace(/ .*/, '')), ['0b000004', '0b000005', '→', '0b000007', '0b000008', '0b000009']);
    assert.match(r.text, /More: timeline\(session "sess-1", cursor "9"\)/);
    const asked = s.api.requests.find((q) => q.path.endsWith('/timeline'))!;
    assert.equal(asked.query.get('around'), anchor);
    assert.equal(asked.query.get('before'), '2');
    assert.deepEqual((r.structured!.items as { id: string }[]).map((i) => i.id.slice(0, 8)), ['0b000004', '0b000005', '0b000006', '0b000007', '0b000008', '0b000009']);
    assert.equal(r.structured!.nextCursor, '9');
    await s.close();
  });

  test('a summary is not a step: the error says where to read it; neither id nor session is an error too', async () => {
    const s = await connect();
    const r = await s.call('timeline', { around: summary().id.slice(0, 8) });
    assert.equal(r.isError, true);
    assert.match(r.text, /is a summary, not a step of a session: use get for it, or timeline with session "sess-1"/);
    const none = await s.call('timeline', {});
    assert.equal(none.isError, true);
    assert.match(none.text, /give `around`/);
    await s.close();
  });
});

describe('get', () => {
  test('whole records by id; a learning waiting for review is not served, unknown ids are named', async () => {
    const s = await connect({ structured: true });
    const ids = [summary().id.slice(0, 8), learning(1, '').id.slice(0, 8), learning(3, '').id.slice(0, 8), 'deadbeef'];
    const r = await s.call('get', { ids });
    assert.match(r.text, /^## summary 5a000001 · Nov 20/m);
    assert.match(r.text, /^## learning 1e000001 · Nov 20/m);
    assert.match(r.text, /sources: 0b000001/);
    assert.match(r.text, /Not found: deadbeef/);
    assert.match(r.text, /Not served \(a maintainer has not approved them\): 1e000003 waits for review/);
    assertStamped(r.text);
    assert.equal(s.api.requests.find((q) => q.path === '/v1/memories:batchGet')!.query.get('channel'), 'mcp_tool:get');
    assert.deepEqual((r.structured!.items as MemoryRecord[]).map((x) => x.type), ['summary', 'learning'], 'the withheld learning is not in the structured answer either');
    assert.deepEqual(r.structured!.notFound, ['deadbeef']);
    await s.close();
  });

  test('under a small cap: whole records only, the rest named to get next', async () => {
    const s = await connect({ structured: true, maxTokens: 120 });
    const ids = [1, 2, 3, 4, 5, 6].map((n) => observation(n, '').id.slice(0, 8));
    const r = await s.call('get', { ids });
    const m = /\((\d) records not shown to stay under 120 tokens: get ([0-9a-f ]+)\)/.exec(r.text);
    assert.ok(m, r.text);
    const items = r.structured!.items as MemoryRecord[];
    assert.equal(items.length + Number(m[1]), 6);
    assert.deepEqual(m[2]!.split(' '), ids.slice(items.length));
    await s.close();
  });
});

describe('context', () => {
  test("the project's start context, stamped; an empty one says so", async () => {
    const s = await connect({ structured: true });
    s.api.context = '## Learnings\n- The checkout test needs the card iframe to load first';
    const r = await s.call('context', { tokens: 500 });
    assert.ok(r.text.startsWith(s.api.context));
    assertStamped(r.text);
    const asked = s.api.requests.find((q) => q.path === '/v1/context')!;
    assert.equal(asked.query.get('channel'), 'mcp_tool:context');
    assert.equal(asked.query.get('tokens'), '500');
    assert.deepEqual(r.structured, { context: s.api.context, tokens: 25, items: [records()[0]!.id] });
    s.api.context = '';
    assert.match((await s.call('context', {})).text, /^No memories yet for shop\./);
    await s.close();
  });
});

describe('learnings', () => {
  test('one line each, paged by cursor; status all shows what review holds back too', async () => {
    const s = await connect({ structured: true });
    const r = await s.call('learnings', { limit: 1 });
    assert.match(r.text, /^1 learnings of shop\./);
    assert.match(r.text, /^1e000001 \[gotcha, trust: extracted\] The checkout test needs the card iframe to load first$/m);
    assert.match(r.text, /More: learnings\(cursor "1"\)\./);
    assert.deepEqual(r.structured, { items: [learning(1, 'The checkout test needs the card iframe to load first')], nextCursor: '1' });
    const all = await s.call('learnings', { status: 'all' });
    assert.equal(lines(all.text).length, 3);
    assert.match(all.text, /1e000003 \[gotcha, trust: extracted, pending\]/);
    assert.equal(s.api.requests.at(-1)!.query.get('status'), 'all');
    await s.close();
  });
});

describe('remember', () => {
  test('stores what the agent states, as the agent; stating it again strengthens it', async () => {
    const s = await connect({ structured: true });
    const text = 'Refund amounts are rounded half up.';
    const r = await s.call('remember', { text, kind: 'convention' });
    const id = /^Remembered: ([0-9a-f]{8}) in shop\.\n/.exec(r.text)?.[1];
    assert.ok(id, r.text);
    assertStamped(r.text);
    const asked = s.api.requests.find((q) => q.path === '/v1/memories')!;
    assert.deepEqual(asked.body, { text, kind: 'convention', origin: 'agent' });
    assert.equal(asked.query.get('project'), PROJECT);
    assert.equal((r.structured!.id as string).slice(0, 8), id);
    assert.equal(r.structured!.status, 'created');
    const again = await s.call('remember', { text });
    assert.match(again.text, new RegExp(`^Already known; strengthened: ${id} in shop\\.`));
    assert.equal(again.structured!.status, 'restated');
    await s.close();
  });
});

describe('correct, wrong, forget', () => {
  test('each retracts a learning with the agent as its author; an unknown one is a tool error', async () => {
    const s = await connect({ structured: true });
    const l1 = learning(1, '').id;
    const corrected = await s.call('correct', { id: l1.slice(0, 8), text: 'The card iframe needs 5 s.', reason: 'measured again' });
    assert.match(corrected.text, new RegExp(`^Corrected: ${l1.slice(0, 8)} is superseded by [0-9a-f]{8}\\.`));
    assert.equal(corrected.structured!.supersedes, l1);
    assert.deepEqual(s.api.requests.at(-1)!.body, { text: 'The card iframe needs 5 s.', reason: 'measured again', origin: 'agent' });

    const l2 = learning(2, '').id;
    const wrong = await s.call('wrong', { id: l2.slice(0, 8), reason: 'CI is faster now' });
    assert.match(wrong.text, /^Marked wrong: 1e000002 is retracted/);
    assert.deepEqual(wrong.structured, { id: l2, status: 'superseded', indexed: true, reason: 'wrong' });
    assert.equal(s.api.requests.at(-1)!.path, `/v1/learnings/${l2.slice(0, 8)}/wrong`);

    const forgot = await s.call('forget', { id: l2.slice(0, 8), reason: 'no longer true' });
    assert.match(forgot.text, /^Forgotten: 1e000002 is retracted \(kept in history\)\./);
    assert.deepEqual(forgot.structured, { id: l2, status: 'superseded', indexed: true });
    assertStamped(forgot.text);

    const unknown = await s.call('forget', { id: 'abcdef01', reason: 'x' });
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /memflow API answered 404 \(not_found: no learning abcdef01\)/);
    assert.equal(unknown.structured, undefined);
    await s.close();
  });

  test('bad arguments never reach the API', async () => {
    const s = await connect();
    const r = await s.call('correct', { id: 'not-an-id', text: 'x', reason: 'y' });
    assert.equal(r.isError, true);
    assert.match(r.text, /must be a memory id/);
    assert.equal(s.api.requests.length, 0);
    await s.close();
  });
});
