/**
 * Weaviate for the local stack: one node, persisted to the profile's state folder, no vectorizer
 * module (memflow computes embeddings itself), REST bound to 127.0.0.1.
 *
 * Weaviate 1.38 binds its gRPC ports on all interfaces (not configurable), so the local node is never
 * anonymous: it requires an API key generated per profile and kept in the state folder (mode 0600).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StackProfile } from '../profile.js';
import { WEAVIATE_SERVER } from '../versions.js';
import { goServerService } from './common.js';


export const weaviateUrl = (p: StackProfile) => `http://${p.weaviate.host}:${p.weaviate.httpPort}`;

/** The profile's Weaviate API key, created on first use. */
export function weaviateApiKey(p: StackProfile): string {
  const keyFile = path.join(p.stateDir, 'secrets', 'weaviate-api-key');
  try {
    return fs.readFileSync(keyFile, 'utf8').trim();
  } catch {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    const key = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/** Weaviate's readiness probe (no authentication needed). */
export async function weaviateIsReady(url: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/.well-known/ready`, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

/** The ports and place of one Weaviate node. */
export interface WeaviateNodePlace {
  name: string;
  host: string;
  dataDir: string;
  grpcPort: number;
  gossipPort: number;
  dataPort: number;
  raftPort: number;
  raftRpcPort: number;
}

/**
 * A Weaviate node's environment: memflow's settings (API-key authentication, no modules, no
 * autoschema, JSON logs), its data directory, name and ports, and its cluster: the raft members
 * (`raftJoin`, `expect` of them) and, for every node but the first, the gossip address to join.
 */
export function weaviateNodeEnv(p: StackProfile, n: WeaviateNodePlace, cluster: { raftJoin: string; expect: number; join?: string; inLocalhost?: boolean }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PERSISTENCE_DATA_PATH: n.dataDir,
    DEFAULT_VECTORIZER_MODULE: 'none',
    // memflow creates its collections (multi-tenant) in code; a write racing a wiped schema must
    // fail rather than auto-create a single-tenant collection.
    AUTOSCHEMA_ENABLED: 'false',
    ENABLE_MODULES: '',
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'false',
    AUTHENTICATION_APIKEY_ENABLED: 'true',
    AUTHENTICATION_APIKEY_ALLOWED_KEYS: weaviateApiKey(p),
    AUTHENTICATION_APIKEY_USERS: 'memflow',
    CLUSTER_HOSTNAME: n.name,
    ...(cluster.inLocalhost ? { CLUSTER_IN_LOCALHOST: 'true' } : {}),
    CLUSTER_BIND_ADDR: n.host,
    CLUSTER_ADVERTISE_ADDR: n.host,
    CLUSTER_GOSSIP_BIND_PORT: String(n.gossipPort),
    CLUSTER_DATA_BIND_PORT: String(n.dataPort),
    ...(cluster.join ? { CLUSTER_JOIN: cluster.join } : {}),
    RAFT_PORT: String(n.raftPort),
    RAFT_INTERNAL_RPC_PORT: String(n.raftRpcPort),
    RAFT_JOIN: cluster.raftJoin,
    RAFT_BOOTSTRAP_EXPECT: String(cluster.expect),
    GRPC_PORT: String(n.grpcPort),
    GO_PROFILING_DISABLE: 'true',
    DISABLE_TELEMETRY: 'true',
    QUERY_DEFAULTS_LIMIT: '25',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warning',
  };
}

export const weaviateService = goServerService({
  spec: WEAVIATE_SERVER,
  host: (p) => p.weaviate.host,
  ports: ({ weaviate: w }) => [w.httpPort, w.grpcPort, w.gossipPort, w.dataPort, w.raftPort, w.raftRpcPort],
  dataDir: (p) => p.weaviate.dataDir,
  args: ({ weaviate: w }) => ['--host', w.host, '--port', String(w.httpPort), '--scheme', 'http'],
  env: (p) => {
    const w = p.weaviate;
    const name = `memflow-${p.name}`;
    return weaviateNodeEnv(p, { ...w, name }, { raftJoin: `${name}:${w.raftPort}`, expect: 1 });
  },
  endpoint: weaviateUrl,
  isReady: (p) => weaviateIsReady(weaviateUrl(p)),
  readyTimeoutMs: 90_000,
});
