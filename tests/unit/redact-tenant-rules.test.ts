/**
 * Tenants' own redaction rules (MEMFLOW_REDACTION_RULES): validated and cost-bounded at load, scoped
 * to the tenants they name, applied after the built-in rules by redactText/redactValue, idempotent,
 * and usable from `memflow redact --check --rules <file>`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { redactText, redactValue } from '../../common/rules/redact.js';
import { TenantRuleError, TenantRules } from '../../common/rules/redact-tenant-rules.js';
import { runCli } from '../fixtures/cli-run.js';

const doc = {
  rules: [
    { name: 'acme-employee-id', pattern: 'ACME-[0-9]{6}', tenants: ['acme'] },
    { name: 'internal-token', pattern: 'iht_[a-z0-9]{12}', flags: 'i' },
  ],
};

test('rules are scoped to their tenants (by name or id) and applied after the built-in rules', () => {
  const rules = TenantRules.parse(doc);
  const acme = rules.for({ tenantName: 'acme', tenantId: '00000000-0000-0000-0000-000000000001' });
  const other = rules.for({ tenantName: 'globex', tenantId: '00000000-0000-0000-0000-000000000002' });
  assert.deepEqual(acme.map((r) => r.name), ['acme-employee-id', 'internal-token']);
  assert.deepEqual(other.map((r) => r.name), ['internal-token']);
  assert.deepEqual(TenantRules.parse({ rules: [{ name: 'x-id', pattern: 'X-[0-9]{4}', tenants: ['00000000-0000-0000-0000-000000000002'] }] }).for({ tenantId: '00000000-0000-0000-0000-000000000002' }).length, 1);

  const text = 'badge ACME-123456 and IHT_ABCDEF123456, the db password is Tr0ub4dor&3';
  const r = redactText(text, acme);
  assert.equal(r.text, 'badge [redacted:tenant.acme-employee-id] and [redacted:tenant.internal-token], the db password is [redacted:secret-prose]');
  assert.equal(r.count, 3);
  assert.equal(redactText(r.text, acme).text, r.text, 'idempotent');
  assert.equal(redactText(text, other).text.includes('ACME-123456'), true, 'another tenant keeps it');
  assert.deepEqual(redactValue({ note: 'ACME-654321' }, acme).value, { note: '[redacted:tenant.acme-employee-id]' });
});

test('a rule never cuts into a marker', () => {
  const rules = TenantRules.parse({ rules: [{ name: 'letters', pattern: '[a-z]{6,}' }] }).rules;
  const out = redactText('GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a', rules).text;
  assert.equal(out, 'GITHUB_TOKEN=[redacted:github-token]');
});

test('bad files and costly or unsafe patterns are refused, naming the rule', () => {
  const refuse = (rule: Record<string, unknown>, why: RegExp) =>
    assert.throws(() => TenantRules.parse({ rules: [{ name: 'r1', ...rule }] }), (err: unknown) => err instanceof TenantRuleError && why.test(err.message) && err.message.includes('r1'));
  refuse({ pattern: '(a+)+$' }, /nested quantifiers/);
  refuse({ pattern: '(?:\\w*x)*y' }, /nested quantifiers/);
  refuse({ pattern: '(a)\\1' }, /backreferences/);
  refuse({ pattern: '[unclosed' }, /invalid pattern/);
  refuse({ pattern: 'a*' }, /empty string/);
  refuse({ pattern: 'x', flags: 'gs' }, /only "i"/);
  assert.throws(() => TenantRules.parse({ rules: [{ name: 'Bad Name', pattern: 'x' }] }), /rules\.0\.name/);
  assert.throws(() => TenantRules.parse({ rules: [{ name: 'a', pattern: 'x' }, { name: 'a', pattern: 'y' }] }), /defined twice/);
  assert.throws(() => TenantRules.parse({ rules: [], extra: 1 }), TenantRuleError);
  // A pattern that is not nested but still backtracks quadratically over a long run is caught by the probe.
  assert.throws(() => TenantRules.parse({ rules: [{ name: 'slow', pattern: '[a-z0-9 ]*[a-z0-9 ]*[a-z0-9 ]*Q' }] }), /too slow/);
});

test('memflow redact --check --rules <file> [--tenant] tries a rules file on text', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-rules-'));
  const file = path.join(dir, 'rules.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  const input = 'badge ACME-123456 seen\n';
  const acme = await runCli(['redact', '--check', '--rules', file, '--tenant', 'acme'], { input });
  assert.equal(acme.code, 0, acme.stderr);
  assert.match(acme.stdout, /tenant\.acme-employee-id\s+1:7/);
  assert.ok(!acme.stdout.includes('ACME-123456'));
  const other = await runCli(['redact', '--check', '--rules', file, '--tenant', 'globex'], { input });
  assert.match(other.stdout, /nothing would be redacted/);
  fs.writeFileSync(file, JSON.stringify({ rules: [{ name: 'bad', pattern: '(a+)+' }] }));
  const bad = await runCli(['redact', '--check', '--rules', file], { input });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /redaction rule 'bad': nested quantifiers/);
  fs.rmSync(dir, { recursive: true, force: true });
});

