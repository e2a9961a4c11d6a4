/**
 * The MCP server's tools, one module each (mcp/tools/), through the SDK's own client over an
 * in-memory transport pair: the listed tools and their argument schemas, what each sends to the API
 * and how it renders the answer, and the errors an agent sees. No servers: the API side is the typed
 * client's transport, answering with shapes the client parses with messages/api-v1.ts's schemas
 * (an answer that did not fit would fail the call), so the tools see what the real API would send.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createApiClient } from '../clients/api.js';
import type { ApiRequest, Transport } from '../clients/core.js';
import { createMemflowMcpServer } from '../mcp/mcp-server.js';
import { MEMFLOW_VERSION, RECORD_TYPES, SEARCH_MODES, STATED_KINDS } from '../messages/vocabulary-v1.js';

type Route = (req: ApiRequest, url: URL) => { status: number; json: unknown } | undefined;

/** The API as the typed client reaches it: each request is recorded, then answered by the first route that knows it. */
function apiOf(routes: Route[]) {
  const seen: { method: string; path: string; query: URLSearchParams; body: unknown }[] = [];
  const transport: Transport = async (req) => {
    const url = new URL(req.path, 'http://memflow.test');
    seen.push({ method: req.method, path: url.pathname, query: url.searchParams, body: req.body ? JSON.parse(req.body) : undefined });
    const answer = routes.map((r) => r(req, url)).find((a) => a !== undefined) ?? { status: 404, json: { error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}` } } };
    return { status: answer.status, headers: { get: () => null }, text: JSON.stringify(answer.json) };
  };
  return { api: createApiClient({ transport, key: 'mf_test', describe: 'memflow.test' }), seen };
}

async function connect(routes: Route[], opts: { defaultProject?: string; maxTokens?: number } = {}) {
  const { api, seen } = apiOf(routes);
  const server = createMemflowMcpServer({ api, version: MEMFLOW_VERSION, ...opts });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'memflow-unit', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return { client, seen, close: () => Promise.all([client.close(), server.close()]) };
}

const textOf = (r: Awaited<ReturnType<Client['callTool']>>) => ((r as CallToolResult).content[0] as { text: string }).text;

const HIT = { id: '611e4b0e-1111-4000-8000-000000000001', type: 'learning', title: 'Refund rounding uses banker rounding', snippet: 'round half to even', score: 0.9, sessionId: 'S1', createdAt: '2026-11-20T10:00:00Z' };

test('nine tools are listed, each with its argument schema, and the vocabularies come from messages/', async () => {
  const { client, close } = await connect([]);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['search', 'timeline', 'get', 'context', 'learnings', 'remember', 'correct', 'wrong', 'forget'],
    );
    const schema = (name: string) => tools.find((t) => t.name === name)!.inputSchema as { properties: Record<string, any>; required?: string[] };
    assert.deepEqual(schema('search').required, ['query']);
    assert.deepEqual(schema('search').properties.types.items.enum, [...RECORD_TYPES]);
    assert.deepEqual(schema('search').properties.mode.enum, [...SEARCH_MODES]);
    assert.deepEqual(schema('remember').properties.kind.enum, [...STATED_KINDS]);
    assert.deepEqual(schema('forget').required, ['id', 'reason']);
    for (const name of ['search', 'timeline', 'get', 'context', 'learnings']) assert.equal(tools.find((t) => t.name === name)!.annotations?.readOnlyHint, true, name);
    assert.equal(client.getServerVersion()?.version, MEMFLOW_VERSION);
  } finally {
    await close();
  }
});

test('search asks the API in the default project and answers a compact index', async () => {
  const { client, seen, close } = await connect([(req, url) => (url.pathname === '/v1/search' ? { status: 200, json: { results: [HIT], tookMs: 4, mode: 'hybrid', degraded: false } } : undefined)], { defaultProject: 'storefront' });
  try {
    const answer = textOf(await client.callTool({ name: 'search', arguments: { query: 'refund rounding', types: ['learning'] } }));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.query.get('q'), 'refund rounding');
    assert.equal(seen[0]!.query.get('project'), 'storefront');
    assert.equal(seen[0]!.query.get('limit'), '8');
    assert.match(answer, /611e4b0e learning .*Refund rounding uses banker rounding/);
    assert.doesNotMatch(answer, /611e4b0e-1111/, 'short ids in the index');
  } finally {
    await close();
  }
});

test('bad arguments are refused before any API call; an API error reaches the agent as the tool error', async () => {
  const { client, seen, close } = await connect([(req, url) => (url.pathname.endsWith('/forget') ? { status: 404, json: { error: { code: 'not_found', message: 'no learning 611e4b0e in this tenant' } } } : undefined)]);
  try {
    const bad = await client.callTool({ name: 'remember', arguments: { text: 'x', kind: 'rumour' } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /kind/);
    const badId = await client.callTool({ name: 'forget', arguments: { id: 'not-an-id', reason: 'wrong' } });
    assert.equal(badId.isError, true);
    assert.equal(seen.length, 0, 'nothing was sent for invalid arguments');
    const missing = await client.callTool({ name: 'forget', arguments: { id: '611e4b0e', reason: 'the code proves otherwise' } });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /no learning 611e4b0e in this tenant/);
    assert.deepEqual(seen[0]!.body, { reason: 'the code proves otherwise', origin: 'agent' });
  } finally {
    await close();
  }
});

test('timeline around a hit that is not a step says to use get; remember sends an agent memory', async () => {
  const { client, seen, close } = await connect([
    (req, url) => (req.method === 'GET' && url.pathname.startsWith('/v1/memories/') ? { status: 200, json: { id: HIT.id, type: 'learning', sessionId: null } } : undefined),
    (req, url) => (req.method === 'POST' && url.pathname === '/v1/memories' ? { status: 201, json: { id: HIT.id, project: 'storefront', status: 'created', redactions: 1, indexed: true } } : undefined),
  ]);
  try {
    const notStep = await client.callTool({ name: 'timeline', arguments: { around: '611e4b0e' } });
    assert.equal(notStep.isError, true);
    assert.match(textOf(notStep), /is a learning, not a step of a session: use get for it/);
    const stated = textOf(await client.callTool({ name: 'remember', arguments: { text: 'Refunds round half to even.', project: 'storefront' } }));
    assert.match(stated, /^Remembered: 611e4b0e in storefront\. 1 secret or private span\(s\) were removed before storage\./);
    const post = seen.find((s) => s.method === 'POST')!;
    assert.deepEqual(post.body, { text: 'Refunds round half to even.', kind: 'fact', origin: 'agent' });
    assert.equal(post.query.get('project'), 'storefront');
  } finally {
    await close();
  }
});
