/**
 * The audit trail through GET /v1/admin/audit, against the real API, worker and database: backups,
 * erasures, exports and key changes leave rows; member keys are refused (and the refusal is audited);
 * one tenant never sees another's rows; pages follow each other newest first. Also: a revoked key is
 * refused on the very next request.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createApiKey, revokeApiKey } from '../common/server/tenants.js';
import { waitUntil } from '../infra/wait-until.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';
import type { AuditItem } from '../messages/api-v1.js';
import { replay, sessionResult } from './helpers/sessions.js';

const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-audit-'));
const stack = withTestStack('audit', {
  env: { MEMFLOW_BACKUP_DIR: backupDir },
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, call } = stack;
let a: Awaited<ReturnType<typeof newTenant>>;
let b: Awaited<ReturnType<typeof newTenant>>;
let member: { key: string; keyId: string };

async function auditOf(key: string, query = ''): Promise<AuditItem[]> {
  const res = await call(key, 'GET', `/v1/admin/audit?limit=100${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body.items as AuditItem[];
}

before(async () => {
  a = await newTenant(prisma, 'admin');
  b = await newTenant(prisma, 'admin');
  member = await createApiKey(prisma, a.name, { role: 'member' });
});

after(() => {
  fs.rmSync(backupDir, { recursive: true, force: true });
});

test('backup, export, erase and key changes are audited and listed for admins, newest first', async () => {
  const project = uniqueName('audited');
  const s = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`, 1);
  await replay(stack.api.url, a.key, s.deliveries);
  await sessionResult(stack.temporal, prisma, a.tenantId, s.sessionId, 90_000);

  assert.equal((await call(a.key, 'GET', `/v1/export?project=${project}`)).status, 200);

  const backup = await call(a.key, 'POST', '/v1/admin/backups', {});
  assert.equal(backup.status, 202, backup.text);
  await waitUntil(async () => (await call(a.key, 'GET', `/v1/admin/jobs/${backup.body.jobId}`)).body?.status === 'completed', {
    what: 'the backup job',
    timeoutMs: 90_000,
    intervalMs: 250,
  });

  const erase = await call(a.key, 'DELETE', `/v1/projects/${project}`);
  assert.equal(erase.status, 202, erase.text);
  await waitUntil(async () => (await call(a.key, 'GET', `/v1/jobs/${erase.body.jobId}`)).body?.status === 'erased', {
    what: 'the erasure job',
    timeoutMs: 90_000,
    intervalMs: 250,
  });

  const revoked = await createApiKey(prisma, a.name, { role: 'member', label: 'to revoke' });
  assert.equal(await revokeApiKey(prisma, revoked.keyId), true);
  assert.equal(await revokeApiKey(prisma, revoked.keyId), false, 'a second revocation changes nothing');

  const items = await auditOf(a.key);
  const one = (action: string, target?: string) => {
    const found = items.filter((i) => i.action === action && (target === undefined || i.target === target));
    assert.equal(found.length, 1, `${action} ${target ?? ''}: ${JSON.stringify(items.map((i) => [i.action, i.target]))}`);
    return found[0]!;
  };
  const exported = one('export.project', `project:${project}`);
  assert.equal(exported.actorKeyId !== null && exported.outcome === 'success' && exported.requestId !== null, true);
  assert.equal(one('backup.create', `backup:${backup.body.backupId}`).outcome, 'success');
  assert.equal(one('project.erase', `project:${project}`).outcome, 'success');
  const created = one('key.create', `key:${revoked.keyId}`);
  assert.equal(created.actorKeyId, null, 'the operator (no key) acted');
  assert.deepEqual(created.details, { prefix: revoked.prefix, role: 'member', label: 'to revoke' });
  assert.equal(one('key.revoke', `key:${revoked.keyId}`).actorKeyId, null);
  one('key.create', `key:${member.keyId}`);

  // Newest first; every field present.
  const times = items.map((i) => Date.parse(i.createdAt));
  assert.deepEqual(times, [...times].sort((x, y) => y - x));
  for (const i of items) assert.deepEqual(Object.keys(i).sort(), ['action', 'actor', 'actorKeyId', 'createdAt', 'details', 'id', 'outcome', 'requestId', 'target']);

  // Filters: an action, a family, a time window.
  assert.deepEqual((await auditOf(a.key, '&action=key.revoke')).map((i) => i.target), [`key:${revoked.keyId}`]);
  assert.ok((await auditOf(a.key, '&action=key.')).every((i) => i.action.startsWith('key.')));
  assert.equal((await auditOf(a.key, `&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length, 0);
  const last = items[0]!;
  assert.ok((await auditOf(a.key, `&until=${encodeURIComponent(last.createdAt)}`)).every((i) => Date.parse(i.createdAt) < Date.parse(last.createdAt)));
});

test('member keys get 403 on admin routes, and the refusal is audited as auth.denied', async () => {
  const denied = await call(member.key, 'GET', '/v1/admin/audit');
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, 'forbidden');
  assert.equal((await call(member.key, 'POST', '/v1/admin/backups', {})).status, 403);
  const rows = await waitForRows(() => auditOf(a.key, '&action=auth.denied'), 2);
  assert.ok(rows.every((r) => r.actorKeyId === member.keyId && r.outcome === 'denied'));
  assert.deepEqual(rows.map((r) => r.target).sort(), ['route:GET /v1/admin/audit', 'route:POST /v1/admin/backups']);
  // No key at all: 401, and nothing to attribute.
  assert.equal((await fetch(`${stack.api.url}/v1/admin/audit`)).status, 401);
});

/** Denials are written after the answer (onResponse): wait for them. */
async function waitForRows(read: () => Promise<AuditItem[]>, n: number): Promise<AuditItem[]> {
  let rows: AuditItem[] = [];
  await waitUntil(async () => (rows = await read()).length >= n, { what: `${n} audit rows`, timeoutMs: 10_000, intervalMs: 50 });
  return rows;
}

test("tenant B sees none of tenant A's rows", async () => {
  const mine = await auditOf(a.key);
  const theirs = await auditOf(b.key);
  assert.ok(mine.length > 0);
  const ids = new Set(mine.map((i) => i.id));
  assert.equal(theirs.filter((i) => ids.has(i.id)).length, 0);
  assert.ok(theirs.every((i) => i.action === 'key.create'), `B's trail: ${JSON.stringify(theirs.map((i) => i.action))}`);
  const rowsOfB = await prisma.auditLog.count({ where: { tenantId: b.tenantId } });
  assert.equal(theirs.length, rowsOfB);
});

test('pages follow each other without gaps or repeats; limit above 100 is a 400', async () => {
  for (let i = 0; i < 5; i++) await createApiKey(prisma, a.name, { role: 'member', label: `page ${i}` });
  const all = await auditOf(a.key);
  const paged: AuditItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: any; text: string } = await call(a.key, 'GET', `/v1/admin/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length <= 3);
    paged.push(...(res.body.items as AuditItem[]));
    cursor = res.body.nextCursor as string | null;
    pages++;
  } while (cursor && pages < 100);
  assert.deepEqual(paged.map((i) => i.id), all.map((i) => i.id));
  assert.ok(pages >= 3);

  const over = await call(a.key, 'GET', '/v1/admin/audit?limit=101');
  assert.equal(over.status, 400);
  assert.match(over.body.error.message, /^limit: /);
  assert.equal((await call(a.key, 'GET', '/v1/admin/audit?cursor=not-a-cursor')).status, 400);
  assert.equal((await call(a.key, 'GET', '/v1/admin/audit?since=yesterday')).status, 400);
  assert.equal((await call(a.key, 'GET', '/v1/admin/audit?action=DROP%20TABLE')).status, 400);
});

test('a revoked key is refused on the very next request', async () => {
  const key = await createApiKey(prisma, a.name, { role: 'admin' });
  assert.equal((await call(key.key, 'GET', '/v1/admin/audit?limit=1')).status, 200);
  await revokeApiKey(prisma, key.keyId);
  const next = await call(key.key, 'GET', '/v1/admin/audit?limit=1');
  assert.equal(next.status, 401);
  assert.equal(next.body.error.code, 'unauthenticated');
  // And on the hook route, where agents spend most requests.
  const hook = await call(key.key, 'POST', '/v1/hooks/session-start', { session_id: 'x', cwd: '/home/dev/x' });
  assert.equal(hook.status, 401);
});
