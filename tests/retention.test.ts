/**
 * Retention and the Schedules, against the real servers: a policy removes exactly what it names from
 * PostgreSQL and Weaviate and nothing else (other projects, other tenants, unprocessed events, final
 * summaries and active learnings stay), the size cap removes the oldest first, every run is audited,
 * and the worker's Schedules exist once after restarts.
 */
// @memflow-test runs-alone: the seeded raw event that is old and never processed is what any API's
// capture sweep (api/capture/redispatch.ts) picks up; another file's API running beside this one
// turned it into an observation in the middle of the size-cap test.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import { tenantCollection } from '../common/server/weaviate/schema.js';
import type { RecordType } from '../messages/record-types-v1.js';
import { waitUntil } from '../infra/wait-until.js';
import { ensureSchedules, memflowSchedules } from '../workers/schedules.js';
import { keepHistory } from './helpers/histories.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('retention', { config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined }), api: false });
const { prisma, config } = stack;

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

/** A project with rows of known ages: ids by what the policy should do with them. */
async function seedProject(tenantId: string) {
  const projectRow = await prisma.project.create({ data: { tenantId, name: uniqueName('proj') } });
  const session = await prisma.session.create({ data: { tenantId, projectId: projectRow.id, agentSessionId: crypto.randomUUID() } });
  const base = { tenantId, projectId: projectRow.id, sessionId: session.id };
  let seq = 0;
  const event = async (ageDays: number, processed: boolean) =>
    (
      await prisma.hookEvent.create({
        data: { ...base, event: 'stop', sequence: ++seq, idempotencyKey: crypto.randomUUID(), payload: { n: seq }, originalBytes: 10, receivedAt: daysAgo(ageDays), processedAt: processed ? new Date() : null },
      })
    ).id;
  const observation = async (ageDays: number) =>
    (await prisma.observation.create({ data: { ...base, kind: 'tool', sequence: ++seq, title: `Read: file-${seq}.ts`, text: `contents of file ${seq} `.repeat(20), tokenCount: 80, createdAt: daysAgo(ageDays) } })).id;
  const summary = async (ageDays: number, kind: 'batch' | 'final') =>
    (await prisma.summary.create({ data: { ...base, kind, title: `${kind} ${seq}`, text: 'summary text', fromSequence: ++seq, toSequence: seq, createdAt: daysAgo(ageDays) } })).id;
  const learning = async (ageDays: number, status: 'active' | 'superseded') => {
    const id = (await prisma.learning.create({ data: { tenantId, projectId: projectRow.id, kind: 'gotcha', title: `learning ${++seq}`, body: 'body', fingerprint: crypto.randomUUID().replace(/-/g, ''), status } })).id;
    await prisma.$executeRaw`UPDATE learnings SET updated_at = ${daysAgo(ageDays)} WHERE id = ${id}::uuid`;
    return id;
  };
  const expired = {
    events: [await event(10, true), await event(20, true)],
    observations: [await observation(40), await observation(90)],
    summaries: [await summary(45, 'batch')],
    learnings: [await learning(60, 'superseded')],
  };
  const kept = {
    events: [await event(1, true), await event(30, false) /* old but never processed */],
    observations: [await observation(2), await observation(29)],
    summaries: [await summary(100, 'final'), await summary(3, 'batch')],
    learnings: [await learning(100, 'active'), await learning(2, 'superseded')],
  };
  await new MockActivityEnvironment().run(createVectorActivities({ prisma, config }).syncSessionVectors, base);
  return { projectId: projectRow.id, sessionId: session.id, expired, kept };
}

async function inWeaviate(tenantId: string, type: RecordType, ids: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const id of ids) if (await tenantCollection(stack.weaviate, type, tenantId).data.exists(id)) found.push(id);
  return found;
}

test('a policy removes exactly what it names, from PostgreSQL and Weaviate, and audits the run', async () => {
  const t = await newTenant(prisma);
  const other = await newTenant(prisma);
  const a = await seedProject(t.tenantId);
  const b = await seedProject(t.tenantId); // same tenant, its own policy: keep everything but raw events
  const c = await seedProject(other.tenantId); // another tenant, no policy at all
  await prisma.retentionPolicy.create({ data: { tenantId: t.tenantId, rawEventMaxAgeDays: 7, observationMaxAgeDays: 30, keepSummaries: false, keepLearnings: false } });
  await prisma.retentionPolicy.create({ data: { tenantId: t.tenantId, projectId: b.projectId, rawEventMaxAgeDays: 7 } });
  assert.deepEqual(await inWeaviate(t.tenantId, 'observation', a.expired.observations), a.expired.observations, 'synced before the run');

  const handle = await stack.temporal.workflow.start('retentionWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: uniqueName('retention'),
    args: [{ tenantId: t.tenantId, batchSize: 1 }], // batches of one: the loop and resumption are exercised
  });
  const result = (await handle.result()) as { deleted: Record<string, number> };
  await keepHistory('retention-run', handle);
  assert.deepEqual(result.deleted, { rawEvents: 4, observations: 2, summaries: 1, learnings: 1, sizeRawEvents: 0, sizeObservations: 0 });

  const ids = async (table: 'hookEvent' | 'observation' | 'summary' | 'learning', projectId: string) =>
    ((await (prisma[table] as any).findMany({ where: { projectId }, select: { id: true } })) as { id: string }[]).map((r) => r.id).sort();
  const sorted = (xs: string[]) => [...xs].sort();
  assert.deepEqual(await ids('hookEvent', a.projectId), sorted(a.kept.events));
  assert.deepEqual(await ids('observation', a.projectId), sorted(a.kept.observations));
  assert.deepEqual(await ids('summary', a.projectId), sorted(a.kept.summaries));
  assert.deepEqual(await ids('learning', a.projectId), sorted(a.kept.learnings));
  // Project b: only its old processed raw events went.
  assert.deepEqual(await ids('hookEvent', b.projectId), sorted(b.kept.events));
  assert.deepEqual(await ids('observation', b.projectId), sorted([...b.expired.observations, ...b.kept.observations]));
  // The other tenant: untouched.
  assert.equal((await ids('hookEvent', c.projectId)).length, 4);
  assert.equal((await ids('observation', c.projectId)).length, 4);

  // Weaviate: the deleted records' objects are gone, the kept ones are there.
  assert.deepEqual(await inWeaviate(t.tenantId, 'observation', a.expired.observations), []);
  assert.deepEqual(await inWeaviate(t.tenantId, 'summary', a.expired.summaries), []);
  assert.deepEqual(await inWeaviate(t.tenantId, 'learning', a.expired.learnings), []);
  assert.deepEqual(await inWeaviate(t.tenantId, 'observation', a.kept.observations), a.kept.observations);
  assert.deepEqual(await inWeaviate(t.tenantId, 'observation', b.expired.observations), b.expired.observations);
  assert.deepEqual(await inWeaviate(other.tenantId, 'observation', c.expired.observations), c.expired.observations);

  const audit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: t.tenantId, action: 'retention.run' } });
  assert.equal(audit.outcome, 'success');
  assert.deepEqual(audit.details, { rawEvents: 4, observations: 2, summaries: 1, learnings: 1, sizeRawEvents: 0, sizeObservations: 0 });
  assert.equal(await prisma.auditLog.count({ where: { tenantId: other.tenantId, action: 'retention.run' } }), 0);
});

test('a size cap removes the oldest processed raw events, then the oldest observations, until the project fits', async () => {
  const t = await newTenant(prisma);
  const p = await seedProject(t.tenantId);
  const size = async () =>
    Number(
      (
        await prisma.$queryRaw<{ n: bigint }[]>`SELECT (SELECT coalesce(sum(octet_length(payload::text)),0) FROM hook_events WHERE project_id = ${p.projectId}::uuid)
          + (SELECT coalesce(sum(octet_length(text)),0) FROM observations WHERE project_id = ${p.projectId}::uuid) AS n`
      )[0]!.n,
    );
  const total = await size();
  const cap = total - 900; // forces every processed raw event out, then some observations
  await prisma.retentionPolicy.create({ data: { tenantId: t.tenantId, projectId: p.projectId, maxBytes: BigInt(cap) } });
  const result = await stack.temporal.workflow.execute('retentionWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: uniqueName('retention'), args: [{ tenantId: t.tenantId }] });
  assert.ok((await size()) <= cap, `size ${await size()} <= cap ${cap}`);
  assert.equal(result.deleted.sizeRawEvents, 3, 'the processed raw events went first');
  const left = await prisma.observation.findMany({ where: { projectId: p.projectId }, orderBy: { createdAt: 'asc' }, select: { id: true } });
  const all = [p.expired.observations[1]!, p.expired.observations[0]!, p.kept.observations[1]!, p.kept.observations[0]!]; // oldest first
  assert.deepEqual(left.map((o) => o.id), all.slice(all.length - left.length), 'the newest observations are the ones kept');
  assert.equal(await prisma.hookEvent.count({ where: { projectId: p.projectId, processedAt: null } }), 1, 'an unprocessed event is never removed');
});

test('the schedules exist once after worker restarts, with their periods, and "off" removes one', async () => {
  const cfg = { ...config, TEMPORAL_TASK_QUEUE: uniqueName('sched') };
  const quiet = { info() {} };
  await ensureSchedules(stack.temporal, cfg, quiet);
  await ensureSchedules(stack.temporal, cfg, quiet); // a restart
  const ids = memflowSchedules(cfg).map((s) => s.id);
  // Listing reads Temporal's visibility store, which lags writes by a moment.
  const listed = async (expected: string[]) => {
    let seen: string[] = [];
    await waitUntil(
      async () => {
        seen = [];
        for await (const s of stack.temporal.schedule.list()) if (ids.includes(s.scheduleId)) seen.push(s.scheduleId);
        return seen.sort().join() === [...expected].sort().join();
      },
      { what: 'schedule list', timeoutMs: 15_000, intervalMs: 300 },
    ).catch(() => undefined);
    return seen.sort();
  };
  assert.deepEqual(await listed(ids), [...ids].sort(), 'each schedule once');
  const backup = await stack.temporal.schedule.getHandle(`${cfg.TEMPORAL_TASK_QUEUE}-backup`).describe();
  assert.equal(backup.policies.overlap, 'SKIP');
  assert.equal(backup.spec.intervals?.[0]?.every, 6 * 3_600_000);
  assert.equal(backup.action.type === 'startWorkflow' ? backup.action.workflowType : '', 'backupWorkflow');

  await ensureSchedules(stack.temporal, { ...cfg, MEMFLOW_BACKUP_EVERY: null, MEMFLOW_RETENTION_EVERY: 3_600_000 }, quiet);
  const remaining = [`${cfg.TEMPORAL_TASK_QUEUE}-reconcile`, `${cfg.TEMPORAL_TASK_QUEUE}-retention`];
  assert.deepEqual(await listed(remaining), remaining);
  const retention = await stack.temporal.schedule.getHandle(`${cfg.TEMPORAL_TASK_QUEUE}-retention`).describe();
  assert.equal(retention.spec.intervals?.[0]?.every, 3_600_000, 'an existing schedule is updated to the new period');
  for (const id of remaining) await stack.temporal.schedule.getHandle(id).delete();
});
