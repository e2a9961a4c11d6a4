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

/**
 * The settings every memflow Weaviate node runs with, whatever its cluster role: data in `dataDir`, no
 * vectorizer (memflow embeds), no auto-schema, API-key authentication only, quiet JSON logs.
 */
export function weaviateNodeEnv(p: StackProfile, dataDir: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PERSISTENCE_DATA_PATH: dataDir,
    DEFAULT_VECTORIZER_MODULE: 'none',
    // memflow creates its collections (multi-tenant) in code; a write racing a wiped schema must
    // fail rather than auto-create a single-tenant collection.
    AUTOSCHEMA_ENABLED: 'false',
    ENABLE_MODULES: '',
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'false',
    AUTHENTICATION_APIKEY_ENABLED: 'true',
    AUTHENTICATION_APIKEY_ALLOWED_KEYS: weaviateApiKey(p),
    AUTHENTICATION_APIKEY_USERS: 'memflow',
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
    const nodeName = `memflow-${p.name}`;
    return {
      ...weaviateNodeEnv(p, w.dataDir),
      CLUSTER_HOSTNAME: nodeName,
      CLUSTER_BIND_ADDR: w.host,
      CLUSTER_ADVERTISE_ADDR: w.host,
      CLUSTER_GOSSIP_BIND_PORT: String(w.gossipPort),
      CLUSTER_DATA_BIND_PORT: String(w.dataPort),
      RAFT_PORT: String(w.raftPort),
      RAFT_INTERNAL_RPC_PORT: String(w.raftRpcPort),
      RAFT_JOIN: `${nodeName}:${w.raftPort}`,
      RAFT_BOOTSTRAP_EXPECT: '1',
      GRPC_PORT: String(w.grpcPort),
    };
  },
  endpoint: weaviateUrl,
  isReady: (p) => weaviateIsReady(weaviateUrl(p)),
  readyTimeoutMs: 90_000,
});
