/**
 * `npm run up -- --profile cluster` and `npm run down -- --profile cluster`: the cluster stack
 * (infra/stack.ts: Temporal server on PostgreSQL, three Weaviate nodes, HAProxy), the same migrations
 * and default key as the dev profile, then two workers and two APIs; waits until the API answers
 * ready through the load balancer with workers polling, and prints what to use.
 */
import path from 'node:path';
import { waitApiReady } from '../processes.js';
import type { StackProfile } from '../profile.js';
// stack.ts reaches back here only through its command line's on-demand import (`stack status --profile cluster`).
// eslint-disable-next-line import-x/no-cycle
import { startStack, stopStack, type Log } from '../stack.js';
import { appPid, clusterApps, startClusterApp, stopClusterApp } from './apps.js';
import { haproxyServerStates } from './haproxy.js';

export async function upCluster(profile: StackProfile, log: Log, defaultKey: (databaseUrl: string, keyFile: string) => Promise<string>): Promise<void> {
  const t0 = Date.now();
  const { env } = await startStack(profile, log);
  const keyFile = path.join(profile.stateDir, 'secrets', 'default-api-key');
  const key = await defaultKey(env.DATABASE_URL, keyFile);
  const stackEnv = { ...process.env, ...env };
  for (const app of clusterApps(profile)) {
    const { pid, started, restarted, logFile } = await startClusterApp(profile, app, stackEnv);
    log(`${app.name}: ${restarted ? 'restarted on the new build' : started ? 'started' : 'already running'} (pid ${pid}, log ${logFile})`);
  }
  const url = `http://${profile.api.host}:${profile.api.port}`;
  await waitForCluster(profile, url, log);
  const c = profile.cluster!;
  console.log(`
memflow (cluster profile) is up in ${((Date.now() - t0) / 1000).toFixed(1)}s
  API (HAProxy):   ${url}   -> APIs on ${c.apiPorts.map((p) => `${profile.api.host}:${p}`).join(', ')}
  HAProxy stats:   http://${profile.api.host}:${c.lb.statsPort}/
  Temporal server: ${env.TEMPORAL_ADDRESS}   (PostgreSQL ${c.temporal.database} / ${c.temporal.visibilityDatabase}, ${c.temporal.numHistoryShards} history shards)
  Weaviate:        ${env.WEAVIATE_URL} (HAProxy) -> nodes ${c.weaviateNodes.map((n) => n.httpPort).join(', ')}; replication factor ${c.replicationFactor}, consistency QUORUM
  workers:         ${c.workerMetricsPorts.length} (metrics on ${c.workerMetricsPorts.join(', ')})
  logs:            ${profile.logDir}
  stop with:       npm run down -- --profile cluster

API key for tenant 'default' (admin; saved in ${keyFile}):
${key}`);
}

/** Ready through the load balancer, both APIs up in HAProxy's view, at least one worker polling. */
export async function waitForCluster(profile: StackProfile, url: string, log: Log, timeoutMs = 180_000): Promise<void> {
  await waitApiReady(url, {
    what: `memflow API at ${url} (ready through HAProxy, both APIs up, a worker polling)`,
    timeoutMs,
    intervalMs: 1000,
    logDir: profile.logDir,
    also: async () => {
      const states = await haproxyServerStates(profile);
      return { ok: profile.cluster!.apiPorts.every((_, i) => states[`memflow_apis/api-${i + 1}`] === 'UP'), note: `haproxy=${JSON.stringify(states)}` };
    },
  });
  log('cluster ready');
}

export async function downCluster(profile: StackProfile, log: Log): Promise<void> {
  for (const app of clusterApps(profile).reverse()) log(`${app.name}: ${(await stopClusterApp(profile, app)) ? 'stopped' : 'was not running'}`);
  await stopStack(profile, log);
}

export async function clusterAppStatus(profile: StackProfile): Promise<string[]> {
  return clusterApps(profile).map((app) => {
    const pid = appPid(profile, app);
    return `${app.name.padEnd(15)} ${(pid === undefined ? 'stopped' : 'running').padEnd(18)} pid=${pid ?? '-'}`;
  });
}
