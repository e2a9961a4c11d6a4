/**
 * A stack profile names where one local stack keeps its state and which ports it uses. `dev` is what
 * `npm run up` runs; `test` is what `npm test` runs, on other ports and another database so that the
 * suite never touches a developer's data and both can run side by side. `cluster` is the production
 * topology on one machine (`npm run up -- --profile cluster`, infra/cluster/): the Temporal server on
 * PostgreSQL, three Weaviate nodes, two APIs and two workers behind HAProxy, on ports of its own.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStackConfig } from '../common/server/config.js';
import { stackStateDir } from '../common/workspace/stack-settings.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type ProfileName = 'dev' | 'test' | 'cluster';
export const PROFILE_NAMES: readonly ProfileName[] = ['dev', 'test', 'cluster'];

export interface StackProfile {
  name: ProfileName;
  /** Databases, logs and pid files of this profile. */
  stateDir: string;
  logDir: string;
  runDir: string;
  /** Database created on the local PostgreSQL when DATABASE_URL is not set. */
  databaseName: string;
  temporal: { host: string; port: number; uiPort: number; httpPort: number; metricsPort: number; dbFile: string };
  /** The single Weaviate node of dev and test (the cluster profile's first node has the same shape). */
  weaviate: WeaviatePorts & { host: string };
  api: { host: string; port: number };
  /** Only the cluster profile: what it runs beyond one of each (see clusterLayout). */
  cluster?: ClusterLayout;
}

/** Where a Weaviate node listens and keeps its data. */
export interface WeaviatePorts {
  httpPort: number;
  grpcPort: number;
  gossipPort: number;
  dataPort: number;
  raftPort: number;
  raftRpcPort: number;
  dataDir: string;
}

/** One Weaviate node of the cluster profile. */
export interface WeaviateNode extends WeaviatePorts {
  name: string;
}

/**
 * The cluster profile's topology. Its ports are the dev ports shifted by +20000 (gRPC and Weaviate's
 * gRPC, which would pass 65535, sit at 65051+), a block no dev or test stack uses.
 */
export interface ClusterLayout {
  /** Temporal server: one process, every service; the PostgreSQL databases of its persistence. */
  temporal: {
    historyPort: number;
    matchingPort: number;
    workerPort: number;
    membershipPorts: { frontend: number; history: number; matching: number; worker: number };
    numHistoryShards: number;
    database: string;
    visibilityDatabase: string;
    configDir: string;
  };
  weaviateNodes: WeaviateNode[];
  /** HAProxy: the API, Weaviate's REST and gRPC, each balanced over its replicas. */
  lb: { statsPort: number; weaviateHttpPort: number; weaviateGrpcPort: number; configFile: string };
  /** Ports of the API replicas behind the load balancer (api.port). */
  apiPorts: number[];
  /** Prometheus ports of the workers (one each; the dev default 9464 would collide). */
  workerMetricsPorts: number[];
  replicationFactor: number;
}

/** Where built binaries are cached: shared by every checkout on this machine, keyed by version. */
export function cacheDir(): string {
  const env = parseStackConfig();
  if (env.MEMFLOW_CACHE_DIR) return path.resolve(env.MEMFLOW_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'memflow');
}

/**
 * Port shifts the test profile may use, tried in order (another checkout may hold the first). 8000 and
 * 9000 come last: their ports fall between the others' and the dev stack's without meeting either
 * (9000 puts Weaviate's REST at 17080 and raft at 17300, where the 10000 block has none), so up to
 * seven checkouts on one machine can each test on a block of their own.
 */
export const TEST_PORT_SHIFTS = [10000, 11000, 12000, 13000, 14000, 9000, 8000];

/** The test block `stack --profile test` manages: MEMFLOW_TEST_PORT_SHIFT when set, else the first. */
function defaultTestPortShift(): number {
  const pinned = parseStackConfig().MEMFLOW_TEST_PORT_SHIFT;
  return pinned !== undefined && TEST_PORT_SHIFTS.includes(pinned) ? pinned : TEST_PORT_SHIFTS[0]!;
}

/** The state folder's name: `test` for the default block, `test-<shift>` for the others. */
const testStateName = (name: ProfileName, shift: number) => (name === 'test' && shift !== TEST_PORT_SHIFTS[0] ? `test-${shift}` : name);

export function getProfile(name: ProfileName, testPortShift = defaultTestPortShift()): StackProfile {
  if (name === 'cluster') return clusterProfile();
  const env = parseStackConfig();
  // The test profile shifts every port (by 10000 by default) so it never collides with a dev stack.
  const shift = name === 'test' ? testPortShift : 0;
  // Each test block keeps its own state (pid files, Temporal's database, Weaviate's data, settings):
  // with one folder for every block, a run pinned to one block took the pid files of another block
  // of the same checkout for its own and did not start its servers.
  const stateDir = stackStateDir(testStateName(name, shift), env.MEMFLOW_STATE_DIR);
  const host = '127.0.0.1';
  return {
    name,
    stateDir,
    logDir: path.join(stateDir, 'logs'),
    runDir: path.join(stateDir, 'run'),
    databaseName: name === 'dev' ? 'memflow' : shift === TEST_PORT_SHIFTS[0] ? 'memflow_test' : `memflow_test_${shift}`,
    temporal: {
      host,
      port: 7233 + shift,
      // The dev server's default UI port (8233) is 1000 above the frontend's, so shifted by 1000 it
      // would land on the next test block's frontend: test blocks put the UI just above the frontend.
      uiPort: name === 'test' ? 7236 + shift : 8233,
      httpPort: 7243 + shift,
      metricsPort: 7235 + shift,
      dbFile: path.join(stateDir, 'temporal', 'temporal.db'),
    },
    weaviate: {
      host,
      httpPort: 8080 + shift,
      grpcPort: 50051 + shift,
      gossipPort: 7946 + shift,
      dataPort: 7947 + shift,
      raftPort: 8300 + shift,
      raftRpcPort: 8301 + shift,
      dataDir: path.join(stateDir, 'weaviate'),
    },
    api: { host, port: name === 'test' ? 0 : env.MEMFLOW_PORT },
  };
}

/** Every port of the cluster profile is 20000 above its dev counterpart unless said otherwise. */
export const CLUSTER_SHIFT = 20000;

function clusterProfile(): StackProfile {
  const stateDir = path.resolve(parseStackConfig().MEMFLOW_STATE_DIR ?? path.join(repoRoot, '.memflow'), 'cluster');
  const host = '127.0.0.1';
  const s = CLUSTER_SHIFT;
  const nodes: WeaviateNode[] = [0, 1, 2].map((k) => ({
    name: `memflow-cluster-${k}`,
    httpPort: 8081 + s + k,
    grpcPort: 65051 + k,
    gossipPort: 7900 + s + 10 * k,
    dataPort: 7901 + s + 10 * k,
    raftPort: 8300 + s + 10 * k,
    raftRpcPort: 8301 + s + 10 * k,
    dataDir: path.join(stateDir, 'weaviate', `node-${k}`),
  }));
  return {
    name: 'cluster',
    stateDir,
    logDir: path.join(stateDir, 'logs'),
    runDir: path.join(stateDir, 'run'),
    databaseName: 'memflow_cluster',
    temporal: {
      host,
      port: 7233 + s,
      uiPort: 0, // the Temporal server has no UI of its own (temporalio/ui-server is separate)
      httpPort: 7243 + s,
      metricsPort: 9090 + s,
      dbFile: '',
    },
    // The apps reach Weaviate through HAProxy (any node may be down); node 0 is the first to seed.
    weaviate: {
      host,
      httpPort: 8080 + s,
      grpcPort: 65050,
      gossipPort: nodes[0]!.gossipPort,
      dataPort: nodes[0]!.dataPort,
      raftPort: nodes[0]!.raftPort,
      raftRpcPort: nodes[0]!.raftRpcPort,
      dataDir: path.join(stateDir, 'weaviate'),
    },
    api: { host, port: 7711 + s },
    cluster: {
      temporal: {
        historyPort: 7234 + s,
        matchingPort: 7235 + s,
        workerPort: 7239 + s,
        membershipPorts: { frontend: 6933 + s, history: 6934 + s, matching: 6935 + s, worker: 6939 + s },
        numHistoryShards: 4,
        database: 'temporal_cluster',
        visibilityDatabase: 'temporal_cluster_visibility',
        configDir: path.join(stateDir, 'temporal', 'config'),
      },
      weaviateNodes: nodes,
      lb: { statsPort: 7712 + s, weaviateHttpPort: 8080 + s, weaviateGrpcPort: 65050, configFile: path.join(stateDir, 'haproxy', 'haproxy.cfg') },
      apiPorts: [7721 + s, 7722 + s],
      workerMetricsPorts: [9464 + s, 9465 + s],
      replicationFactor: 3,
    },
  };
}
