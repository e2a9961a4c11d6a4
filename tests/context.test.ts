/**
 * GET /v1/context and the session-start hook's additionalContext, through the real API on the real
 * stack: the project's learnings, summaries and activity ranked and rendered under a tiktoken
 * budget that is never exceeded (checked across many budgets, tiny ones included), superseded
 * learnings left out, another tenant's memories never included.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';
import { countTokens } from '../common/rules/tokens.js';
import { fileMayHaveMemory } from '../common/rules/file-names.js';
import { CORPUS, seedCorpus, type SeededCorpus } from './fixtures/retrieval-corpus.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('context', { worker: false });
const { prisma, call } = stack;
let tenantA: Awaited<ReturnType<typeof newTenant>>;
let tenantB: Awaited<ReturnType<typeof newTenant>>;
let seeded: SeededCorpus;
let supersededId: string;
const project = uniqueName('storefront');

const context = (key: string, params: Record<string, string>) => call(key, 'GET', `/v1/context?${new URLSearchParams(params).toString()}`);

before(async () => {
  tenantA = await newTenant(prisma);
  tenantB = await newTenant(prisma);
  seeded = await seedCorpus(prisma, tenantA.tenantId, project);
  // An old belief, replaced by the current one: it must never reach a new session.
  const current = seeded.sessions.find((s) => s.key === 'docker-build-cache')!;
  const old = await prisma.learning.create({
    data: {
      tenantId: tenantA.tenantId,
      projectId: seeded.projectId,
      kind: 'convention',
      title: 'Obsolete: always build images with docker build --no-cache',
      body: 'Superseded advice that disabled the layer cache entirely.',
      confidence: 0.99,
      strength: 50,
      status: 'superseded',
      fingerprint: crypto.randomBytes(32).toString('hex'),
      supersededById: current.learningId,
      validTo: new Date(),
    },
  });
  supersededId = old.id;
  // B has a project of the same name with its own memory.
  await seedCorpus(prisma, tenantB.tenantId, project, CORPUS.filter((s) => s.key === 'i18n-plurals'));
});

describe('GET /v1/context', () => {
  test('renders learnings, recent sessions and activity under the default budget of 1500 tokens', async () => {
    const res = await context(tenantA.key, { project });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { context: text, tokens, items } = res.body;
    assert.equal(tokens, countTokens(text), 'tokens is the tiktoken count of the context');
    assert.ok(tokens <= 1500 && tokens > 1000, `uses the budget (${tokens})`);
    assert.match(text, /## Learnings/);
    assert.match(text, /## Recent sessions/);
    assert.ok(items.length > 10);
    assert.equal(new Set(items).size, items.length);
    // Every listed item is a memory of this tenant and project.
    const known = new Set(seeded.sessions.flatMap((s) => [s.learningId, s.summaryId, ...s.observationIds]));
    assert.ok(items.every((id: string) => known.has(id)));
    // The freshest session's summary is in it.
    const newest = CORPUS.reduce((a, b) => (a.daysAgo < b.daysAgo ? a : b));
    assert.ok(text.includes(newest.summary.title));
  });

  test('is never above the budget, whatever the budget', async () => {
    const budgets = [1, 5, 10, 15, 20, 30, 50, 64, 75, 100, 128, 150, 200, 256, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000];
    for (const budget of budgets) {
      const res = await context(tenantA.key, { project, tokens: String(budget) });
      assert.equal(res.status, 200);
      const actual = countTokens(res.body.context);
      assert.ok(actual <= budget, `budget ${budget}: ${actual} tokens`);
      assert.equal(res.body.tokens, actual);
      assert.equal(res.body.items.length === 0, res.body.context === '', 'no items, no text');
    }
    // Tiny budgets give nothing rather than a lone header; a small one gives whole items.
    assert.equal((await context(tenantA.key, { project, tokens: '5' })).body.context, '');
    assert.match((await context(tenantA.key, { project, tokens: '60' })).body.context, /^# memflow[^\n]*\n## (Learnings|Recent sessions|Recent activity)\n- \S/);
  });

  test('shows one summary per session: its final one, not also its rolling summaries', async () => {
    const newest = CORPUS.reduce((a, b) => (a.daysAgo < b.daysAgo ? a : b));
    const seededNewest = seeded.sessions.find((s) => s.key === newest.key)!;
    const final = await prisma.summary.findUniqueOrThrow({ where: { id: seededNewest.summaryId } });
    const rolling = await prisma.summary.create({
      data: {
        tenantId: final.tenantId,
        projectId: final.projectId,
        sessionId: final.sessionId,
        kind: 'rolling',
        title: 'Rolling summary of the same session, written later',
        text: 'rolling text',
        fromSequence: 1,
        toSequence: 2,
        createdAt: new Date(final.createdAt.getTime() + 60_000),
      },
    });
    try {
      const res = await context(tenantA.key, { project, tokens: '32000' });
      assert.ok(res.body.items.includes(final.id), 'the final summary is shown');
      assert.ok(!res.body.items.includes(rolling.id), 'the same session is not shown twice');
    } finally {
      await prisma.summary.delete({ where: { id: rolling.id } });
    }
  });

  test('leaves superseded learnings out', async () => {
    const res = await context(tenantA.key, { project, tokens: '32000' });
    assert.ok(!res.body.items.includes(supersededId));
    assert.ok(!res.body.context.includes('Obsolete'));
    assert.ok(res.body.items.includes(seeded.sessions.find((s) => s.key === 'docker-build-cache')!.learningId));
  });

  test('puts what matches the query first', async () => {
    const docker = seeded.sessions.find((s) => s.key === 'docker-build-cache')!;
    const res = await context(tenantA.key, { project, tokens: '300', q: 'docker image build is slow, npm ci not cached' });
    assert.equal(res.body.items[0], docker.learningId, res.body.context);
    assert.ok(res.body.tokens <= 300);
  });

  test('never includes another tenant\'s memories, and validates its parameters', async () => {
    const b = await context(tenantB.key, { project, tokens: '4000' });
    assert.equal(b.status, 200);
    const aIds = new Set(seeded.sessions.flatMap((s) => [s.learningId, s.summaryId, ...s.observationIds]));
    assert.ok(b.body.items.length > 0 && b.body.items.every((id: string) => !aIds.has(id)));
    assert.ok(!/Playwright|Docker|CORS/.test(b.body.context));
    assert.deepEqual((await context(tenantB.key, { project: 'never-seen' })).body, { context: '', tokens: 0, items: [] });

    for (const [params, field] of [
      [{ project, tokens: '0' }, 'tokens'],
      [{ project, tokens: '1.5' }, 'tokens'],
      [{ project, tokens: 'many' }, 'tokens'],
      [{ project, tokens: '32001' }, 'tokens'],
      [{}, 'project'],
    ] as const) {
      const res = await context(tenantA.key, params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.match(res.body.error.message, new RegExp(`^${field}:`));
    }
  });
});

describe('GET /v1/context?for=file', () => {
  // A project of its own: what these learnings and receipts add must not move the other tests' contexts.
  const filesProject = uniqueName('payclient');
  let filesProjectId: string;
  before(async () => {
    filesProjectId = (await prisma.project.create({ data: { tenantId: tenantA.tenantId, name: filesProject } })).id;
  });
  /** A learning of tenant A's project that names files by its citations, its scope or its words. */
  const learningAbout = (title: string, fields: { citations?: unknown[]; scope?: string[]; body?: string; kind?: 'decision' | 'fix' | 'gotcha' | 'note'; anchors?: string[] }) =>
    prisma.learning.create({
      data: {
        tenantId: tenantA.tenantId,
        projectId: filesProjectId,
        kind: fields.kind ?? 'gotcha',
        title,
        body: fields.body ?? `${title}.`,
        fingerprint: crypto.randomBytes(32).toString('hex'),
        citations: (fields.citations ?? []) as object[],
        scope: fields.scope ?? [],
        anchors: fields.anchors ?? [],
      },
    });
  const forFile = async (path: string) => {
    const res = await context(tenantA.key, { project: filesProject, for: 'file', path });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items as string[];
  };

  test('finds the learnings whose citations, scope or words name the file, by the same path or one ending the other at a folder', async () => {
    const cited = await learningAbout('Retry loop sleeps zero seconds on the first attempt', { citations: [{ path: 'src/payclient/retry.py', startLine: 10, endLine: 20 }, { path: 'tests/test_retry.py' }] });
    const scoped = await learningAbout('Migrations are written by hand', { kind: 'decision', scope: ['MAX_ATTEMPTS', 'db/migrations/', 'db/schema.sql', 'two words/x.sql'] });
    const worded = await learningAbout('Never touch billing/rates.json by hand', { kind: 'decision', body: 'Stated by a person: never touch billing/rates.json by hand; the rates job writes it.' });
    assert.deepEqual(await forFile('src/payclient/retry.py'), [cited.id]);
    assert.deepEqual(await forFile('./src/payclient/retry.py'), [cited.id], 'the path is normalized');
    assert.deepEqual(await forFile('payclient/retry.py'), [cited.id], 'a learning citing a longer path that ends with the file');
    assert.deepEqual(await forFile('services/api/src/payclient/retry.py'), [cited.id], 'a longer path that ends with the cited one');
    assert.deepEqual(await forFile('test_retry.py'), [cited.id]);
    assert.deepEqual(await forFile('other/payclient/retry.py/x'), [], 'a path that only contains the cited one names another file');
    assert.deepEqual(await forFile('rc/payclient/retry.py'), [], 'a suffix that does not start at a folder names another file');
    assert.deepEqual(await forFile('db/schema.sql'), [scoped.id]);
    assert.deepEqual(await forFile('db/migrations/0001_init.sql'), [], 'a folder in the scope names no file in it (as before the index)');
    assert.deepEqual(await forFile('MAX_ATTEMPTS'), [], 'a scope entry that is no path names no file');
    assert.deepEqual(await forFile('billing/rates.json'), [worded.id], 'a path named in the words');
    assert.deepEqual(await forFile('billing/rates.yaml'), []);
  });

  test('at the code: what is anchored to a name the file defines or imports (the relay sends them), what the session met first, a note last', async () => {
    const project = uniqueName('toolbelt');
    const projectId = (await prisma.project.create({ data: { tenantId: tenantA.tenantId, name: project } })).id;
    const anchored = (kind: 'decision' | 'note', title: string, anchors: string[]) =>
      prisma.learning.create({ data: { tenantId: tenantA.tenantId, projectId, kind, title, body: `"${title}" — the user`, fingerprint: crypto.randomBytes(32).toString('hex'), anchors } });
    const rule = await anchored('decision', 'windowed_iter never pads the last window', ['id:windowed_iter']);
    const note = await anchored('note', 'chunked_iter returns lists and callers rely on it', ['id:chunked_iter', 'w:callers']);
    const word = await anchored('decision', 'The pluralize helper keeps the count in front', ['w:pluralize']);
    const atFile = async (params: Record<string, string>) => {
      const res = await context(tenantA.key, { project, for: 'file', path: 'toolbelt/iterutils.py', ...params });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { items: string[]; context: string };
    };
    // The relay's index: identifiers and the words a function may be named by, bare.
    const index = (await call(tenantA.key, 'GET', `/v1/context/files?project=${project}`)).body as { identifiers: string[] };
    for (const n of ['windowed_iter', 'chunked_iter', 'pluralize', 'callers']) assert.ok(index.identifiers.includes(n), n);
    assert.deepEqual((await atFile({})).items, [], 'no name sent, no path named: nothing');
    assert.deepEqual((await atFile({ anchors: 'chunked_iter,windowed_iter,remap' })).items, [rule.id, note.id], 'a rule before a note');
    const focused = await atFile({ anchors: 'chunked_iter,windowed_iter', focus: 'chunked_iter', session: crypto.randomUUID() });
    assert.deepEqual(focused.items, [note.id, rule.id], 'what the session met first');
    assert.match(focused.context, /\[note: a person's words, not a settled rule, \d{4}-\d\d-\d\d, said by a person; about chunked_iter\] "chunked_iter returns lists/);
    assert.deepEqual((await atFile({ anchors: 'Pluralize' })).items, [word.id], 'a word anchor, whatever the case');
    // Bad input: a 400 naming the field.
    for (const bad of ['a b', 'x'.repeat(101), Array.from({ length: 65 }, (_, i) => `n${i}`).join(',')]) {
      const res = await context(tenantA.key, { project, for: 'file', path: 'toolbelt/iterutils.py', anchors: bad });
      assert.equal(res.status, 400, bad);
      assert.match(res.body.error.message, /^anchors:/);
    }
    // Another tenant gets nothing of it.
    assert.deepEqual((await context(tenantB.key, { project, for: 'file', path: 'toolbelt/iterutils.py', anchors: 'chunked_iter' })).body.items, []);
  });

  test("GET /v1/context/files: the names any file with memory holds; a file the relay rules out by them gets nothing from for=file", async () => {
    const files = (key: string, q: string) => call(key, 'GET', `/v1/context/files${q}`);
    const res = await files(tenantA.key, `?project=${filesProject}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { names, complete } = res.body as { names: string[]; complete: boolean };
    assert.equal(complete, true);
    for (const n of ['retry.py', 'test_retry.py', 'schema.sql', 'billing/rates.json']) assert.ok(names.includes(n), `${n} in ${JSON.stringify(names)}`);
    assert.ok(!names.some((n) => n.includes(' ')), 'tokens, never phrases');
    assert.ok(!names.includes('max_attempts'), 'a scope entry that is no path names no file');
    // Every file for=file pushes something for is one the names keep (the relay asks about it); the others it may answer itself.
    const asked = ['src/payclient/retry.py', 'payclient/retry.py', 'services/api/src/payclient/retry.py', 'test_retry.py', 'db/schema.sql', 'billing/rates.json', 'billing/rates.yaml', 'db/migrations/0001_init.sql', 'payclient/currency.py', 'Makefile'];
    for (const file of asked) if ((await forFile(file)).length > 0) assert.ok(fileMayHaveMemory(names, file), file);
    for (const file of ['billing/rates.yaml', 'payclient/currency.py']) assert.equal(fileMayHaveMemory(names, file), false, file);
    // The same for the header's project, nothing for another tenant or an unknown project; bad input is a 400, no key a 401.
    const byHeader = await fetch(`${stack.api.url}/v1/context/files`, { headers: { authorization: `Bearer ${tenantA.key}`, 'x-memflow-project': filesProject } });
    assert.deepEqual(await byHeader.json(), res.body);
    assert.deepEqual((await files(tenantB.key, `?project=${filesProject}`)).body, { names: [], complete: true, identifiers: [] });
    assert.deepEqual((await files(tenantA.key, `?project=${uniqueName('none')}`)).body, { names: [], complete: true, identifiers: [] });
    const missing = await files(tenantA.key, '');
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /^project:/);
    assert.equal((await fetch(`${stack.api.url}/v1/context/files?project=${filesProject}`)).status, 401);
  });
});

describe('session-start', () => {
  test('returns the project context as additionalContext', async () => {
    const sessionId = crypto.randomUUID();
    const res = await fetch(`${stack.api.url}/v1/hooks/session-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantA.key}`, 'x-memflow-project': project },
      body: JSON.stringify({ session_id: sessionId, transcript_path: '/tmp/t.jsonl', cwd: '/work/storefront', hook_event_name: 'SessionStart', source: 'startup' }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
    assert.equal(body.hookSpecificOutput.hookEventName, 'SessionStart');
    const text = body.hookSpecificOutput.additionalContext;
    assert.match(text, /## Learnings/);
    assert.ok(countTokens(text) <= 1500);
    // The same context GET /v1/context gives for the project (the new session added nothing yet).
    assert.equal(text, (await context(tenantA.key, { project })).body.context);
    assert.match(res.headers.get('server-timing') ?? '', /context;dur=/);
  });

  test('a project without memories gets an empty context', async () => {
    const res = await fetch(`${stack.api.url}/v1/hooks/session-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantA.key}`, 'x-memflow-project': uniqueName('fresh') },
      body: JSON.stringify({ session_id: crypto.randomUUID(), transcript_path: '/tmp/t.jsonl', cwd: '/work/fresh', hook_event_name: 'SessionStart', source: 'startup' }),
    });
    const body = (await res.json()) as { hookSpecificOutput: { additionalContext: string } };
    assert.equal(body.hookSpecificOutput.additionalContext, '');
  });
});
