/**
 * DELETE /v1/projects/{project} against the real stack: a project captured through the real API and
 * worker (sessions, events, observations, summaries), with learnings and its objects in Weaviate, is
 * erased by eraseProjectWorkflow on the real worker: no row of it is left in any table, none of its
 * objects in Weaviate, the tombstone is stamped and the erasure audited. A member key is refused
 * and changes nothing; another tenant's same-named project is untouched; a second erasure is a 404.
 * Long erasures continue-as-new, and their saved history replays against the current code.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createVectorActivities, type VectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { createApiKey } from '../common/server/tenants.js';
import { tenantCollection } from '../common/server/weaviate/schema.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import type { EraseProjectInput, EraseProjectResult } from '../messages/workflows-v1/erase.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';
import { keepHistory } from './helpers/histories.js';
import { replay, sessionResult } from './helpers/sessions.js';

const stack = withTestStack('erase', {
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { config, prisma, call } = stack;
let vectors: VectorActivities;

before(() => {
  vectors = createVectorActivities({ prisma, config, weaviate: stack.weaviate });
});

/** Learnings with a source and a revision each, mirrored into Weaviate with the session's records. */
async function addLearnings(tenantId: string, projectId: string, sessionId: string): Promise<void> {
  const observation = await prisma.observation.findFirstOrThrow({ where: { sessionId } });
  for (const title of ['Add a regression test for every bug fix', 'A new cart has no items array']) {
    const l = await prisma.learning.create({ data: { tenantId, projectId, kind: 'convention', title, body: `${title}.`, fingerprint: crypto.randomBytes(32).toString('hex') } });
    await prisma.learningSource.create({ data: { learningId: l.id, observationId: observation.id, evidence: observation.title } });
    await prisma.learningRevision.create({ data: { learningId: l.id, revision: 1, kind: l.kind, title, body: l.body, confidence: 0.5, status: 'active', strength: 1, reason: 'created' } });
  }
  await prisma.retentionPolicy.create({ data: { tenantId, projectId, observationMaxAgeDays: 30 } });
  await vectors.syncSessionVectors({ tenantId, projectId, sessionId });
}

/** A project captured through the API and worker, plus learnings; returns its id. */
async function capturedProject(key: string, tenantId: string, name: string): Promise<string> {
  const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${name}`, 2);
  await replay(stack.api.url, key, session.deliveries);
  await sessionResult(stack.temporal, prisma, tenantId, session.sessionId, 90_000);
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId, agentSessionId: session.sessionId } });
  await addLearnings(tenantId, row.projectId, row.id);
  return row.projectId;
}

/** The project's rows in every table that holds project data. */
async function rowCounts(projectId: string): Promise<Record<string, number>> {
  const ofLearnings = { learning: { projectId } };
  return {
    projects: await prisma.project.count({ where: { id: projectId } }),
    sessions: await prisma.session.count({ where: { projectId } }),
    hook_events: await prisma.hookEvent.count({ where: { projectId } }),
    observations: await prisma.observation.count({ where: { projectId } }),
    prompts: await prisma.prompt.count({ where: { projectId } }),
    summaries: await prisma.summary.count({ where: { projectId } }),
    learnings: await prisma.learning.count({ where: { projectId } }),
    learning_sources: await prisma.learningSource.count({ where: ofLearnings }),
    learning_revisions: await prisma.learningRevision.count({ where: ofLearnings }),
    vector_sync_states: await prisma.vectorSyncState.count({ where: { projectId } }),
    retention_policies: await prisma.retentionPolicy.count({ where: { projectId } }),
  };
}

/** Ids of the project's objects in its tenant's Weaviate collections. */
async function weaviateIds(tenantId: string, projectId: string): Promise<string[]> {
  const ids: string[] = [];
  for (const type of RECORD_TYPES) {
    const col = tenantCollection(stack.weaviate, type, tenantId);
    try {
      const res = await col.query.fetchObjects({ filters: col.filter.byProperty('projectId').equal(projectId), limit: 10_000 });
      ids.push(...res.objects.map((o) => o.uuid));
    } catch (err) {
      if (!/not found|could not find|does not exist/i.test(String(err))) throw err;
    }
  }
  return ids;
}

describe('erasing a project', () => {
  const name = uniqueName('shop');
  let admin: Awaited<ReturnType<typeof newTenant>>;
  let member: string;
  let other: Awaited<ReturnType<typeof newTenant>>;
  let projectId: string;
  let otherProjectId: string;
  let before: Record<string, number>;
  let otherBefore: Record<string, number>;
  let otherObjects: string[];

  test('setup: two tenants with a captured project of the same name, mirrored in Weaviate', async () => {
    admin = await newTenant(prisma, 'admin');
    member = (await createApiKey(prisma, admin.name, { role: 'member' })).key;
    other = await newTenant(prisma, 'admin');
    projectId = await capturedProject(admin.key, admin.tenantId, name);
    otherProjectId = await capturedProject(other.key, other.tenantId, name);
    before = await rowCounts(projectId);
    otherBefore = await rowCounts(otherProjectId);
    for (const [table, n] of Object.entries(before)) assert.ok(n > 0, `the fixture stores ${table}`);
    assert.ok((await weaviateIds(admin.tenantId, projectId)).length > 0);
    otherObjects = await weaviateIds(other.tenantId, otherProjectId);
    assert.ok(otherObjects.length > 0);
  });

  test('a member key gets 403, is audited as denied, and nothing changes', async () => {
    const res = await call(member, 'DELETE', `/v1/projects/${encodeURIComponent(name)}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'forbidden');
    assert.deepEqual(await rowCounts(projectId), before);
    assert.equal(await prisma.erasureTombstone.count({ where: { tenantId: admin.tenantId } }), 0);
    const denied = await prisma.auditLog.findFirst({ where: { tenantId: admin.tenantId, action: 'project.erase', outcome: 'denied' } });
    assert.equal(denied?.target, `project:${name}`);
    assert.equal((await call(member, 'GET', '/v1/jobs/erase-x')).status, 403);
  });

  test('an admin key gets 202 with a job id; the workflow leaves no row and no object of the project', async () => {
    // Two requests at once are one job.
    const [res, again] = await Promise.all([0, 1].map(() => call(admin.key, 'DELETE', `/v1/projects/${encodeURIComponent(name)}`)));
    assert.equal(res!.status, 202);
    assert.deepEqual(res!.body, { jobId: res!.body.jobId, status: 'accepted' });
    assert.equal(again!.status, 202);
    assert.equal(again!.body.jobId, res!.body.jobId);
    const jobId = String(res!.body.jobId);

    const result = await stack.temporal.workflow.getHandle<(i: EraseProjectInput) => Promise<EraseProjectResult>>(jobId).result();
    assert.equal(result.deleted.observations, before.observations);
    assert.equal(result.deleted.hook_events, before.hook_events);
    assert.equal(result.deleted.projects, 1);

    const after = await rowCounts(projectId);
    for (const [table, n] of Object.entries(after)) assert.equal(n, 0, `${table} rows left`);
    assert.deepEqual(await weaviateIds(admin.tenantId, projectId), []);

    const tombstone = await prisma.erasureTombstone.findUniqueOrThrow({ where: { jobId } });
    assert.equal(tombstone.tenantId, admin.tenantId);
    assert.equal(tombstone.projectName, name);
    assert.equal(tombstone.projectId, projectId);
    assert.equal(tombstone.error, null);
    assert.ok(tombstone.erasedAt && tombstone.erasedAt >= tombstone.requestedAt);

    const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: admin.tenantId, action: 'project.erase', outcome: 'success' } });
    assert.equal(audit.target, `project:${name}`);
    const details = audit.details as Record<string, any>;
    assert.equal(details.jobId, jobId);
    assert.equal(details.deleted.observations, before.observations);
    assert.ok(details.vectorsDeleted > 0);

    const job = await call(admin.key, 'GET', `/v1/jobs/${jobId}`);
    assert.equal(job.status, 200);
    assert.deepEqual(job.body, { ...job.body, jobId, kind: 'project.erase', project: name, status: 'erased', error: null });
    assert.equal((await call(other.key, 'GET', `/v1/jobs/${jobId}`)).status, 404, "another tenant cannot read the job");
  });

  test("another tenant's project of the same name is untouched", async () => {
    assert.deepEqual(await rowCounts(otherProjectId), otherBefore);
    assert.deepEqual((await weaviateIds(other.tenantId, otherProjectId)).sort(), [...otherObjects].sort());
  });

  test('erasing again answers 404 (the project is gone); an unknown name is 404, an invalid one 400', async () => {
    const again = await call(admin.key, 'DELETE', `/v1/projects/${encodeURIComponent(name)}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'not_found');
    assert.equal((await call(admin.key, 'DELETE', `/v1/projects/${uniqueName('nothing')}`)).status, 404);
    assert.equal((await call(admin.key, 'DELETE', '/v1/projects/%01shop')).status, 400);
    assert.equal(await prisma.erasureTombstone.count({ where: { tenantId: admin.tenantId } }), 1);
  });

  test("a new session under the erased project's name starts a new project and is handed nothing of the old one", async () => {
    // The API remembered the erased project's id from the fixture's SessionStart (it builds a start
    // context while the event is stored): the guess no longer matches the stored event's project.
    const sessionId = crypto.randomUUID();
    const start = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: `/home/dev/${name}`, hook_event_name: 'SessionStart', source: 'startup' };
    const res = await call(admin.key, 'POST', '/v1/hooks/session-start', start);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.doesNotMatch(JSON.stringify(res.body), /regression test|items array/, 'nothing of the erased project is handed over');
    // The other tenant's project of the same name, the same fixture, is handed its learnings.
    const theirs = await call(other.key, 'POST', '/v1/hooks/session-start', { ...start, session_id: crypto.randomUUID() });
    assert.match(JSON.stringify(theirs.body), /regression test/);
    const row = await prisma.session.findFirstOrThrow({ where: { tenantId: admin.tenantId, agentSessionId: sessionId } });
    assert.notEqual(row.projectId, projectId);
    assert.equal((await prisma.project.findUniqueOrThrow({ where: { id: row.projectId } })).name, name);
  });
});

test('a long erasure deletes in bounded batches across continue-as-new, and its history replays', async () => {
  const { tenantId } = await newTenant(prisma, 'admin');
  const project = await prisma.project.create({ data: { tenantId, name: uniqueName('big') } });
  const session = await prisma.session.create({ data: { tenantId, projectId: project.id, agentSessionId: crypto.randomUUID() } });
  await prisma.$executeRaw`
    INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, title, text, token_count)
    SELECT ${tenantId}::uuid, ${project.id}::uuid, ${session.id}::uuid, 'tool', g, 'obs ' || g, 'text ' || g, 2 FROM generate_series(1, 23) g`;
  const jobId = `erase-${project.id}`;
  await prisma.erasureTombstone.create({ data: { jobId, tenantId, projectName: project.name, projectId: project.id } });
  const handle = await stack.temporal.workflow.start<(i: EraseProjectInput) => Promise<EraseProjectResult>>('eraseProjectWorkflow', {
    workflowId: jobId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{ tenantId, projectId: project.id, projectName: project.name, jobId, batchSize: 5, maxBatchesPerRun: 3 }],
  });
  const result = await handle.result();
  // 23 observations in batches of 5 (5 batches, the last short), 3 batches per run.
  assert.equal(result.deleted.observations, 23);
  assert.equal(result.deleted.sessions, 1);
  assert.ok(result.runs >= 3, `runs: ${result.runs}`);
  assert.equal(await prisma.observation.count({ where: { projectId: project.id } }), 0);
  assert.ok((await prisma.erasureTombstone.findUniqueOrThrow({ where: { jobId } })).erasedAt);

  const firstRun = stack.temporal.workflow.getHandle(jobId, handle.firstExecutionRunId);
  assert.equal((await firstRun.describe()).status.name, 'CONTINUED_AS_NEW');
  // Replay fixtures (tests/unit/replay.test.ts), written only by `npm run fixtures:histories`.
  await keepHistory('erase-continue-as-new', firstRun);
  await keepHistory('erase-complete', stack.temporal.workflow.getHandle(jobId));
});

test('an erasure that cannot succeed is recorded as failed on its tombstone, in the audit trail and in its job', { timeout: 60_000 }, async () => {
  const admin = await newTenant(prisma, 'admin');
  // A project id PostgreSQL refuses as a uuid: a permanent database error, not retried.
  const jobId = `erase-${uniqueName('broken')}`;
  await prisma.erasureTombstone.create({ data: { jobId, tenantId: admin.tenantId, projectName: 'broken' } });
  const handle = await stack.temporal.workflow.start<(i: EraseProjectInput) => Promise<EraseProjectResult>>('eraseProjectWorkflow', {
    workflowId: jobId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{ tenantId: admin.tenantId, projectId: 'not-a-uuid', projectName: 'broken', jobId }],
  });
  try {
    await assert.rejects(handle.result());
  } finally {
    await handle.terminate().catch(() => undefined);
  }
  const tombstone = await prisma.erasureTombstone.findUniqueOrThrow({ where: { jobId } });
  assert.equal(tombstone.erasedAt, null);
  assert.ok(tombstone.error, 'the reason is on the tombstone');
  const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: admin.tenantId, action: 'project.erase' } });
  assert.equal(audit.outcome, 'failure');
  assert.equal((audit.details as Record<string, unknown>).jobId, jobId);
  const job = await call(admin.key, 'GET', `/v1/jobs/${jobId}`);
  assert.equal(job.body.status, 'failed');
});
