/**
 * PostgreSQL -> Weaviate synchronisation on the real test stack: a session's records are embedded
 * into its tenant's own Weaviate tenant exactly once, changes and supersessions are re-written,
 * tenants never see each other's objects, deletions reach Weaviate, the reconciliation workflow
 * (through a real worker) removes orphans and restores a wiped Weaviate, and a change of embedding
 * provider re-embeds everything instead of mixing vector spaces.
 */
// @memflow-test runs-alone: two of these tests delete and recreate the stack's Weaviate collections
// (a wiped Weaviate; another embedding space), which takes every other file's vectors with them — a
// CI run's semantic search in tests/viewer-findable.test.ts found nothing after it ran beside this.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createVectorActivities, type VectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { createLocalProvider } from '../common/server/embeddings/providers.js';
import { grpcTargetOf } from '../common/server/weaviate/client.js';
import { createBatchWriter, WeaviateBatchError } from '../common/server/weaviate/grpc-batch.js';
import { insertObjects } from '../common/server/weaviate/objects.js';
import { toActivityFailure } from '../activities/failures.js';
import { COLLECTIONS, VECTOR_NAME, ensureWeaviateTenant, tenantCollection, weaviateTenantName, type WeaviateClient } from '../common/server/weaviate/schema.js';
import { RECORD_TYPES, type RecordType } from '../messages/record-types-v1.js';
import type { ReconcileResult, ReconcileWorkflowInput } from '../messages/workflows-v1/reconcile-vectors.js';
import { newTenant, testConfig, uniqueName } from './helpers/env.js';
import { keepHistory } from './helpers/histories.js';
import { withTestStack } from './helpers/stack.js';
import { startFakeEmbeddings, type FakeEmbeddingsServer } from './helpers/fake-embeddings.js';

const stack = withTestStack('vectors', { api: false });
const { prisma, config } = stack;
let weaviate: WeaviateClient;
let vectors: VectorActivities;

before(async () => {
  await stack.ready;
  weaviate = stack.weaviate;
  vectors = createVectorActivities({ prisma, config, weaviate });
});

/** Notes like the ones capture and summarization store. */
const NOTES: [string, string][] = [
  ['Bash: npm test', 'tests/capture.test.ts failed: expected 200, got 503 because Temporal was not reachable'],
  ['Edit: common/server/db.ts', 'classify SQLSTATE 40001 serialization failures as transient so the activity retries'],
  ['Read: prisma/schema.prisma', 'observations are unique on (session_id, sequence); tool calls merge on tool_use_id'],
  ['Prompt', 'why is the postgres connection pool exhausted when the worker restarts?'],
  ['Bash: git log --oneline', 'fbfad85 Review: one key lookup, one worker factory, one free-port helper'],
  ['Edit: api/capture/hook-routes.ts', 'answer 413 with the limit in the message when the hook body is too large'],
];

interface Seeded {
  tenantId: string;
  projectId: string;
  sessionId: string;
  ids: Record<RecordType, string[]>;
}

/** A project with one session: observations, a summary and learnings, written as the workflow would. */
async function seed(tenantId: string, observations = 12, marker = ''): Promise<Seeded> {
  const project = await prisma.project.create({ data: { tenantId, name: uniqueName('project') } });
  const session = await prisma.session.create({ data: { tenantId, projectId: project.id, agentSessionId: crypto.randomUUID() } });
  const base = { tenantId, projectId: project.id, sessionId: session.id };
  const obs = await prisma.observation.createManyAndReturn({
    data: Array.from({ length: observations }, (_, i) => ({
      ...base,
      kind: i === 0 ? ('start' as const) : ('tool' as const),
      sequence: i + 1,
      title: NOTES[i % NOTES.length]![0],
      text: `${NOTES[i % NOTES.length]![1]} ${marker} (#${i})`,
      tokenCount: 20,
    })),
    select: { id: true },
  });
  const summary = await prisma.summary.create({
    data: {
      ...base,
      kind: 'batch',
      title: 'Made capture retry on transient database errors',
      text: `Investigated 503s from the hook endpoint; database serialization failures are now retried. ${marker}`,
      fromSequence: 1,
      toSequence: observations,
    },
  });
  const learnings = await Promise.all(
    [
      ['fix', 'Retry SQLSTATE 40001', 'Serialization failures are transient: retry the transaction instead of failing the activity.'],
      ['convention', 'Redact before storing', 'Secrets and <private> text are removed before anything is stored or embedded.'],
    ].map(([kind, title, body]) =>
      prisma.learning.create({ data: { tenantId, projectId: project.id, kind: kind as 'fix', title: title!, body: `${body} ${marker}`, fingerprint: crypto.randomBytes(32).toString('hex'), confidence: 0.7 } }),
    ),
  );
  return { ...base, projectId: project.id, ids: { observation: obs.map((o) => o.id), summary: [summary.id], learning: learnings.map((l) => l.id) } };
}

const total = (s: Seeded) => s.ids.observation.length + s.ids.summary.length + s.ids.learning.length;

/** Every object id in a tenant's collection (none when the tenant or collection does not exist). */
async function objectIds(type: RecordType, tenantId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  try {
    for await (const o of tenantCollection(weaviate, type, tenantId).iterator({ returnProperties: ['recordType'] })) ids.add(o.uuid);
  } catch (err) {
    // Absent, or (while the collection is wiped) auto-created without tenants by a concurrent write.
    if (!/not found|could not find|does not exist|multi-tenancy disabled/i.test(String(err))) throw err;
  }
  return ids;
}

async function assertMirrored(s: Seeded, expected: boolean) {
  for (const type of RECORD_TYPES) {
    const present = await objectIds(type, s.tenantId);
    for (const id of s.ids[type]) assert.equal(present.has(id), expected, `${type} ${id} ${expected ? 'missing from' : 'still in'} Weaviate`);
  }
}

/** Runs the workflow on the real worker; returns its result and the id of its first run. */
async function run(input: ReconcileWorkflowInput, workflowId = uniqueName('reconcile')): Promise<ReconcileResult & { firstRunId: string }> {
  const handle = await stack.temporal.workflow.start<(i: ReconcileWorkflowInput) => Promise<ReconcileResult>>('reconcileVectorsWorkflow', {
    workflowId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [input],
  });
  return { ...(await handle.result()), firstRunId: handle.firstExecutionRunId };
}

let a: Seeded;
let b: Seeded;

test("a session's records are embedded into its tenant's Weaviate tenant, once", async () => {
  a = await seed((await newTenant(prisma)).tenantId, 12, 'alphaonly');
  const first = await vectors.syncSessionVectors(a);
  assert.deepEqual(first, { upserted: total(a), skipped: 0, deleted: 0 });
  await assertMirrored(a, true);

  // The object: uuid = record id, the documented properties, the local provider's vector.
  const obs = await tenantCollection(weaviate, 'observation', a.tenantId).query.fetchObjectById(a.ids.observation[1]!, { includeVector: [VECTOR_NAME] });
  assert.ok(obs);
  const p = obs.properties as Record<string, unknown>;
  assert.equal(p.projectId, a.projectId);
  assert.equal(p.sessionId, a.sessionId);
  assert.equal(p.kind, 'tool');
  assert.equal(p.recordType, 'observation');
  // No text in Weaviate (schema v2): keyword search is PostgreSQL's.
  assert.equal(p.title, undefined);
  assert.equal(p.text, undefined);
  assert.ok(p.createdAt instanceof Date || typeof p.createdAt === 'string');
  const [expected] = await createLocalProvider().embed([`${NOTES[1]![0]}\n${NOTES[1]![1]} alphaonly (#1)`], 'document');
  const stored = (obs.vectors as Record<string, number[]>)[VECTOR_NAME]!;
  assert.equal(stored.length, 512);
  stored.forEach((x, i) => assert.ok(Math.abs(x - expected![i]!) < 1e-5));
  const learning = await tenantCollection(weaviate, 'learning', a.tenantId).query.fetchObjectById(a.ids.learning[0]!);
  assert.equal((learning!.properties as Record<string, unknown>).status, 'active');
  assert.equal((learning!.properties as Record<string, unknown>).sessionId, '');

  const states = await prisma.vectorSyncState.findMany({ where: { tenantId: a.tenantId } });
  assert.equal(states.length, total(a));
  for (const s of states) assert.deepEqual([s.status, s.provider, s.model, s.dimension, s.attempts, s.weaviateId], ['synced', 'local', 'memflow-lexical-v1', 512, 0, s.recordId]);

  // A repeat writes nothing (unchanged learnings are not even read, so only session records count as skipped).
  assert.deepEqual(await vectors.syncSessionVectors(a), { upserted: 0, skipped: total(a) - a.ids.learning.length, deleted: 0 });
});

test('changed observations and superseded learnings are re-written', async () => {
  await prisma.observation.update({ where: { id: a.ids.observation[2]! }, data: { text: 'merged tool result: exit code 1, ENOSPC no space left on device' } });
  await prisma.learning.update({ where: { id: a.ids.learning[0]! }, data: { status: 'superseded', validTo: new Date() } });
  const counts = await vectors.syncSessionVectors(a);
  assert.equal(counts.upserted, 2);
  const learning = await tenantCollection(weaviate, 'learning', a.tenantId).query.fetchObjectById(a.ids.learning[0]!);
  assert.equal((learning!.properties as Record<string, unknown>).status, 'superseded');
  // The object's vector is the new text's.
  const obs = await tenantCollection(weaviate, 'observation', a.tenantId).query.fetchObjectById(a.ids.observation[2]!, { includeVector: [VECTOR_NAME] });
  const [now] = await createLocalProvider().embed([`${NOTES[2]![0]}\nmerged tool result: exit code 1, ENOSPC no space left on device`], 'document');
  const stored = (obs!.vectors as Record<string, number[]>)[VECTOR_NAME]!;
  stored.forEach((x, i) => assert.ok(Math.abs(x - now![i]!) < 1e-5));
});

test("a tenant's Weaviate tenant holds none of another tenant's objects, and queries cannot reach them", async () => {
  b = await seed((await newTenant(prisma)).tenantId, 6, 'bravoonly');
  await vectors.syncSessionVectors(b);
  for (const type of RECORD_TYPES) {
    const inA = await objectIds(type, a.tenantId);
    const inB = await objectIds(type, b.tenantId);
    assert.ok(b.ids[type].every((id) => !inA.has(id)), `${type}: B's objects in A's tenant`);
    assert.ok(a.ids[type].every((id) => !inB.has(id)), `${type}: A's objects in B's tenant`);
    assert.ok(b.ids[type].every((id) => inB.has(id)));
  }
  // Same text in both tenants: a query in A finds only A's objects, listed or by vector (Weaviate
  // holds no text since schema v2: keyword search is PostgreSQL's).
  const colA = tenantCollection(weaviate, 'observation', a.tenantId);
  const listed = await colA.query.fetchObjects({ limit: 1000 });
  assert.ok(listed.objects.length > 0);
  assert.ok(listed.objects.every((o) => a.ids.observation.includes(o.uuid)));
  const [v] = await createLocalProvider().embed([`${NOTES[0]![0]}\n${NOTES[0]![1]} bravoonly (#0)`], 'query');
  const near = await colA.query.nearVector(v!, { limit: 50 });
  assert.ok(near.objects.length > 0);
  assert.ok(near.objects.every((o) => a.ids.observation.includes(o.uuid)));
});

test('a Weaviate that refuses our key fails the activity without retries', async () => {
  const refused = createVectorActivities({ prisma, config: testConfig({ WEAVIATE_API_KEY: 'wrong-key' }) });
  await assert.rejects(refused.reconcileVectors({ tenantId: a.tenantId }), (e: unknown) => e instanceof ApplicationFailure && e.nonRetryable && e.type === 'WeaviateRejected');
});

test('ensureWeaviateTenant creates the tenant in every collection, idempotently', async () => {
  const { tenantId } = await newTenant(prisma);
  await ensureWeaviateTenant(weaviate, tenantId);
  await ensureWeaviateTenant(weaviate, tenantId);
  for (const type of RECORD_TYPES) {
    const found = await weaviate.collections.use(COLLECTIONS[type]).tenants.getByName(weaviateTenantName(tenantId));
    assert.equal(found?.activityStatus, 'ACTIVE', type);
  }
  assert.throws(() => weaviateTenantName('not-a-uuid'), /not a tenant id/);
});

test('deletions reach Weaviate: records, and whole projects', async () => {
  const gone = b.ids.observation[0]!;
  await prisma.observation.delete({ where: { id: gone } });
  assert.deepEqual(await vectors.deleteVectors({ tenantId: b.tenantId, recordType: 'observation', ids: [gone] }), { deleted: 1 });
  assert.equal((await objectIds('observation', b.tenantId)).has(gone), false);
  assert.equal(await prisma.vectorSyncState.count({ where: { recordId: gone } }), 0);
  // Deleting again is a no-op, not an error.
  assert.deepEqual(await vectors.deleteVectors({ tenantId: b.tenantId, recordType: 'observation', ids: [gone] }), { deleted: 0 });

  const { deleted } = await vectors.deleteProjectVectors({ tenantId: b.tenantId, projectId: b.projectId });
  assert.equal(deleted, total(b) - 1);
  for (const type of RECORD_TYPES) assert.equal((await objectIds(type, b.tenantId)).size, 0);
  assert.equal(await prisma.vectorSyncState.count({ where: { projectId: b.projectId } }), 0);
  // Tenant A is untouched.
  await assertMirrored(a, true);
});

test('the reconciliation workflow removes orphans (objects and sync rows whose record is gone) and rewrites stale objects', async () => {
  // A record deleted behind Weaviate's back (its sync row and object remain) ...
  const removed = a.ids.observation.pop()!;
  await prisma.observation.delete({ where: { id: removed } });
  // ... and an object no record ever had.
  const stray = crypto.randomUUID();
  const [v] = await createLocalProvider().embed(['stray object'], 'document');
  await tenantCollection(weaviate, 'observation', a.tenantId).data.insert({
    id: stray,
    properties: { projectId: a.projectId, sessionId: a.sessionId, kind: 'tool', recordType: 'observation', createdAt: new Date(), contentHash: '' },
    vectors: { [VECTOR_NAME]: v! },
  });

  // ... and an object whose content no longer matches its record (sync row still says synced).
  const staleId = a.ids.observation[3]!;
  await tenantCollection(weaviate, 'observation', a.tenantId).data.update({ id: staleId, properties: { contentHash: 'stale' } });

  const result = await run({ tenantId: a.tenantId });
  assert.equal(result.upserted, 1, 'only the stale object is rewritten');
  assert.equal(result.deleted, 2);
  const restored = await tenantCollection(weaviate, 'observation', a.tenantId).query.fetchObjectById(staleId);
  assert.notEqual((restored!.properties as Record<string, unknown>).contentHash, 'stale');
  const present = await objectIds('observation', a.tenantId);
  assert.equal(present.has(removed), false);
  assert.equal(present.has(stray), false);
  assert.equal(await prisma.vectorSyncState.count({ where: { recordId: removed } }), 0);
  await assertMirrored(a, true);
});

test('the reconciliation workflow restores a wiped Weaviate (even though every sync row says synced)', async () => {
  for (const name of Object.values(COLLECTIONS)) await weaviate.collections.delete(name);
  await assertMirrored(a, false);
  assert.equal(await prisma.vectorSyncState.count({ where: { tenantId: a.tenantId, status: { not: 'synced' } } }), 0);

  // Small batches and runs, so the run continues-as-new along the way.
  const workflowId = uniqueName('reconcile-wiped');
  const result = await run({ tenantId: a.tenantId, batchSize: 4, maxBatchesPerRun: 3 }, workflowId);
  assert.equal(result.upserted, total(a));
  assert.ok(result.runs > 1, `runs: ${result.runs}`);
  await assertMirrored(a, true);
  const learning = await tenantCollection(weaviate, 'learning', a.tenantId).query.fetchObjectById(a.ids.learning[0]!);
  assert.equal((learning!.properties as Record<string, unknown>).status, 'superseded');

  // Running it again finds nothing to do.
  const again = await run({ tenantId: a.tenantId });
  assert.deepEqual([again.upserted, again.deleted], [0, 0]);
  assert.ok(again.checked >= total(a));

  // A replay fixture (tests/unit/replay.test.ts), written only by `npm run fixtures:histories`.
  await keepHistory('reconcile-continue-as-new', stack.temporal.workflow.getHandle(workflowId, result.firstRunId));
});

test('a rebuild rewrites every record of the tenant', async () => {
  const result = await run({ tenantId: a.tenantId, rebuild: true });
  assert.equal(result.upserted, total(a));
  assert.equal(result.deleted, 0);
  await assertMirrored(a, true);
});

test('a run over all tenants drops the Weaviate tenant of a deleted memflow tenant', async () => {
  const c = await seed((await newTenant(prisma)).tenantId, 3, 'charlieonly');
  await vectors.syncSessionVectors(c);
  await prisma.tenant.delete({ where: { id: c.tenantId } }); // cascades to its rows and sync rows
  const result = await run({});
  assert.ok(result.deleted >= total(c), `deleted ${result.deleted}`);
  for (const type of RECORD_TYPES) {
    const names = Object.keys(await weaviate.collections.use(COLLECTIONS[type]).tenants.get());
    assert.ok(!names.includes(weaviateTenantName(c.tenantId)), `${type}: deleted tenant's Weaviate tenant remains`);
  }
  await assertMirrored(a, true);
});

test('a change of embedding provider re-embeds everything instead of mixing vector spaces', async () => {
  const key = 'sk-test-openai';
  const fake: FakeEmbeddingsServer = await startFakeEmbeddings({ apiKey: key, flavour: 'openai', dimension: 1536 });
  try {
    const openaiConfig = testConfig({ MEMFLOW_EMBEDDINGS: 'openai', OPENAI_API_KEY: key, MEMFLOW_EMBEDDINGS_URL: fake.baseURL, MEMFLOW_EMBEDDINGS_DIMENSION: '64' });

    // A provider that refuses the key fails without retries and leaves Weaviate alone.
    const refused = createVectorActivities({ prisma, config: { ...openaiConfig, OPENAI_API_KEY: 'sk-wrong' }, weaviate });
    await assert.rejects(refused.syncSessionVectors(a), (e: unknown) => e instanceof ApplicationFailure && e.nonRetryable && e.type === 'EmbeddingRejected' && /openai embeddings API answered 401/.test(e.message));
    await assertMirrored(a, true);

    const openai = createVectorActivities({ prisma, config: openaiConfig, weaviate });
    const counts = await openai.syncSessionVectors(a);
    assert.equal(counts.upserted, total(a), 'every record re-embedded');
    assert.ok(fake.requests.some((r) => r.body.dimensions === 64));
    const obs = await tenantCollection(weaviate, 'observation', a.tenantId).query.fetchObjectById(a.ids.observation[0]!, { includeVector: [VECTOR_NAME] });
    assert.equal((obs!.vectors as Record<string, number[]>)[VECTOR_NAME]!.length, 64);
    const states = await prisma.vectorSyncState.findMany({ where: { tenantId: a.tenantId } });
    assert.ok(states.every((s) => s.provider === 'openai' && s.model === 'text-embedding-3-small' && s.dimension === 64));
    assert.deepEqual(await openai.syncSessionVectors(a), { upserted: 0, skipped: total(a) - a.ids.learning.length, deleted: 0 });
    const exported = await weaviate.collections.export(COLLECTIONS.observation);
    assert.match(exported.description ?? '', /embedding space openai\/text-embedding-3-small\/64/);

    // And back: the local provider's space again, everything re-embedded once more.
    assert.equal((await vectors.syncSessionVectors(a)).upserted, total(a));
    await assertMirrored(a, true);
  } finally {
    await fake.close();
  }
});

test('a batch write (gRPC) upserts what Weaviate accepts and names, by position, each object it refused', async () => {
  const tenant = await newTenant(prisma);
  const s = await seed(tenant.tenantId, 2);
  await vectors.syncSessionVectors(s);
  const [good] = await createLocalProvider().embed(['a fresh note about the cache'], 'document');
  const props = { projectId: s.projectId, sessionId: s.sessionId, kind: 'tool', recordType: 'observation' as const, createdAt: new Date('2026-11-24T10:00:00.123Z'), contentHash: 'h' };
  const ok = { id: crypto.randomUUID(), properties: props, vector: good! };
  // A vector of another length than the index holds: Weaviate refuses this one object, not the batch.
  const wrong = { id: crypto.randomUUID(), properties: props, vector: [1, 0, 0] };
  const result = await insertObjects(weaviate, 'observation', tenant.tenantId, [wrong, ok]);
  assert.equal(result.hasErrors, true);
  assert.deepEqual(Object.keys(result.errors), ['0']);
  assert.match(result.errors[0]!.message, /length|dimension/i, result.errors[0]!.message);
  const col = tenantCollection(weaviate, 'observation', tenant.tenantId);
  const stored = await col.query.fetchObjectById(ok.id, { includeVector: [VECTOR_NAME] });
  assert.ok(stored, 'the accepted object is stored');
  assert.equal(await col.query.fetchObjectById(wrong.id), null, 'the refused one is not');
  // Properties and vector arrive as sent (the vector as float32).
  const p = stored.properties as Record<string, unknown>;
  assert.deepEqual([p.projectId, p.sessionId, p.kind, p.recordType, p.contentHash], [props.projectId, props.sessionId, 'tool', 'observation', 'h']);
  assert.equal(new Date(p.createdAt as string).toISOString(), '2026-11-24T10:00:00.123Z');
  const back = (stored.vectors as Record<string, number[]>)[VECTOR_NAME]!;
  assert.deepEqual(back, Array.from(Float32Array.from(good!)));
  // The same write again is an upsert: no error, one object.
  assert.equal((await insertObjects(weaviate, 'observation', tenant.tenantId, [ok])).hasErrors, false);
  // Credentials Weaviate refuses for the write itself: the activity fails without retries.
  const revoked = createBatchWriter({ ...grpcTargetOf(config), apiKey: 'revoked-key' });
  try {
    const scope = { collection: COLLECTIONS.observation, tenant: weaviateTenantName(tenant.tenantId), vectorName: VECTOR_NAME, consistency: 'QUORUM' as const };
    const err: unknown = await revoked.write(scope, [ok]).then(
      () => assert.fail('a refused key wrote'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WeaviateBatchError && err.credentialsRefused, String(err));
    assert.throws(() => toActivityFailure(err, 'retry'), (e: unknown) => e instanceof ApplicationFailure && e.nonRetryable && e.type === 'WeaviateRejected');
  } finally {
    revoked.close();
  }
});

test('a batch write stuck on a connection that answers nothing is sent again on a new connection', async () => {
  const tenant = await newTenant(prisma);
  const s = await seed(tenant.tenantId, 2);
  await vectors.syncSessionVectors(s);
  // Between the writer and Weaviate's gRPC port, as a load balancer is: its first connection goes to
  // a "node" that accepts and then never answers (lost mid-write); the next ones reach Weaviate.
  const target = grpcTargetOf(config);
  const sockets: net.Socket[] = [];
  let connections = 0;
  const proxy = net.createServer((client) => {
    sockets.push(client);
    if (connections++ === 0) return; // read and drop everything
    const upstream = net.connect(target.port, target.host);
    sockets.push(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const writer = createBatchWriter({ ...target, port: (proxy.address() as net.AddressInfo).port });
  try {
    const [vector] = await createLocalProvider().embed(['a note written through a lost node'], 'document');
    const id = crypto.randomUUID();
    const props = { projectId: s.projectId, sessionId: s.sessionId, kind: 'tool', recordType: 'observation' as const, createdAt: new Date(), contentHash: 'h' };
    const scope = { collection: COLLECTIONS.observation, tenant: weaviateTenantName(tenant.tenantId), vectorName: VECTOR_NAME, consistency: 'QUORUM' as const };
    const result = await writer.write(scope, [{ id, properties: props, vector: vector! }]);
    assert.equal(result.hasErrors, false);
    assert.ok(connections >= 2, `the write went out again on a new connection (${connections} connections)`);
    assert.ok(await tenantCollection(weaviate, 'observation', tenant.tenantId).query.fetchObjectById(id), 'the object is stored');
  } finally {
    writer.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((r) => proxy.close(() => r()));
  }
});
