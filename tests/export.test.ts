/**
 * GET /v1/export against the real stack: a project captured through the real API and worker (with
 * secrets in the stream) plus learnings, exported as NDJSON with every stored row once, in a
 * deterministic order and byte-identical on repeat; redacted text only; tenant-scoped; audited;
 * a 40 MB project streamed to a slow client in bounded memory, and at most two exports at once.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { before, describe, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { buildSession, PLANTED_SECRETS } from './fixtures/claude-sessions.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('export', {
  // Offline summarizer: the export test needs summaries, not Claude.
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma } = stack;
let tenantA: Awaited<ReturnType<typeof newTenant>>;
let tenantB: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  tenantA = await newTenant(prisma);
  tenantB = await newTenant(prisma);
});

async function exportOf(key: string, project: string | undefined) {
  const query = project === undefined ? '' : `?project=${encodeURIComponent(project)}`;
  const res = await fetch(`${stack.api.url}/v1/export${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const TYPE_ORDER = ['project', 'session', 'hook_event', 'observation', 'prompt', 'summary', 'learning', 'learning_source', 'learning_revision'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Learnings with sources and revisions, as extraction writes them (the offline summarizer makes none). */
async function seedLearnings(tenantId: string, projectId: string, sessionId: string) {
  const observation = await prisma.observation.findFirstOrThrow({ where: { sessionId }, orderBy: { sequence: 'asc' } });
  const summary = await prisma.summary.findFirst({ where: { sessionId } });
  for (const [i, title] of ['Run the order tests before pushing', 'Empty carts have no items array'].entries()) {
    const learning = await prisma.learning.create({
      data: { tenantId, projectId, kind: i ? 'gotcha' : 'convention', title, body: `${title}, seen in the session.`, confidence: 0.625, fingerprint: crypto.randomBytes(32).toString('hex') },
    });
    await prisma.learningSource.create({ data: { learningId: learning.id, observationId: observation.id, evidence: observation.title } });
    if (summary) await prisma.learningSource.create({ data: { learningId: learning.id, summaryId: summary.id, evidence: summary.title } });
    for (const revision of [1, 2]) {
      await prisma.learningRevision.create({
        data: { learningId: learning.id, revision, kind: learning.kind, title, body: learning.body, confidence: 0.5 + revision / 10, status: 'active', strength: revision, reason: revision === 1 ? 'created' : 'restated', changedBy: 'system' },
      });
    }
  }
}

/** Rows stored for the project, per export type. */
async function storedCounts(projectId: string): Promise<Record<string, number>> {
  const learnings = { learning: { projectId } };
  return {
    project: 1,
    session: await prisma.session.count({ where: { projectId } }),
    hook_event: await prisma.hookEvent.count({ where: { projectId } }),
    observation: await prisma.observation.count({ where: { projectId } }),
    prompt: await prisma.prompt.count({ where: { projectId } }),
    summary: await prisma.summary.count({ where: { projectId } }),
    learning: await prisma.learning.count({ where: { projectId } }),
    learning_source: await prisma.learningSource.count({ where: learnings }),
    learning_revision: await prisma.learningRevision.count({ where: learnings }),
  };
}

describe('a captured project', () => {
  const project = uniqueName('shop');
  let projectId: string;
  let first: string;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const session = buildSession(crypto.randomUUID(), `/home/dev/${project}`, 4);
      await replay(stack.api.url, tenantA.key, session.deliveries);
      await sessionResult(stack.temporal, prisma, tenantA.tenantId, session.sessionId, 90_000);
    }
    const row = await prisma.project.findUniqueOrThrow({ where: { tenantId_name: { tenantId: tenantA.tenantId, name: project } } });
    projectId = row.id;
    const session = await prisma.session.findFirstOrThrow({ where: { projectId }, orderBy: { startedAt: 'asc' } });
    await seedLearnings(tenantA.tenantId, projectId, session.id);
  });

  test('exports every stored row once, as NDJSON in dependency order', async () => {
    const res = await exportOf(tenantA.key, project);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.match(res.headers.get('x-memflow-exported-at') ?? '', ISO);
    first = res.text;
    assert.ok(first.endsWith('\n'));
    const lines = first.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

    // Counts per type equal what PostgreSQL holds, and every id appears once.
    const counts: Record<string, number> = {};
    for (const l of lines) counts[String(l.type)] = (counts[String(l.type)] ?? 0) + 1;
    const stored = await storedCounts(projectId);
    assert.deepEqual(counts, stored);
    for (const type of TYPE_ORDER) assert.ok((stored[type] ?? 0) > 0, `the fixture stores some ${type}`);
    assert.equal(new Set(lines.map((l) => l.id)).size, lines.length);
    const observationIds = (await prisma.observation.findMany({ where: { projectId }, select: { id: true } })).map((o) => o.id).sort();
    assert.deepEqual(lines.filter((l) => l.type === 'observation').map((l) => l.id).sort(), observationIds);

    // Types in dependency order; within a type by (timestamp, id).
    const typeIndex = lines.map((l) => TYPE_ORDER.indexOf(String(l.type)));
    assert.deepEqual(typeIndex, [...typeIndex].sort((x, y) => x - y));
    assert.deepEqual(lines[0], { ...lines[0], type: 'project', id: projectId, name: project, tenantId: tenantA.tenantId });
    const observations = lines.filter((l) => l.type === 'observation');
    const byKey = [...observations].sort((x, y) => String(x.createdAt).localeCompare(String(y.createdAt)) || String(x.id).localeCompare(String(y.id)));
    assert.deepEqual(observations.map((o) => o.id), byKey.map((o) => o.id));

    // Field values: ISO timestamps, numbers as numbers, stored JSON as JSON, no derived columns.
    const stored0 = await prisma.observation.findFirstOrThrow({ where: { id: String(observations[0]!.id) } });
    assert.deepEqual(observations[0], {
      type: 'observation',
      id: stored0.id,
      sessionId: stored0.sessionId,
      kind: stored0.kind,
      sequence: stored0.sequence,
      toolName: stored0.toolName,
      toolUseId: stored0.toolUseId,
      title: stored0.title,
      text: stored0.text,
      tokenCount: stored0.tokenCount,
      sourceEventIds: stored0.sourceEventIds,
      createdAt: stored0.createdAt.toISOString(),
    });
    const event = lines.find((l) => l.type === 'hook_event')!;
    const storedEvent = await prisma.hookEvent.findUniqueOrThrow({ where: { id: String(event.id) } });
    assert.deepEqual(event.payload, storedEvent.payload);
    assert.equal(event.receivedAt, storedEvent.receivedAt.toISOString());
    const summary = lines.find((l) => l.type === 'summary')!;
    assert.equal(typeof summary.costUsd, 'number');
    // The learnings this test wrote (the captured session may add the summarizer's own, e.g. a dead end).
    assert.ok(lines.some((l) => l.type === 'learning' && l.confidence === 0.625));
    for (const l of lines) {
      assert.ok(!('searchVector' in l) && !('tenantId' in l && l.type !== 'project'), `${String(l.type)} carries no derived or tenant column`);
      for (const [k, v] of Object.entries(l)) if (/At$|^valid(From|To)$/.test(k) && v !== null) assert.match(String(v), ISO, `${String(l.type)}.${k}`);
    }
  });

  test('is byte-identical when exported again', async () => {
    assert.equal((await exportOf(tenantA.key, project)).text, first);
  });

  test('holds only redacted text: no planted secret is in it', async () => {
    for (const secret of PLANTED_SECRETS) assert.ok(!first.includes(secret), `secret ${secret.slice(0, 8)}... exported`);
    assert.match(first, /REDACTED|redacted/);
  });

  test('is audited as export.project', async () => {
    const audits = await prisma.auditLog.findMany({ where: { tenantId: tenantA.tenantId, action: 'export.project' } });
    assert.ok(audits.length >= 2);
    for (const a of audits) {
      assert.equal(a.target, `project:${project}`);
      assert.equal(a.outcome, 'success');
      assert.deepEqual(a.details, { projectId });
    }
  });

  test("is not found with another tenant's key, which exports only its own same-named project", async () => {
    const denied = await exportOf(tenantB.key, project);
    assert.equal(denied.status, 404);
    assert.equal(JSON.parse(denied.text).error.code, 'not_found');
    assert.ok(!denied.text.includes(projectId));

    const own = await prisma.project.create({ data: { tenantId: tenantB.tenantId, name: project } });
    const theirs = await exportOf(tenantB.key, project);
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { type: string; id: string }).id), [own.id]);
  });
});

test('bad requests: 400 without a project or with an invalid name, 404 for an unknown one, 401 without a key', async () => {
  for (const q of [undefined, '', '..', 'a/b']) {
    const res = await exportOf(tenantA.key, q);
    assert.equal(res.status, 400, `project=${String(q)}`);
    assert.equal(JSON.parse(res.text).error.code, 'invalid_query');
  }
  const unknown = await exportOf(tenantA.key, uniqueName('nothing'));
  assert.equal(unknown.status, 404);
  assert.equal((await fetch(`${stack.api.url}/v1/export?project=x`)).status, 401);
});

/** Live heap + external bytes after a full collection (the garbage of a stream is not growth). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const liveBytes = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** The 40 MB project of the memory test, reused by the concurrency test. */
let huge: { key: string; name: string };

test('a 40 MB project streams to a slow client in bounded memory', async () => {
  const { tenantId, key } = await newTenant(prisma);
  const project = await prisma.project.create({ data: { tenantId, name: uniqueName('huge') } });
  huge = { key, name: project.name };
  const session = await prisma.session.create({ data: { tenantId, projectId: project.id, agentSessionId: crypto.randomUUID() } });
  const rows = 4000;
  const textChars = 10_240;
  // One statement: 4000 observations of 10 KiB text each, 1 ms apart.
  await prisma.$executeRaw`
    INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, title, text, token_count, created_at)
    SELECT ${tenantId}::uuid, ${project.id}::uuid, ${session.id}::uuid, 'tool', g, 'bulk observation ' || g,
           repeat(md5(g::text), ${textChars / 32}), 2500, now() - interval '1 hour' + g * interval '1 millisecond'
      FROM generate_series(1, ${rows}) g`;

  const baseline = liveBytes();
  let peak = Number.NEGATIVE_INFINITY;
  let samples = 0;
  let bytes = 0;
  let lines = 0;
  let sampledAt = 0;
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${stack.api.url}/v1/export?project=${encodeURIComponent(project.name)}`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      assert.equal(res.statusCode, 200);
      (async () => {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          if (bytes - sampledAt >= 512 * 1024) {
            sampledAt = bytes;
            peak = Math.max(peak, liveBytes() - baseline);
            samples++;
          }
          await sleep(4); // a slow reader (~10 MB/s): the server must wait for it rather than read ahead
        }
      })().then(resolve, reject);
    });
    req.on('error', reject);
  });
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(`export of ${mb(bytes)} MB (${lines} lines): live heap+external ${mb(baseline)} MB before, peak growth ${mb(peak)} MB over ${samples} samples`);
  assert.ok(samples >= 50, 'memory was sampled throughout the stream');
  assert.equal(lines, rows + 2);
  assert.ok(bytes > rows * textChars, 'the export carries the text');
  // Bounded by a page (~0.5 MB of rows, held a few times over as buffers, strings and lines) and the
  // stream buffers, plus the noise of the worker in this process; not by the export's size. (The same
  // route reading ahead of this client, with an unbounded stream buffer, grew by 22 MB here.)
  assert.ok(peak < 12 * 1024 * 1024, `memory grew ${mb(peak)} MB while streaming ${mb(bytes)} MB`);
});

test('at most two exports stream at once; a third gets 429, and an abandoned one frees its place', async () => {
  // Clients that stop reading: a 40 MB export cannot finish into the socket buffers, so both stay open.
  const stalled = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<http.ClientRequest>((resolve, reject) => {
          const req = http.get(`${stack.api.url}/v1/export?project=${encodeURIComponent(huge.name)}`, { headers: { authorization: `Bearer ${huge.key}` } }, (res) => {
            assert.equal(res.statusCode, 200);
            res.pause();
            resolve(req);
          });
          // After destroy() below, the error goes to a settled promise.
          req.on('error', reject);
        }),
    ),
  );
  const third = await fetch(`${stack.api.url}/v1/export?project=${encodeURIComponent(huge.name)}`, { headers: { authorization: `Bearer ${huge.key}` } });
  assert.equal(third.status, 429);
  assert.equal(third.headers.get('retry-after'), '30');
  assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'too_many_exports');

  for (const req of stalled) req.destroy();
  await waitUntil(
    async () => {
      const res = await fetch(`${stack.api.url}/v1/export?project=${encodeURIComponent(huge.name)}`, { headers: { authorization: `Bearer ${huge.key}` } });
      await res.body?.cancel();
      return res.status === 200;
    },
    { what: 'an export slot freed by the abandoned exports', timeoutMs: 10_000, intervalMs: 100 },
  );
});
