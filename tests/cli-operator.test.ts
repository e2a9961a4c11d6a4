/**
 * Operator commands against the real test database: `tenants create`, `keys create|list|revoke`.
 * The key is printed once, alone on the last line, authenticates, and is stored only as a hash.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createPgPool } from '../common/server/pg.js';
import { readStackSettings, stackStateDir, writeStackSettings, type StackSettings } from '../common/workspace/stack-settings.js';
import { lookupKey } from '../common/server/tenants.js';
import { runCli } from './fixtures/cli-run.js';
import { testConfig, testPrisma, testProfile, uniqueName } from './helpers/env.js';

const config = testConfig();
const prisma = testPrisma();
const pool = createPgPool(testConfig().DATABASE_URL, 2);

after(async () => {
  await pool.end();
  await prisma.$disconnect();
});

const op = (...args: string[]) => runCli(args, { env: { DATABASE_URL: config.DATABASE_URL } });

describe('tenants and keys', () => {
  const tenant = uniqueName('optenant');
  let key: string;

  test('tenants create makes the tenant; a second time is one clear error line', async () => {
    const r = await op('tenants', 'create', tenant);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`created tenant '${tenant}'`));
    assert.ok(await prisma.tenant.findUnique({ where: { name: tenant } }));

    const again = await op('tenants', 'create', tenant);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `memflow: tenant '${tenant}' already exists\n`);
  });

  test('keys create prints the key alone on the last line; it authenticates and only its hash is stored', async () => {
    const r = await op('keys', 'create', '--tenant', tenant, '--admin', '--label', 'ci');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 2, 'a description, then the key');
    key = lines.at(-1)!;
    assert.match(key, /^mf_[A-Za-z0-9_-]{43}$/);
    assert.ok(!lines.slice(0, -1).join('\n').includes(key), 'the key is printed once');

    const principal = await lookupKey(pool, key);
    assert.equal(principal?.tenantName, tenant);
    assert.equal(principal?.role, 'admin');

    const rows = await prisma.$queryRaw<Record<string, unknown>[]>`
      select k.* from api_keys k join tenants t on t.id = k.tenant_id where t.name = ${tenant}`;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.key_hash, crypto.createHash('sha256').update(key).digest('hex'));
    assert.equal(rows[0]!.name, 'ci');
    assert.ok(!JSON.stringify(rows).includes(key), 'the key itself is not stored');
    assert.ok(!JSON.stringify(rows).includes(key.slice(10)), 'nor its secret part');
  });

  test('keys list shows prefix, role, created, last used and revoked', async () => {
    const r = await op('keys', 'list', '--tenant', tenant, '--json');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { prefix: string; role: string; label: string; createdAt: string; lastUsedAt: unknown; revokedAt: unknown }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.prefix, key.slice(0, 10));
    assert.equal(rows[0]!.role, 'admin');
    assert.equal(rows[0]!.label, 'ci');
    assert.equal(rows[0]!.revokedAt, null);
    const human = await op('keys', 'list', '--tenant', tenant);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^PREFIX\tROLE\tCREATED\tLAST USED\tREVOKED\tLABEL\tID\n/);
    assert.ok(!human.stdout.includes(key));
  });

  test('keys revoke by prefix: the key stops authenticating', async () => {
    const r = await op('keys', 'revoke', key.slice(0, 10));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked key/);
    assert.equal(await lookupKey(pool, key), undefined);
    const again = await op('keys', 'revoke', key.slice(0, 10), '--tenant', tenant);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already revoked/);
  });

  test('a member key by default', async () => {
    const r = await op('keys', 'create', '--tenant', tenant);
    assert.equal(r.code, 0, r.stderr);
    const member = r.stdout.trimEnd().split('\n').at(-1)!;
    assert.equal((await lookupKey(pool, member))?.role, 'member');
    const revoked = await op('keys', 'revoke', member, '--tenant', tenant);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(!revoked.stdout.includes(member), 'the key is never echoed');
    assert.equal(await lookupKey(pool, member), undefined, 'revoked by the whole key too');
  });
});

describe('after `npm run up`, from the checkout, nothing exported', () => {
  test('the stack leaves its settings where the CLI looks', () => {
    // `npm test` started this suite's stack with the same startStack as `npm run up`.
    const settings = readStackSettings(testProfile().stateDir);
    assert.equal(settings?.DATABASE_URL, config.DATABASE_URL);
    assert.equal(fs.statSync(path.join(testProfile().stateDir, 'settings.json')).mode & 0o777, 0o600);
  });

  test('keys create reads the dev stack\'s settings when DATABASE_URL is unset', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-state-'));
    const stack = readStackSettings(testProfile().stateDir)!;
    // The dev profile's settings as `npm run up` writes them, pointing at this suite's database.
    writeStackSettings(stackStateDir('dev', root), { ...(stack as StackSettings), DATABASE_URL: config.DATABASE_URL });
    const tenant = uniqueName('uptenant');
    const env = { MEMFLOW_STATE_DIR: root };
    assert.equal((await runCli(['tenants', 'create', tenant], { env })).code, 0);
    const r = await runCli(['keys', 'create', '--tenant', tenant], { env });
    assert.equal(r.code, 0, r.stderr);
    const key = r.stdout.trimEnd().split('\n').at(-1)!;
    assert.equal((await lookupKey(pool, key))?.tenantName, tenant);
  });
});

describe('failures are one line and a non-zero exit', () => {
  test('a key for a tenant that does not exist', async () => {
    const r = await op('keys', 'create', '--tenant', uniqueName('nobody'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: no tenant named '.*' \(create it with `memflow tenants create .*`\)\n$/);
    assert.equal(r.stdout, '');
  });

  test('DATABASE_URL unset, and no local stack started', async () => {
    const r = await runCli(['keys', 'create', '--tenant', 'x'], { env: { MEMFLOW_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-nostack-')) } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: DATABASE_URL is required but not set.*\n$/);
  });

  test('an invalid tenant name', async () => {
    const r = await op('tenants', 'create', '../etc');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: invalid tenant name '\.\.\/etc'/);
    assert.equal(r.stderr.split('\n').length, 2);
  });

  test('a database that is not there', async () => {
    const r = await runCli(['tenants', 'list'], { env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nothing' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^memflow: database error: .*\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
