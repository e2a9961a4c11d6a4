/**
 * `memflow search`, `show`, `context`, `learnings`: thin clients over the retrieval API, run as the
 * real bin against the real API and worker. A recorded debugging session is replayed through the
 * API first, so there is something to find.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { freePort } from '../infra/ports.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { BIN, runCli, tempDir } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';

// No Anthropic key: the offline summarizer writes the summaries and learnings.
const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('cli-retrieval') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const project = uniqueName('shop');
const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`);

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  await replay(api.url, tenant.key, session.deliveries);
  await sessionResult(temporal.client, prisma, tenant.tenantId, session.sessionId, 90_000);
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}, cwd?: string) =>
  runCli(args, { env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key, ...env }, ...(cwd ? { cwd } : {}) });

interface SearchJson {
  results: { id: string; type: string; title: string; snippet: string; score: number; sessionId: string | null }[];
  tookMs: number;
  degraded: boolean;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

async function searchJson(args: string[]): Promise<SearchJson> {
  const r = await cli(['search', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SearchJson;
}

describe('search', () => {
  test('--json prints the API answer: the session is found', async () => {
    const answer = await searchJson(['empty', 'cart', 'price', '--project', project, '--mode', 'keyword']);
    assert.ok(answer.results.length > 0, 'something found');
    assert.ok(answer.results.every((r) => r.sessionId === session.sessionId));
    assert.equal(typeof answer.tookMs, 'number');
    assert.equal(answer.degraded, false);
  });

  test('human output: a line per result with its rank (never a score), type, id and title, its snippet indented, and a footer', async () => {
    const r = await cli(['search', 'empty cart', '--project', project, '--limit', '3']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^#1 {4}(observation|summary|learning)\\s+${UUID}  \\S`));
    assert.match(lines[1] ?? '', /^ {8}\S/);
    const results = lines.filter((l) => /^#\d+ +/.test(l));
    assert.doesNotMatch(r.stdout, /(^|\s)-\d+\.\d+/, 'no negative score');
    assert.ok(results.length >= 1 && results.length <= 3, r.stdout);
    assert.match(lines.at(-1) ?? '', /^\d+ results? in [\d.]+ ms \(memflow show <id> for the full record\)$/);
    assert.doesNotMatch(r.stdout, /degraded/);
  });

  test('--types filters the index', async () => {
    const answer = await searchJson(['regression test', '--project', project, '--types', 'summary,learning', '--mode', 'keyword']);
    assert.ok(answer.results.length > 0);
    assert.ok(answer.results.every((r) => r.type === 'summary' || r.type === 'learning'), JSON.stringify(answer.results.map((r) => r.type)));
  });

  test('nothing found is said plainly', async () => {
    const r = await cli(['search', 'zeppelin', 'xylophone', '--project', project, '--mode', 'keyword']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^no results in [\d.]+ ms\n$/);
  });

  test('a degraded answer (Weaviate unreachable) says so', async () => {
    const closed = await freePort();
    const down = await startTestApi({ ...config, WEAVIATE_URL: `http://127.0.0.1:${closed}`, WEAVIATE_GRPC_PORT: closed }, prisma);
    try {
      const r = await cli(['search', 'empty cart', '--project', project], { MEMFLOW_URL: down.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^#1 /, 'keyword results still answer');
      assert.match(r.stdout, /\nnote: degraded answer, keyword search only \(.+\)\n$/);
    } finally {
      await down.close();
    }
  });
});

describe('show', () => {
  test('one id: the full record, as text or the API JSON', async () => {
    const [hit] = (await searchJson(['empty cart', '--project', project, '--mode', 'keyword', '--types', 'observation'])).results;
    assert.ok(hit);
    const json = await cli(['show', hit.id, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const record = JSON.parse(json.stdout) as { id: string; type: string; project: string; sessionId: string; text: string };
    assert.deepEqual([record.id, record.type, record.project, record.sessionId], [hit.id, 'observation', project, session.sessionId]);
    assert.ok(record.text.length > hit.snippet.length - 5, 'the full body, not the snippet');

    const human = await cli(['show', hit.id]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^observation ${hit.id}\\nproject  ${project}\\nsession  ${session.sessionId}\\nkind     `));
    assert.ok(human.stdout.includes(record.text), 'the whole text is printed');
  });

  test('several ids: one batchGet; ids not held are named and the exit is non-zero', async () => {
    const ids = (await searchJson(['cart', '--project', project, '--mode', 'keyword', '--limit', '2'])).results.map((r) => r.id);
    assert.equal(ids.length, 2);
    const r = await cli(['show', ...ids, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { items: { id: string }[]; notFound: string[] };
    assert.deepEqual(answer.items.map((i) => i.id), ids);
    assert.deepEqual(answer.notFound, []);

    const missing = crypto.randomUUID();
    const partial = await cli(['show', ids[0]!, missing]);
    assert.equal(partial.code, 1);
    assert.match(partial.stdout, new RegExp(`^\\S+\\s+${ids[0]}\\n`));
    assert.equal(partial.stderr, `memflow: not found: ${missing}\n`);
  });

  test('an unknown id is a 404, a malformed one is refused before any request', async () => {
    const id = crypto.randomUUID();
    const unknown = await cli(['show', id]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `memflow: not found (404 not_found: no memory '${id}')\n`);
    const bad = await cli(['show', 'abc123']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^memflow: 'abc123' is not a memory id \(a UUID/);
  });

  test('the short id prefix (8 hex digits) is enough', async () => {
    const found = await searchJson(['empty', 'cart', 'price', '--project', project, '--mode', 'keyword']);
    const id = found.results[0]!.id;
    const r = await cli(['show', id.slice(0, 8), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { id: string }).id, id);
  });

  test('a reader that goes away (memflow sessions | head -1) ends the command quietly', async () => {
    const r = await runCli([], { shell: `node ${JSON.stringify(BIN)} sessions --limit 100 | head -1`, env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /);
  });
});

describe('context', () => {
  test('prints the context text within the budget, the counts on stderr', async () => {
    const r = await cli(['context', '--project', project, '--tokens', '300']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'some context');
    const m = /^\((\d+) tokens, (\d+) items?\)\n$/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(Number(m[1]) > 0 && Number(m[1]) <= 300);
    assert.ok(Number(m[2]) > 0);

    const json = await cli(['context', '--project', project, '--tokens', '300', '--json']);
    const answer = JSON.parse(json.stdout) as { context: string; tokens: number; items: string[] };
    assert.ok(answer.tokens > 0 && answer.tokens <= 300);
    assert.equal(answer.context, r.stdout.replace(/\n$/, ''));
  });

  test("without --project it is the current directory's project, as the hooks name it", async () => {
    const dir = path.join(await tempDir('ctx'), project);
    await fs.mkdir(dir);
    const r = await cli(['context', '--json'], {}, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { items: string[] }).items.length > 0);
  });

  test('a project with no memories', async () => {
    const r = await cli(['context', '--project', uniqueName('empty')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^\(0 tokens, 0 items\) — nothing remembered for project 'empty-[0-9a-f]+' yet\n$/);
  });
});

describe('learnings', () => {
  test('lists what the session taught, with sources', async () => {
    const json = await cli(['learnings', '--project', project, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const page = JSON.parse(json.stdout) as { items: { id: string; kind: string; title: string; sources: unknown[] }[]; nextCursor: string | null };
    assert.ok(page.items.length > 0, 'the offline summarizer found learnings');
    assert.ok(page.items.every((l) => l.sources.length > 0));

    const human = await cli(['learnings', '--project', project, '--limit', '1']);
    assert.equal(human.code, 0, human.stderr);
    const first = page.items[0]!;
    assert.ok(human.stdout.startsWith(`[${first.kind}] ${first.title.replace(/\s+/g, ' ')}  (${project}, confidence `), human.stdout);
    if (page.items.length > 1) assert.match(human.stdout, /\nmore: memflow learnings --cursor \S+ --project /);
  });
});

describe('bad input: one clear line, exit 1', () => {
  const cases: [string, string[], RegExp][] = [
    ['a word for --limit', ['search', 'cart', '--limit', 'many'], /^memflow: --limit must be an integer from 1 to 100, not 'many'\n$/],
    ['--limit above the maximum', ['learnings', '--limit', '500'], /^memflow: --limit must be an integer from 1 to 100, not '500'\n$/],
    ['a zero budget', ['context', '--project', 'x', '--tokens', '0'], /^memflow: --tokens must be an integer from 1 to 32000, not '0'\n$/],
    ['an unknown type', ['search', 'cart', '--types', 'observation,note'], /^memflow: --types takes any of observation,summary,learning, not 'note'\n$/],
    ['a date the API rejects', ['search', 'cart', '--since', 'yesterday'], /^memflow: the API answered 400 \(invalid_query: since: must be an ISO 8601 date or date-time.*\)\n$/],
  ];
  for (const [what, args, expected] of cases) {
    test(what, async () => {
      const r = await cli(args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, expected);
      assert.equal(r.stdout, '');
    });
  }

  test('an unknown --mode is refused by the parser', async () => {
    const r = await cli(['search', 'cart', '--mode', 'fuzzy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /argument 'fuzzy' is invalid\. Allowed choices are hybrid, keyword, semantic/);
  });
});
