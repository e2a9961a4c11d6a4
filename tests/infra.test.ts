/**
 * Provisioning failures name their cause: a port held by another process, and a server binary that
 * does not build (here a version the Go module proxy does not have, answered at once).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ensureGoBinary } from '../infra/go-binary.js';
import { getProfile } from '../infra/profile.js';
import { temporalService } from '../infra/services/temporal.js';
import { TEMPORAL_CLI } from '../infra/versions.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-infra-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a port taken by another process stops the start with a message naming the port', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const base = getProfile('test');
  const profile = { ...base, name: 'test' as const, stateDir: tmp, runDir: path.join(tmp, 'run'), logDir: path.join(tmp, 'logs'), temporal: { ...base.temporal, port } };
  try {
    await assert.rejects(temporalService.start(profile, () => undefined), (err: Error) => {
      assert.match(err.message, new RegExp(`cannot start temporal: port ${port} on 127.0.0.1 is already in use`));
      return true;
    });
    assert.equal((await temporalService.status(profile)).pid, undefined, 'nothing was started');
  } finally {
    await new Promise<void>((r) => blocker.close(() => r()));
  }
});

test('a binary that cannot be built fails with the build log and the override to use instead', async () => {
  const previous = process.env.MEMFLOW_CACHE_DIR;
  process.env.MEMFLOW_CACHE_DIR = path.join(tmp, 'cache');
  const lines: string[] = [];
  try {
    const spec = { ...TEMPORAL_CLI, version: 'v0.0.0-memflow-does-not-exist', overrideEnv: 'MEMFLOW_TEST_UNSET_BIN' };
    await assert.rejects(ensureGoBinary(spec, (l) => lines.push(l)), (err: Error) => {
      assert.match(err.message, /building github\.com\/temporalio\/cli\/cmd\/temporal@v0\.0\.0-memflow-does-not-exist failed/);
      assert.match(err.message, /Last lines of .*build-temporal-v0\.0\.0-memflow-does-not-exist\.log/);
      assert.match(err.message, /Set MEMFLOW_TEST_UNSET_BIN to use an existing binary instead/);
      return true;
    });
    assert.match(lines[0] ?? '', /temporal: building .* \(first run on this machine; takes minutes\)/);
    // Nothing half-built is left where a later run would take it for the binary.
    assert.equal(fs.existsSync(path.join(tmp, 'cache', 'bin', `temporal-v0.0.0-memflow-does-not-exist`, 'temporal')), false);
  } finally {
    if (previous === undefined) delete process.env.MEMFLOW_CACHE_DIR;
    else process.env.MEMFLOW_CACHE_DIR = previous;
  }
});

test('an override that is not an executable is named', async () => {
  process.env.MEMFLOW_TEST_BAD_BIN = path.join(tmp, 'no-such-binary');
  try {
    await assert.rejects(ensureGoBinary({ ...TEMPORAL_CLI, overrideEnv: 'MEMFLOW_TEST_BAD_BIN' }, () => undefined), /MEMFLOW_TEST_BAD_BIN=.* is not an executable file/);
  } finally {
    delete process.env.MEMFLOW_TEST_BAD_BIN;
  }
});
