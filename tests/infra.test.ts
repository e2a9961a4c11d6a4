/**
 * Provisioning failures name their cause: a port held by another process, and a server binary that
 * does not build (here a version the Go module proxy does not have, answered at once). And a server
 * of the stack's own comes back by the stack's own start whatever it left behind: a process that
 * lost its pid file is taken back, a SIGKILLed one restarted, a hung one stopped and restarted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, portHolders } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { ensureGoBinary } from '../infra/go-binary.js';
import { getProfile } from '../infra/profile.js';
import { temporalService } from '../infra/services/temporal.js';
import { weaviateService } from '../infra/services/weaviate.js';
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
      // The holder is named (this test process listens there).
      assert.match(err.message, new RegExp(`\\(pid ${process.pid}: `));
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
    // A module version the proxy does not have (`go install`, as the released servers are built).
    const { moduleDir: _ownModule, ...released } = TEMPORAL_CLI;
    const spec = { ...released, pkg: 'github.com/temporalio/cli/cmd/temporal', version: 'v0.0.0-memflow-does-not-exist', overrideEnv: 'MEMFLOW_TEST_UNSET_BIN' };
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

test('a Weaviate of the stack comes back by its own start: lost pid file, SIGKILL, hung process', async () => {
  const base = getProfile('test');
  const [httpPort, grpcPort, gossipPort, dataPort, raftPort, raftRpcPort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const stateDir = path.join(tmp, 'restarts');
  const profile = {
    ...base,
    name: 'test' as const,
    stateDir,
    runDir: path.join(stateDir, 'run'),
    logDir: path.join(stateDir, 'logs'),
    weaviate: { host: '127.0.0.1', httpPort: httpPort!, grpcPort: grpcPort!, gossipPort: gossipPort!, dataPort: dataPort!, raftPort: raftPort!, raftRpcPort: raftRpcPort!, dataDir: path.join(stateDir, 'weaviate') },
  };
  const lines: string[] = [];
  const progress = (l: string) => void lines.push(l);
  const pidFile = path.join(profile.runDir, 'weaviate.pid');
  const pidOf = async () => (await weaviateService.status(profile)).pid;
  const gone = (pid: number) => waitUntil(async () => !fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), { what: `pid ${pid} gone`, timeoutMs: 30_000 });
  try {
    assert.deepEqual(await weaviateService.start(profile, progress), { started: true });
    const first = (await pidOf())!;
    assert.equal(portHolders([httpPort!])?.get(httpPort!)?.pids.includes(first), true, 'its HTTP port is found held by its pid');

    // The pid file is lost: the running node is recognised as the stack's own and taken back.
    fs.rmSync(pidFile);
    assert.deepEqual(await weaviateService.start(profile, progress), { started: false });
    assert.equal(await pidOf(), first);
    assert.match(lines.join('\n'), new RegExp(`its own process \\(pid ${first}\\) was still running without its pid file; taken back`));

    // SIGKILL: the next start starts a new process on the same ports and data.
    process.kill(first, 'SIGKILL');
    await gone(first);
    assert.deepEqual(await weaviateService.start(profile, progress), { started: true });
    const second = (await pidOf())!;
    assert.notEqual(second, first);
    assert.equal((await weaviateService.status(profile)).ready, true);

    // A hung process of ours (stopped, so it holds its ports and answers nothing) without its pid
    // file: stopped, then a new one started.
    process.kill(second, 'SIGSTOP');
    fs.rmSync(pidFile);
    assert.deepEqual(await weaviateService.start(profile, progress), { started: true });
    const third = (await pidOf())!;
    assert.notEqual(third, second);
    assert.equal(fs.existsSync(`/proc/${second}`) && !/\) Z /.test(fs.readFileSync(`/proc/${second}/stat`, 'utf8')), false, 'the hung process is gone');
    assert.match(lines.join('\n'), new RegExp(`stopping its own lingering process\\(es\\) ${second}`));
    assert.equal((await weaviateService.status(profile)).ready, true);
  } finally {
    await weaviateService.stop(profile);
  }
});
