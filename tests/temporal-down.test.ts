/**
 * Temporal being away looks the same on every route that starts a job (backup, restore, erasure,
 * redaction rescan): 503 `unavailable` with Retry-After, and nothing left behind that no workflow
 * will ever finish (no `pending` backup row).
 * The API runs against the real database with TEMPORAL_ADDRESS pointing at a closed port.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { freePort } from '../infra/ports.js';
import { newTenant, uniqueName } from './helpers/env.js';
import type { ApiAnswer } from './helpers/http.js';
import { withTestStack } from './helpers/stack.js';

const closed = await freePort();
const stack = withTestStack('down', { env: { TEMPORAL_ADDRESS: `127.0.0.1:${closed}` }, worker: false });
const { prisma, call } = stack;
let admin: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  admin = await newTenant(prisma, 'admin');
});

function assertUnavailable(res: ApiAnswer, what: string) {
  assert.equal(res.status, 503, res.text);
  assert.equal(res.body?.error?.code, 'unavailable', res.text);
  assert.match(res.body.error.message, new RegExp(`^Temporal is unavailable: ${what} was not started`));
  assert.equal(res.headers.get('retry-after'), '5');
}

test('a backup answers 503 with Retry-After and leaves no pending backup row', async () => {
  const res = await call(admin.key, 'POST', '/v1/admin/backups');
  assertUnavailable(res, 'the backup');
  assert.equal(await prisma.backup.count({ where: { tenantId: admin.tenantId } }), 0);
  const list = await call(admin.key, 'GET', '/v1/admin/backups');
  assert.deepEqual(list.body.items, []);
});

test('a restore answers 503 with Retry-After', async () => {
  // A completed backup row of the tenant (the restore route checks it before starting the workflow).
  const backup = await prisma.backup.create({ data: { scope: 'tenant', tenantId: admin.tenantId, status: 'completed', checksum: 'x', completedAt: new Date() } });
  const res = await call(admin.key, 'POST', '/v1/admin/restore', { backupId: backup.id });
  assertUnavailable(res, 'the restore');
});

test('an erasure answers 503 with Retry-After, and its job says why', async () => {
  const project = uniqueName('down');
  await prisma.project.create({ data: { tenantId: admin.tenantId, name: project } });
  const res = await call(admin.key, 'DELETE', `/v1/projects/${project}`);
  assertUnavailable(res, 'the erasure');
  const tombstone = await prisma.erasureTombstone.findFirstOrThrow({ where: { tenantId: admin.tenantId, projectName: project } });
  const job = await call(admin.key, 'GET', `/v1/jobs/${tombstone.jobId}`);
  assert.equal(job.status, 200, job.text);
  assert.equal(job.body.kind, 'project.erase');
  assert.equal(job.body.status, 'failed');
  assert.match(job.body.error, /^not started: /);
});

test('a redaction rescan answers 503 with Retry-After, and nothing is audited as started', async () => {
  const res = await call(admin.key, 'POST', '/v1/admin/redaction/rescan', {});
  assertUnavailable(res, 'the redaction rescan');
  assert.equal(await prisma.auditLog.count({ where: { tenantId: admin.tenantId, action: 'redaction.rescan.start' } }), 0);
});
