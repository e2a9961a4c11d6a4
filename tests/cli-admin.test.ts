/**
 * `memflow backup`, `backup list`, `erase`, `restore`: the admin clients, run as the real bin against
 * the real API and worker. A replayed session is backed up, erase refuses without --yes, erases with
 * it, and a restore of that project brings it back; a member key is told it needs an admin key.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { createApiKey } from '../common/server/tenants.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { runCli } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { replay, sessionResult } from './helpers/sessions.js';

const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-cli-backups-'));
const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('cli-admin'), MEMFLOW_BACKUP_DIR: backupDir }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let admin: Awaited<ReturnType<typeof newTenant>>;
let member: { key: string };
const project = uniqueName('shop');
const session = buildDebugSession(crypto.randomUUID(), `/home/dev/${project}`);

before(async () => {
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  admin = await newTenant(prisma, 'admin');
  member = await createApiKey(prisma, admin.name, { role: 'member' });
  await replay(api.url, admin.key, session.deliveries);
  await sessionResult(temporal.client, prisma, admin.tenantId, session.sessionId, 90_000);
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

const cli = (args: string[], key = admin.key) => runCli(args, { env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: key } });
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const projectRow = () => prisma.project.findUnique({ where: { tenantId_name: { tenantId: admin.tenantId, name: project } } });
const observationCount = async () => {
  const row = await projectRow();
  return row ? prisma.observation.count({ where: { projectId: row.id } }) : 0;
};

describe('a member key', () => {
  const hint = /^memflow: this needs an admin API key \(memflow keys create --tenant <name> --admin\) \(403 forbidden: .*\)\n$/;
  for (const args of [['backup'], ['backup', 'list'], ['restore', crypto.randomUUID()], ['erase', project, '--yes']]) {
    test(`gets the admin hint: memflow ${args.join(' ')}`, async () => {
      const r = await cli(args, member.key);
      assert.equal(r.code, 1);
      assert.match(r.stderr, hint);
      assert.equal(r.stdout, '');
    });
  }
  test('changed nothing', async () => {
    assert.equal(await prisma.backup.count({ where: { tenantId: admin.tenantId } }), 0);
    assert.ok((await observationCount()) > 0);
  });
});

describe('backup, erase, restore', () => {
  let backupId = '';
  let observations = 0;

  test('backup --wait starts a backup and follows its job to the end', async () => {
    const r = await cli(['backup', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const m = new RegExp(`^backup (${UUID}) started \\(job (backup/${admin.tenantId}/\\1)\\)\\nbackup \\1 completed: (\\d+) rows, [\\d.]+ (B|KiB|MiB)\\n$`).exec(r.stdout);
    assert.ok(m, r.stdout);
    backupId = m[1]!;
    assert.ok(Number(m[3]) > 0);
    assert.match(r.stderr, /^(\.+\n)?$/, 'only progress dots on stderr');
    assert.ok(fs.existsSync(path.join(backupDir, backupId, 'manifest.json')), 'written to MEMFLOW_BACKUP_DIR');
  });

  test('backup list shows it, as a table or as the API JSON', async () => {
    const human = await cli(['backup', 'list']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+STATUS\s+SIZE\s+CREATED\n/);
    assert.match(human.stdout, new RegExp(`\\n${backupId}  completed\\s+[\\d.]+ (B|KiB|MiB)\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z\\n`));
    const json = await cli(['backup', 'list', '--json']);
    const page = JSON.parse(json.stdout) as { items: { id: string; status: string; sizeBytes: number }[] };
    const listed = page.items.find((b) => b.id === backupId);
    assert.equal(listed?.status, 'completed');
    assert.ok((listed?.sizeBytes ?? 0) > 0);
  });

  test('erase without --yes refuses, says what would go and how to confirm, and changes nothing', async () => {
    observations = await observationCount();
    assert.ok(observations > 0);
    const r = await cli(['erase', project]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^this would permanently erase project '${project}': 1 session with all their events,\\n`));
    assert.match(r.stderr, new RegExp(`\\nto erase it, run: memflow erase ${project} --yes\\nmemflow: not erased \\(irreversible: confirm with --yes\\)\\n$`));
    assert.equal(await observationCount(), observations);
    assert.equal(await prisma.erasureTombstone.count({ where: { tenantId: admin.tenantId } }), 0);
  });

  test('erase --yes --wait erases the project and waits for it', async () => {
    const r = await cli(['erase', project, '--yes', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^erasing project '${project}' \\(job erase-${UUID}\\)\\nerased project '${project}' at \\d{4}-\\d{2}-\\d{2} [\\d:.]+Z\\n$`));
    assert.equal(await projectRow(), null);
    const again = await cli(['erase', project, '--yes']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `memflow: not found (404 not_found: no project '${project}')\n`);
  });

  test('restore --include-erased --project --wait brings it back and prints the counts', async () => {
    const r = await cli(['restore', backupId, '--include-erased', '--project', project, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^restore of backup ${backupId} started \\(job restore/${admin.tenantId}/${UUID}\\)\\n`));
    assert.match(r.stdout, /\nrestore completed: inserted .*\d+ observations/);
    assert.match(r.stdout, /\nvectors re-indexed: [1-9]\d*\n$/);
    assert.equal(await observationCount(), observations);
    const search = await cli(['search', 'empty cart', '--project', project, '--mode', 'keyword', '--json']);
    assert.ok((JSON.parse(search.stdout) as { results: unknown[] }).results.length > 0, 'searchable again');
  });

  test('restore --wait --json prints the finished job; a second restore inserts nothing', async () => {
    const r = await cli(['restore', backupId, '--project', project, '--wait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout) as { jobId: string; status: string; result: { inserted: Record<string, number> } };
    assert.equal(job.status, 'completed');
    assert.ok(Object.values(job.result.inserted).every((n) => n === 0), JSON.stringify(job.result.inserted));
  });

  test('restore of a malformed or unknown backup id', async () => {
    const bad = await cli(['restore', 'latest']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^memflow: 'latest' is not a backup id \(a UUID/);
    const id = crypto.randomUUID();
    const unknown = await cli(['restore', id]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `memflow: not found (404 not_found: no backup '${id}')\n`);
  });
});
