/**
 * POST /v1/admin/redaction/rescan against the real stack: secrets stored under older rules
 * (inserted directly: a password in a sentence and a GitLab token, in a raw event, a prompt, an
 * observation, a summary, a learning with its revision and source, and their Weaviate objects) are
 * gone from every PostgreSQL table, from Weaviate and from GET /v1/export once the rescan job
 * completes; the job reports counts per table and rule and the audit entry has them, never the
 * secrets. A member key is refused. A second rescan changes nothing, continues-as-new when its
 * batches run out, and its saved history replays against the current code.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, test } from 'node:test';
import { createVectorActivities, type VectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { loadRecords } from '../activities/vectors/vector-objects.js';
import { createApiKey } from '../common/server/tenants.js';
import { tenantCollection, VECTOR_NAME } from '../common/server/weaviate/schema.js';
import { waitUntil } from '../infra/wait-until.js';
import type { JobView } from '../messages/api-v1.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { RESCAN_TABLES, rescanJobId, type RescanInput, type RescanResult } from '../messages/workflows-v1/redaction-rescan.js';
import { runCli } from './fixtures/cli-run.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { keepHistory } from './helpers/histories.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('rescan', {
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, config, call } = stack;
let vectors: VectorActivities;

// Missed by earlier versions of the rules: a password in a plain sentence, and a GitLab token.
const PASSWORD = 'Tr0ub4dor&3x';
const GITLAB = 'glpat-Zq8vR2mT8kLp4WzN7yB1';
const SECRETS = [PASSWORD, GITLAB];
const sentence = `the db password is ${PASSWORD} and the CI uses ${GITLAB}`;

before(async () => {
  await stack.ready;
  vectors = createVectorActivities({ prisma, config, weaviate: stack.weaviate });
});

/** Rows as old rules stored them, in every table that holds text, and their objects in Weaviate. */
async function seed(tenantId: string, projectName: string) {
  const project = await prisma.project.create({ data: { tenantId, name: projectName } });
  const session = await prisma.session.create({ data: { tenantId, projectId: project.id, agentSessionId: crypto.randomUUID() } });
  const ids = { tenantId, projectId: project.id, sessionId: session.id };
  const event = await prisma.hookEvent.create({
    data: { ...ids, event: 'user_prompt_submit', sequence: 1, idempotencyKey: crypto.randomUUID(), payload: { hook_event_name: 'UserPromptSubmit', prompt: sentence, session_id: session.agentSessionId }, originalBytes: 200 },
  });
  await prisma.prompt.create({ data: { ...ids, ordinal: 1, text: sentence, tokenCount: 20, sourceEventId: event.id } });
  const obs = await prisma.observation.create({ data: { ...ids, kind: 'prompt', sequence: 1, title: `Prompt: ${sentence}`, text: sentence, tokenCount: 20, sourceEventIds: [event.id] } });
  await prisma.summary.create({ data: { ...ids, kind: 'final', title: 'Connected the db', request: sentence, text: `Connected the db\nRequest: ${sentence}`, fromSequence: 1, toSequence: 1, observationCount: 1 } });
  const learning = await prisma.learning.create({ data: { tenantId, projectId: project.id, kind: 'convention', title: 'Staging db credentials', body: sentence, fingerprint: crypto.randomBytes(32).toString('hex') } });
  await prisma.learningRevision.create({ data: { learningId: learning.id, revision: 1, kind: 'convention', title: learning.title, body: sentence, confidence: 0.5, status: 'active', strength: 1, reason: 'created' } });
  await prisma.learningSource.create({ data: { learningId: learning.id, observationId: obs.id, evidence: obs.title } });
  await vectors.syncSessionVectors(ids);
  return ids;
}

/** Rows of the tenant in each rescanned table whose text contains `needle`. */
async function rowsContaining(tenantId: string, needle: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of RESCAN_TABLES) {
    const scope = table.startsWith('learning_') ? 'learning_id IN (SELECT id FROM learnings WHERE tenant_id = $1::uuid)' : 'tenant_id = $1::uuid';
    const [row] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}" t WHERE ${scope} AND t::text LIKE $2`, tenantId, `%${needle}%`);
    out[table] = Number(row?.n ?? 0);
  }
  return out;
}

/**
 * The project's Weaviate objects by id: their properties as JSON, their vector, and whether their
 * content hash is that of the PostgreSQL row as it is now. Weaviate holds no text (schema v2); a
 * secret could reach it only as a property or through the vector of the text that held it, which
 * the content hash identifies (it is the hash of the embedded text and the properties).
 */
async function weaviateObjects(tenantId: string, projectId: string) {
  const out = new Map<string, { props: string; vector: number[]; current: boolean }>();
  for (const type of RECORD_TYPES) {
    const col = tenantCollection(stack.weaviate, type, tenantId);
    const res = await col.query.fetchObjects({ filters: col.filter.byProperty('projectId').equal(projectId), limit: 1000, includeVector: [VECTOR_NAME] });
    const rows = new Map((await loadRecords(prisma, type, { tenantId, projectId }, 1000)).map((r) => [r.id, r.properties.contentHash]));
    for (const o of res.objects) {
      out.set(o.uuid, { props: JSON.stringify(o.properties), vector: o.vectors[VECTOR_NAME] as number[], current: rows.get(o.uuid) === o.properties.contentHash });
    }
  }
  return out;
}

/** The job's status document once it no longer runs (read as the CLI reads it, with the typed client). */
async function waitForJob(key: string, jobId: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitUntil(async () => (job = await stack.client(key).job(jobId)).status !== 'running', { what: `job ${jobId}`, timeoutMs: 120_000, intervalMs: 200 });
  return job!;
}

test('a rescan removes secrets stored under old rules from PostgreSQL, Weaviate and the export', async () => {
  const admin = await newTenant(prisma, 'admin');
  const { key: member } = await createApiKey(prisma, admin.name, { role: 'member' });
  const projectName = uniqueName('rescan');
  const ids = await seed(admin.tenantId, projectName);

  // The old state: every table and Weaviate hold the secrets, and so does the export.
  for (const s of SECRETS) for (const [table, n] of Object.entries(await rowsContaining(admin.tenantId, s))) assert.ok(n > 0, `${table} was seeded with the secret`);
  const beforeVectors = await weaviateObjects(admin.tenantId, ids.projectId);
  assert.ok(beforeVectors.size >= 3, `Weaviate was seeded: ${beforeVectors.size} objects`);
  for (const o of beforeVectors.values()) assert.ok(o.current && SECRETS.every((s) => !o.props.includes(s)), 'each object is the embedding of the row holding the secrets, and no property holds them');
  assert.ok((await call(admin.key, 'GET', `/v1/export?project=${projectName}`)).text.includes(PASSWORD));

  // A member key may not start it, and starting nothing changes nothing.
  assert.equal((await call(member, 'POST', '/v1/admin/redaction/rescan', {})).status, 403);
  assert.equal((await call(admin.key, 'POST', '/v1/admin/redaction/rescan', { batchSize: 0 })).status, 400);
  assert.ok((await rowsContaining(admin.tenantId, PASSWORD)).observations! > 0);

  const started = await call(admin.key, 'POST', '/v1/admin/redaction/rescan', { batchSize: 2 });
  assert.equal(started.status, 202, started.text);
  const jobId = String(started.body.jobId);
  assert.ok(jobId.startsWith(`redaction/${admin.tenantId}/`));
  const job = await waitForJob(admin.key, jobId);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  const result = job.result as RescanResult;

  for (const s of SECRETS) {
    assert.deepEqual(await rowsContaining(admin.tenantId, s), Object.fromEntries(RESCAN_TABLES.map((t) => [t, 0])), 'no row keeps the secret');
    assert.ok(!JSON.stringify(job).includes(s), 'the job result never carries a secret');
  }
  const afterVectors = await weaviateObjects(admin.tenantId, ids.projectId);
  assert.deepEqual([...afterVectors.keys()].sort(), [...beforeVectors.keys()].sort(), 'the same objects');
  for (const [id, o] of afterVectors) {
    assert.ok(o.current, `object ${id} was rewritten from the redacted row (its content hash is the redacted text's)`);
    assert.notDeepEqual(o.vector, beforeVectors.get(id)!.vector, `object ${id} has the redacted text's vector, not the secret's`);
    for (const s of SECRETS) assert.ok(!o.props.includes(s), 'no property holds the secret');
  }
  const exported = await call(admin.key, 'GET', `/v1/export?project=${projectName}`);
  assert.equal(exported.status, 200);
  for (const s of SECRETS) assert.ok(!exported.text.includes(s), 'the export no longer holds the secret');
  assert.ok(exported.text.includes('the db password is [redacted:secret-prose]'), 'the prose around the secret is kept');

  // What changed, per table and rule.
  for (const table of RESCAN_TABLES) assert.equal(result.changed[table], 1, `one ${table} row changed`);
  assert.ok((result.rules['secret-prose'] ?? 0) >= 7 && (result.rules['gitlab-token'] ?? 0) >= 7, JSON.stringify(result.rules));
  assert.ok(result.vectorsUpserted >= 3, `vectors rewritten: ${result.vectorsUpserted}`);
  const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: admin.tenantId, action: 'redaction.rescan', target: jobId } });
  assert.equal(audit.outcome, 'success');
  assert.deepEqual((audit.details as { changed: unknown }).changed, result.changed);
  for (const s of SECRETS) assert.ok(!JSON.stringify(audit.details).includes(s));

  // Again, in batches of one row and three batches per run: nothing left to change, continues as new.
  const againId = rescanJobId(admin.tenantId, crypto.randomUUID());
  const input: RescanInput = { tenantId: admin.tenantId, jobId: againId, batchSize: 1, maxBatchesPerRun: 3 };
  const handle = await stack.temporal.workflow.start('redactionRescanWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: againId, args: [input] });
  const firstRunId = handle.firstExecutionRunId;
  const again = (await handle.result()) as RescanResult;
  assert.ok(again.runs > 1, `runs: ${again.runs}`);
  assert.deepEqual(again.rules, {});
  for (const table of RESCAN_TABLES) assert.equal(again.changed[table] ?? 0, 0);
  assert.equal(again.scanned.observations, 1);

  // The CLI: same job through the API, a table of what it changed (nothing now), the job id printed.
  const cli = await runCli(['redact', 'rescan', '--wait'], { env: { MEMFLOW_URL: stack.api.url, MEMFLOW_API_KEY: admin.key } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /redaction rescan started \(job redaction\//);
  assert.match(cli.stdout, /observations\s+1\s+0/);
  assert.match(cli.stdout, /no new redactions/);
  const cliMember = await runCli(['redact', 'rescan'], { env: { MEMFLOW_URL: stack.api.url, MEMFLOW_API_KEY: member } });
  assert.notEqual(cliMember.code, 0);
  assert.match(cliMember.stderr, /admin/);

  await keepHistory('redaction-rescan-continue-as-new', stack.temporal.workflow.getHandle(againId, firstRunId));
  await keepHistory('redaction-rescan-complete', stack.temporal.workflow.getHandle(jobId));
});
