/**
 * Stopping and starting the local stack keeps what each store holds: a PostgreSQL row, a running
 * Temporal workflow with its history, and a Weaviate object with its vector.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { temporalService } from '../infra/services/temporal.js';
import { weaviateService } from '../infra/services/weaviate.js';
import { capturedSignal, sessionWorkflowId } from '../messages/workflows-v1/session.js';
import { stackManages, testConfig, testPrisma, testProfile, uniqueName } from './helpers/env.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('persist-no-worker') });
const prisma = testPrisma();
const { connection, client } = createTemporalClient(config);
const weaviateHeaders = { 'content-type': 'application/json', authorization: `Bearer ${config.WEAVIATE_API_KEY}` };

after(async () => {
  await connection.close();
  await prisma.$disconnect();
});

test('data in PostgreSQL, Temporal and Weaviate survives a restart of the stack', {
  skip: !stackManages('temporal', 'weaviate') && 'the test stack does not manage Temporal and Weaviate here',
}, async () => {
  const profile = testProfile();
  const log = () => undefined;

  // PostgreSQL: a tenant row.
  const tenant = await prisma.tenant.create({ data: { name: uniqueName('persist') } });

  // Temporal: a session workflow started and signalled with no worker: it stays running, its
  // history holding the start and the signal.
  const workflowId = sessionWorkflowId(tenant.id, crypto.randomUUID(), 'persist-session');
  await client.workflow.signalWithStart('sessionWorkflow', {
    workflowId,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{ tenantId: tenant.id, projectId: 'p', sessionId: 's', agentSessionId: 'persist-session' }],
    signal: capturedSignal,
    signalArgs: [{ events: 1, tokens: 0, starts: 1, stops: 0, ends: 0, compacts: 0, throughSequence: 1 }],
  });

  // Weaviate: a collection with one object and its vector.
  const collection = `PersistCheck${crypto.randomBytes(4).toString('hex')}`;
  const objectId = crypto.randomUUID();
  let res = await fetch(`${config.WEAVIATE_URL}/v1/schema`, {
    method: 'POST',
    headers: weaviateHeaders,
    body: JSON.stringify({ class: collection, vectorizer: 'none', properties: [{ name: 'text', dataType: ['text'] }] }),
  });
  assert.equal(res.status, 200, await res.text());
  res = await fetch(`${config.WEAVIATE_URL}/v1/objects`, {
    method: 'POST',
    headers: weaviateHeaders,
    body: JSON.stringify({ class: collection, id: objectId, properties: { text: 'kept across restarts' }, vector: [0.1, 0.2, 0.3] }),
  });
  assert.equal(res.status, 200, await res.text());

  // Restart both servers of the test stack.
  assert.equal(await temporalService.stop(profile), true);
  assert.equal(await weaviateService.stop(profile), true);
  assert.equal((await temporalService.status(profile)).pid, undefined);
  await temporalService.start(profile, log);
  await weaviateService.start(profile, log);

  try {
    assert.equal((await prisma.tenant.findUnique({ where: { id: tenant.id } }))?.name, tenant.name);

    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    assert.equal(description.status.name, 'RUNNING');
    const history = await handle.fetchHistory();
    const kinds = (history.events ?? []).map((e) => e.eventType);
    assert.ok(kinds.length >= 2, 'history kept its events');

    res = await fetch(`${config.WEAVIATE_URL}/v1/objects/${collection}/${objectId}?include=vector`, { headers: weaviateHeaders });
    assert.equal(res.status, 200);
    const obj = (await res.json()) as { properties: { text: string }; vector: number[] };
    assert.equal(obj.properties.text, 'kept across restarts');
    assert.equal(obj.vector.length, 3);
  } finally {
    await client.workflow.getHandle(workflowId).terminate('test done').catch(() => undefined);
    await fetch(`${config.WEAVIATE_URL}/v1/schema/${collection}`, { method: 'DELETE', headers: weaviateHeaders });
    await prisma.tenant.delete({ where: { id: tenant.id } });
  }
});
