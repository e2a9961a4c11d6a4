/** The config module fails fast with one line naming the variable, and fills documented defaults. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../common/server/config.js';

test('a missing DATABASE_URL is named', () => {
  assert.throws(() => parseConfig({}), (err: unknown) => err instanceof ConfigError && err.message === 'DATABASE_URL is required but not set');
});

test('a bad value is named with the rule', () => {
  assert.throws(() => parseConfig({ DATABASE_URL: 'mysql://x/y' }), /DATABASE_URL is invalid: must be a postgresql:\/\/ URL/);
  assert.throws(() => parseConfig({ DATABASE_URL: 'postgresql://x/y', MEMFLOW_PORT: '70000' }), /^ConfigError: MEMFLOW_PORT is invalid/);
  assert.throws(() => parseConfig({ DATABASE_URL: 'postgresql://x/y', TEMPORAL_ADDRESS: 'http://x' }), /TEMPORAL_ADDRESS is invalid/);
});

test('defaults follow the contract', () => {
  const c = parseConfig({ DATABASE_URL: 'postgresql://u@h/db', MEMFLOW_PORT: '' });
  assert.equal(c.TEMPORAL_ADDRESS, '127.0.0.1:7233');
  assert.equal(c.TEMPORAL_NAMESPACE, 'default');
  assert.equal(c.WEAVIATE_URL, 'http://127.0.0.1:8080');
  assert.equal(c.MEMFLOW_HOST, '127.0.0.1');
  assert.equal(c.MEMFLOW_PORT, 7711);
});

test('the API process exits 1 with one clear line when DATABASE_URL is missing', () => {
  const entry = fileURLToPath(new URL('../../api/main.ts', import.meta.url));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const res = spawnSync(process.execPath, ['--import', 'tsx', entry], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 1);
  assert.equal(res.stderr.trim(), 'memflow: configuration error: DATABASE_URL is required but not set');
});
