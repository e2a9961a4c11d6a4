/**
 * Backups, erase and restore against the real servers: a tenant's project (replayed through the API,
 * summarized, embedded) is backed up, erased, restored, and its export must be byte-identical to the
 * one taken before; a restore skips erased projects unless asked, is idempotent, repopulates Weaviate,
 * and refuses a backup whose files were tampered with.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { createApiKey } from '../common/server/tenants.js';
import { COLLECTIONS, tenantCollection } from '../common/server/weaviate/schema.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { keepHistory } from './helpers/histories.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-backups-'));
const stack = withTestStack('backup', {
  env: { MEMFLOW_BACKUP_DIR: backupDir },
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, call } = stack;
let admin: Awaited<ReturnType<typeof newTenant>>;
let member: { key: string };
const project = uniqueName('shop');

async function job(id: string): Promise<{ status: string; result?: any; error?: string }> {
  let last: { status: string } = { status: 'unknown' };
  await waitUntil(
    async () => {
      last = (await call(admin.key, 'GET', `/v1/admin/jobs/${id}`)).body as { status: string };
      return last.status !== 'running';
    },
    { what: `job ${id}`, timeoutMs: 90_000, intervalMs: 250 },
  );
  return last as { status: string; result?: any; error?: string };
}

const exportOf = async () => {
  const res = await call(admin.key, 'GET', `/v1/export?project=${project}`);
  assert.equal(res.status, 200);
  return res.text;
};

async function projectObjectCount(tenantId: string, projectId: string): Promise<number> {
  let n = 0;
  for (const type of Object.keys(COLLECTIONS) as (keyof typeof COLLECTIONS)[]) {
    const r = await tenantCollection(stack.weaviate, type, tenantId).query.fetchObjects({
      filters: tenantCollection(stack.weaviate, type, tenantId).filter.byProperty('projectId').equal(projectId),
      limit: 1000,
    });
    n += r.objects.length;
  }
  return n;
}

before(async () => {
  await stack.ready;
  admin = await newTenant(prisma, 'admin');
  member = await createApiKey(prisma, admin.name, { role: 'member' });
  for (let i = 0; i < 2; i++) {
    const s = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`, 3);
    await replay(stack.api.url, admin.key, s.deliveries);
    await sessionResult(stack.temporal, prisma, admin.tenantId, s.sessionId, 90_000);
  }
});

after(() => {
  fs.rmSync(backupDir, { recursive: true, force: true });
});

test('member keys cannot back up or restore', async () => {
  assert.equal((await call(member.key, 'POST', '/v1/admin/backups', {})).status, 403);
  assert.equal((await call(member.key, 'GET', '/v1/admin/backups')).status, 403);
  assert.equal((await call(member.key, 'POST', '/v1/admin/restore', { backupId: crypto.randomUUID() })).status, 403);
  assert.equal(await prisma.backup.count({ where: { tenantId: admin.tenantId } }), 0);
});

test('backup, erase, restore: the export is identical, Weaviate is repopulated, a second restore changes nothing', async () => {
  const before = await exportOf();
  const projectRow = await prisma.project.findUniqueOrThrow({ where: { tenantId_name: { tenantId: admin.tenantId, name: project } } });
  assert.ok(before.split('\n').filter(Boolean).length > 50, 'a substantial export');
  assert.ok((await projectObjectCount(admin.tenantId, projectRow.id)) > 0, 'the project is in Weaviate');

  const started = await call(admin.key, 'POST', '/v1/admin/backups', {});
  assert.equal(started.status, 202);
  assert.equal((await job(started.body.jobId)).status, 'completed');
  const listed = await call(admin.key, 'GET', '/v1/admin/backups');
  const backup = listed.body.items.find((b: { id: string }) => b.id === started.body.backupId);
  assert.equal(backup.status, 'completed');
  assert.ok(backup.sizeBytes > 0);
  const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, backup.id, 'manifest.json'), 'utf8'));
  assert.ok(manifest.tables.find((t: { table: string }) => t.table === 'observations').rows > 0);

  // Erase the project (helper-built erase workflow), then check it is gone from both stores.
  const erased = await call(admin.key, 'DELETE', `/v1/projects/${project}`);
  assert.equal(erased.status, 202);
  await waitUntil(async () => (await prisma.erasureTombstone.findFirst({ where: { jobId: erased.body.jobId } }))?.erasedAt != null, {
    what: 'erasure',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  assert.equal(await prisma.observation.count({ where: { projectId: projectRow.id } }), 0);
  assert.equal(await projectObjectCount(admin.tenantId, projectRow.id), 0);

  // A plain restore leaves the erased project out.
  const plain = await call(admin.key, 'POST', '/v1/admin/restore', { backupId: backup.id });
  assert.equal(plain.status, 202);
  const plainDone = await job(plain.body.jobId);
  assert.equal(plainDone.status, 'completed');
  assert.deepEqual(plainDone.result.skippedErasedProjects, [project]);
  assert.equal(await prisma.project.count({ where: { id: projectRow.id } }), 0);

  // Asked for, it comes back exactly as it was.
  const full = await call(admin.key, 'POST', '/v1/admin/restore', { backupId: backup.id, project, includeErased: true });
  const fullDone = await job(full.body.jobId);
  assert.equal(fullDone.status, 'completed', fullDone.error);
  await keepHistory('backup-run', stack.temporal.workflow.getHandle(started.body.jobId));
  await keepHistory('restore-run', stack.temporal.workflow.getHandle(full.body.jobId));
  assert.ok(fullDone.result.inserted.observations > 0);
  assert.equal(await exportOf(), before, 'the export after restore is identical to the one before');
  assert.ok(fullDone.result.vectors.upserted > 0, 'Weaviate repopulated by reconciliation');
  assert.ok((await projectObjectCount(admin.tenantId, projectRow.id)) > 0);

  // Idempotent: running it again inserts nothing and changes nothing.
  const again = await job((await call(admin.key, 'POST', '/v1/admin/restore', { backupId: backup.id, project, includeErased: true })).body.jobId);
  assert.equal(again.status, 'completed');
  assert.ok(Object.values(again.result.inserted as Record<string, number>).every((n) => n === 0), JSON.stringify(again.result.inserted));
  assert.equal(await exportOf(), before);

  const audit = await prisma.auditLog.findMany({ where: { tenantId: admin.tenantId, action: { in: ['backup.create', 'backup.restore'] } } });
  assert.ok(audit.some((a) => a.action === 'backup.create' && a.outcome === 'success'));
  assert.equal(audit.filter((a) => a.action === 'backup.restore' && a.outcome === 'success').length, 3);
});

test('a backup with a corrupted file is refused at restore, naming the file, and nothing is written', async () => {
  const started = await call(admin.key, 'POST', '/v1/admin/backups', {});
  assert.equal((await job(started.body.jobId)).status, 'completed');
  const file = path.join(backupDir, started.body.backupId, 'observations.ndjson.gz');
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  fs.writeFileSync(file, bytes);
  const before = await prisma.auditLog.count({ where: { tenantId: admin.tenantId } });
  const restore = await call(admin.key, 'POST', '/v1/admin/restore', { backupId: started.body.backupId });
  const done = await job(restore.body.jobId);
  assert.equal(done.status, 'failed');
  assert.match(done.error ?? '', /observations\.ndjson\.gz is corrupted/);
  const failure = await prisma.auditLog.findFirst({ where: { tenantId: admin.tenantId, action: 'backup.restore', outcome: 'failure' } });
  assert.ok(failure, 'the refused restore is audited');
  assert.equal(await prisma.auditLog.count({ where: { tenantId: admin.tenantId } }), before + 1, 'nothing but the audit row was written');
});

test('restore input is validated and scoped to the tenant', async () => {
  assert.equal((await call(admin.key, 'POST', '/v1/admin/restore', { backupId: 'nope' })).status, 400);
  assert.equal((await call(admin.key, 'POST', '/v1/admin/restore', { backupId: crypto.randomUUID() })).status, 404);
  const other = await newTenant(prisma, 'admin');
  const mine = (await call(admin.key, 'GET', '/v1/admin/backups')).body.items[0].id as string;
  const res = await fetch(`${stack.api.url}/v1/admin/restore`, {
    method: 'POST',
    headers: { authorization: `Bearer ${other.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ backupId: mine }),
  });
  assert.equal(res.status, 404, "another tenant's backup is not found");
});
