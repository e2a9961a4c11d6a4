/**
 * Capture survives the faults of a real deployment, each against the real servers: the worker
 * SIGKILLed mid-session, the API restarted, and PostgreSQL away for a while (each fault is this
 * file's own: its worker process, its API, its proxy to PostgreSQL, so it runs beside other files;
 * the Temporal server restarted is tests/capture-faults-temporal.test.ts). After each, every
 * acknowledged event is stored exactly once and the session completes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createPrisma } from '../common/server/db.js';
import { waitUntil } from '../infra/wait-until.js';
import { buildSession, withDuplicates } from './fixtures/claude-sessions.js';
import { runCli, tempDir, spoolFiles } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker } from './helpers/app.js';
import { captureFaults } from './helpers/capture-faults.js';
import { testConfig, uniqueName } from './helpers/env.js';
import { postHook, replay } from './helpers/sessions.js';
import { startTcpProxy, viaProxy } from './helpers/tcp-proxy.js';

const faults = captureFaults();
const { prisma, temporal, tuning, redispatch, cwd, assertCompletedOnce } = faults;

/** The real worker entry point as a child process, ready once it polls its task queue. */
async function spawnWorker(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../workers/main.ts', import.meta.url))], {
    env: { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, MEMFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntil(
    async () => {
      const q = await temporal.connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue } });
      return (q.pollers ?? []).some((p) => p.identity?.startsWith(`${child.pid}@`));
    },
    { what: 'worker process polling its task queue', timeoutMs: 60_000, pid: child.pid!, intervalMs: 250 },
  );
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

test('worker SIGKILLed mid-session and restarted: nothing lost, nothing doubled', async () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('kill') });
  const api = await startTestApi(config, prisma, { tuning, redispatch });
  const s = buildSession(crypto.randomUUID(), cwd(), 30);
  const stream = withDuplicates(s.deliveries);
  const half = Math.floor(stream.length / 2);
  let worker = await spawnWorker(config.TEMPORAL_TASK_QUEUE);
  try {
    await replay(api.url, faults.tenant.key, stream.slice(0, half));
    worker.kill('SIGKILL');
    await exited(worker);
    await replay(api.url, faults.tenant.key, stream.slice(half, -1)); // acknowledged while no worker runs
    worker = await spawnWorker(config.TEMPORAL_TASK_QUEUE);
    await replay(api.url, faults.tenant.key, stream.slice(-1));
    await assertCompletedOnce(s);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    await api.close();
  }
});

test('API restarted mid-session: the session continues on the new process', async () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('api-restart') });
  const worker = await startTestWorker(config, prisma);
  const s = buildSession(crypto.randomUUID(), cwd(), 6);
  const half = Math.floor(s.deliveries.length / 2);
  try {
    const first = await startTestApi(config, prisma, { tuning, redispatch });
    await replay(first.url, faults.tenant.key, s.deliveries.slice(0, half));
    await first.close();
    const second = await startTestApi(config, prisma, { tuning, redispatch });
    try {
      await replay(second.url, faults.tenant.key, s.deliveries.slice(half));
      await assertCompletedOnce(s);
    } finally {
      await second.close();
    }
  } finally {
    await worker.stop();
  }
});

test('PostgreSQL away: 503 fast, the command client spools, nothing acknowledged is lost', async () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('pg-away') });
  const direct = new URL(config.DATABASE_URL);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxiedUrl = viaProxy(config.DATABASE_URL, proxy);
  const proxied = createPrisma(proxiedUrl);
  const api = await startTestApi({ ...config, DATABASE_URL: proxiedUrl }, proxied, { tuning, redispatch });
  const worker = await startTestWorker(config, proxied);
  const spool = await tempDir('faults-spool');
  const hookEnv = { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: faults.tenant.key, MEMFLOW_SPOOL_DIR: spool, MEMFLOW_HOOK_TIMEOUT_MS: '3000' };
  const s = buildSession(crypto.randomUUID(), cwd(), 6);
  const [head, outage, tail] = [s.deliveries.slice(0, 4), s.deliveries.slice(4, 8), s.deliveries.slice(8)];
  try {
    await replay(api.url, faults.tenant.key, head);
    await proxy.cut();

    const t0 = performance.now();
    const refused = await postHook(api.url, faults.tenant.key, outage[0]!);
    const ms = performance.now() - t0;
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.ok(ms < 3000, `503 took ${ms.toFixed(0)} ms`);
    const ready = await fetch(`${api.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as any).dependencies.postgres.status, 'down');

    // The command client, as Claude Code runs it: exits 0 with {} and keeps each event.
    for (const d of outage) {
      const r = await runCli(['hook', d.event], { input: JSON.stringify(d.body), env: hookEnv });
      assert.equal(r.code, 0);
      assert.equal(r.stdout.trim(), '{}');
    }
    assert.equal((await spoolFiles(spool)).length, outage.length);

    await proxy.restore();
    // Back: the next hook call delivers the spooled events first, then its own.
    for (const d of tail) {
      const r = await runCli(['hook', d.event], { input: JSON.stringify(d.body), env: hookEnv });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(await spoolFiles(spool), []);
    await assertCompletedOnce(s);
  } finally {
    await worker.stop();
    await api.close();
    await proxied.$disconnect();
    await proxy.close();
  }
});
