/**
 * memflow's own processes in the cluster profile: two APIs (behind HAProxy) and two workers, each a
 * daemon with its own pid file, log file and ports. Each is the same built entry point as in the dev
 * profile (dist/server/api/main.js, dist/server/workers/main.js, run by plain `node`) with the
 * environment of the cluster stack.
 */
import path from 'node:path';
import { builtEntry, nodeArgs, workflowBundleFile } from '../build.js';
import { adoptDaemon, backgroundNice, processMentions, runningPid, startDaemon, stopDaemon } from '../daemon.js';
import { portHolders } from '../ports.js';
import { appMarker, runsOlderBuild } from '../processes.js';
import { repoRoot, type ClusterLayout, type StackProfile } from '../profile.js';
import { connectionBudget, POOLS, WORKER_MAX_ACTIVITIES } from './connection-budget.js';
import { clusterRateLimits } from './rate-limits.js';

export interface ClusterApp {
  /** api-1, api-2, worker-1, worker-2 */
  name: string;
  kind: 'api' | 'worker';
  index: number;
  entry: string;
}

const layoutOf = (p: StackProfile): ClusterLayout => {
  if (!p.cluster) throw new Error(`profile '${p.name}' is not a cluster profile`);
  return p.cluster;
};

export function clusterApps(p: StackProfile): ClusterApp[] {
  const c = layoutOf(p);
  return [
    ...c.workerMetricsPorts.map((_, i) => ({ name: `worker-${i + 1}`, kind: 'worker' as const, index: i, entry: 'workers/main.ts' })),
    ...c.apiPorts.map((_, i) => ({ name: `api-${i + 1}`, kind: 'api' as const, index: i, entry: 'api/main.ts' })),
  ];
}

export const appFiles = (p: StackProfile, app: ClusterApp) => ({
  pidFile: path.join(p.runDir, `${app.name}.pid`),
  logFile: path.join(p.logDir, `${app.name}.log`),
});

/** The environment of one app: the stack's, plus its own port and the cluster's settings. */
export function appEnv(p: StackProfile, app: ClusterApp, stackEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const c = layoutOf(p);
  const env: NodeJS.ProcessEnv = {
    ...stackEnv,
    MEMFLOW_WEAVIATE_REPLICATION_FACTOR: stackEnv.MEMFLOW_WEAVIATE_REPLICATION_FACTOR || String(c.replicationFactor),
    MEMFLOW_WEAVIATE_CONSISTENCY: stackEnv.MEMFLOW_WEAVIATE_CONSISTENCY || 'QUORUM',
    // Per replica: the cluster-wide budget divided by the number of APIs (see rate-limits.ts).
    MEMFLOW_RATE_LIMIT_PER_MINUTE: stackEnv.MEMFLOW_RATE_LIMIT_PER_MINUTE || String(clusterRateLimits(c.apiPorts.length).perMinute),
    MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE:
      stackEnv.MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE || String(clusterRateLimits(c.apiPorts.length).hooksPerMinute),
  };
  // Pool sizes of the connection budget (connection-budget.ts), which the layout must fit.
  connectionBudget(c);
  env.MEMFLOW_PRISMA_POOL_SIZE = stackEnv.MEMFLOW_PRISMA_POOL_SIZE || String(POOLS[app.kind].prisma);
  env.MEMFLOW_PG_POOL_SIZE = stackEnv.MEMFLOW_PG_POOL_SIZE || String(POOLS[app.kind].pg);
  if (app.kind === 'api') {
    env.MEMFLOW_HOST = p.api.host;
    env.MEMFLOW_PORT = String(c.apiPorts[app.index]);
  } else {
    env.MEMFLOW_WORKER_METRICS_PORT = `${p.api.host}:${c.workerMetricsPorts[app.index]}`;
    env.MEMFLOW_WORKER_MAX_ACTIVITIES = stackEnv.MEMFLOW_WORKER_MAX_ACTIVITIES || String(WORKER_MAX_ACTIVITIES);
    // Production workers load the prebuilt workflow bundle (infra/build.ts, run by `up`) instead
    // of bundling from source at every start.
    env.MEMFLOW_WORKFLOW_BUNDLE = stackEnv.MEMFLOW_WORKFLOW_BUNDLE || workflowBundleFile;
  }
  return env;
}

export function appPid(p: StackProfile, app: ClusterApp): number | undefined {
  return runningPid(appFiles(p, app).pidFile, appMarker(app.entry));
}

/** The port that only this app listens on: an API's HTTP port, a worker's metrics port. */
export const appPort = (p: StackProfile, app: ClusterApp): number =>
  app.kind === 'api' ? layoutOf(p).apiPorts[app.index]! : layoutOf(p).workerMetricsPorts[app.index]!;

/**
 * The process of this checkout's `app` that listens on its port although its pid file does not
 * name it (the file was lost or overwritten); throws when something else holds the port.
 */
function unrecordedAppPid(p: StackProfile, app: ClusterApp): number | undefined {
  const port = appPort(p, app);
  const held = portHolders([port])?.get(port);
  if (!held) return undefined;
  const [pid] = held.pids;
  if (held.pids.length === 1 && !held.unknownOwner && (processMentions(pid!, builtEntry(app.entry)) || processMentions(pid!, path.join(repoRoot, app.entry)))) return pid;
  throw new Error(
    `cannot start ${app.name}: port ${port} on ${p.api.host} is held by ${held.pids.length ? `pid ${held.pids.join(', ')}` : 'a process that is not visible'}, not by this checkout's ${app.entry}`,
  );
}

/**
 * Starts the app unless it runs (a running one without its pid file is taken back; one that started
 * before the current build was made is stopped and started again); returns its pid and whether it was
 * started now.
 */
export async function startClusterApp(p: StackProfile, app: ClusterApp, stackEnv: NodeJS.ProcessEnv): Promise<{ pid: number; started: boolean; restarted: boolean; logFile: string }> {
  const { pidFile, logFile } = appFiles(p, app);
  let running = appPid(p, app);
  if (running === undefined) {
    running = unrecordedAppPid(p, app);
    if (running !== undefined) adoptDaemon(pidFile, running);
  }
  const restarted = running !== undefined && runsOlderBuild(running, app.kind);
  if (restarted) await stopClusterApp(p, app);
  else if (running !== undefined) return { pid: running, started: false, restarted, logFile };
  const pid = startDaemon({
    name: app.name,
    command: process.execPath,
    args: nodeArgs(app.entry),
    cwd: repoRoot,
    env: appEnv(p, app, stackEnv),
    logFile,
    pidFile,
    ...(app.kind === 'worker' ? { nice: backgroundNice(stackEnv) } : {}),
  });
  return { pid, started: true, restarted, logFile };
}

export function stopClusterApp(p: StackProfile, app: ClusterApp): Promise<boolean> {
  return stopDaemon(appFiles(p, app).pidFile, appMarker(app.entry), 30_000);
}
