/**
 * The server runs built: `npm run build` (infra/build.ts) writes the API, the worker and the
 * migrations as JavaScript, and what `npm run up` starts (infra/processes.ts, the same start as the
 * dev profile's) is plain `node` on that output — the process list of the running API and worker,
 * with every process under them, names no tsx and no esbuild. The cluster profile starts the same
 * command; the Helm chart's is checked on its rendered manifests (deploy.test.ts). A stale build is
 * rebuilt: a changed source changes the output.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildServer, buildServerCode, builtEntry, builtServerDir, nodeArgs, workflowBundleFile } from '../infra/build.js';
import { appEnv, clusterApps } from '../infra/cluster/apps.js';
import { processTree } from '../infra/daemon.js';
import { freePort } from '../infra/ports.js';
import { getProfile, repoRoot } from '../infra/profile.js';
import { startApp, stopApp, waitApiReady } from '../infra/processes.js';
import { testProfile, uniqueName } from './helpers/env.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-built-'));
// The test stack's endpoints with pid and log files of this file's own (the dev profile's names).
const profile = { ...testProfile(), runDir: path.join(tmp, 'run'), logDir: path.join(tmp, 'logs') };
let url = '';
let env: NodeJS.ProcessEnv = {};

before(async () => {
  await buildServer({ log: () => {} });
  const port = await freePort();
  env = {
    ...process.env,
    TEMPORAL_TASK_QUEUE: uniqueName('built'),
    MEMFLOW_HOST: '127.0.0.1',
    MEMFLOW_PORT: String(port),
    MEMFLOW_WORKER_METRICS_PORT: `127.0.0.1:${await freePort()}`,
    MEMFLOW_LOG_LEVEL: 'warn',
  };
  delete env.MEMFLOW_WORKFLOW_BUNDLE; // the start names the build's own bundle
  for (const name of ['worker', 'api'] as const) await startApp(profile, name, env);
  url = `http://127.0.0.1:${port}`;
  await waitApiReady(url, { what: `the built API at ${url}`, timeoutMs: 120_000, intervalMs: 500, logDir: profile.logDir });
});

after(async () => {
  for (const name of ['api', 'worker'] as const) await stopApp(profile, name);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cmdline = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const pidOf = (name: string) => Number(fs.readFileSync(path.join(profile.runDir, `${name}.pid`), 'utf8').trim());

test('the API and the worker that up starts are plain node on the build, with nothing of tsx or esbuild under them', async () => {
  const ready = (await (await fetch(`${url}/ready`)).json()) as { ready: boolean; dependencies: { temporal?: { workerPollers?: number } } };
  assert.equal(ready.ready, true);
  assert.ok((ready.dependencies.temporal?.workerPollers ?? 0) > 0, 'the built worker polls');
  for (const [name, entry] of [['api', 'api/main.ts'], ['worker', 'workers/main.ts']] as const) {
    const pid = pidOf(name);
    assert.deepEqual(cmdline(pid), [process.execPath, ...nodeArgs(entry)], `${name} runs the build with node`);
    assert.ok(fs.existsSync(builtEntry(entry)));
    const tree = processTree(pid).map((p) => ({ pid: p, cmd: cmdline(p).join(' ') }));
    for (const p of tree) assert.doesNotMatch(p.cmd, /tsx|esbuild/, `${name}'s process ${p.pid} runs ${p.cmd}`);
  }
  const workerEnv = fs.readFileSync(`/proc/${pidOf('worker')}/environ`, 'utf8').split('\0');
  assert.ok(workerEnv.includes(`MEMFLOW_WORKFLOW_BUNDLE=${workflowBundleFile}`), 'the worker loads the prebuilt workflow bundle');
});

test('the cluster profile starts the same built entries, the workers with the prebuilt bundle', () => {
  const cluster = getProfile('cluster');
  const apps = clusterApps(cluster);
  assert.deepEqual(apps.map((a) => a.entry).sort(), ['api/main.ts', 'api/main.ts', 'workers/main.ts', 'workers/main.ts']);
  for (const app of apps) {
    assert.ok(fs.existsSync(builtEntry(app.entry)));
    if (app.kind === 'worker') assert.equal(appEnv(cluster, app, {}).MEMFLOW_WORKFLOW_BUNDLE, workflowBundleFile);
  }
});

test('a changed source is built again, and up restarts an app that runs an older build; an unchanged build is kept', async () => {
  const kept = await buildServerCode();
  assert.equal(kept.built, false);
  const source = path.join(repoRoot, 'messages', `zz-built-probe-${process.pid}.ts`);
  fs.writeFileSync(source, 'export const probe = 1 as number;\n');
  try {
    const rebuilt = await buildServerCode();
    assert.equal(rebuilt.built, true);
    assert.equal((await import(path.join(builtServerDir, 'messages', `zz-built-probe-${process.pid}.js`))).probe, 1);
    // The API started before this build: up's start stops it and starts it on the new one.
    const before = pidOf('api');
    const again = await startApp(profile, 'api', env);
    assert.equal(again.restarted, true);
    assert.notEqual(again.pid, before);
    await waitApiReady(url, { what: `the restarted API at ${url}`, timeoutMs: 120_000, intervalMs: 500, logDir: profile.logDir });
    // Started on the current build, it is left running.
    const kept = await startApp(profile, 'api', env);
    assert.deepEqual([kept.started, kept.restarted, kept.pid], [false, false, again.pid]);
  } finally {
    fs.rmSync(source);
    const again = await buildServerCode();
    assert.equal(again.built, true, 'a deleted source rebuilds too');
    assert.equal(fs.existsSync(path.join(builtServerDir, 'messages', `zz-built-probe-${process.pid}.js`)), false, 'and leaves nothing of it behind');
  }
});
