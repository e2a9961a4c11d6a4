/**
 * Weaviate as a three-node Raft cluster on 127.0.0.1 (cluster profile): one weaviate-server process a
 * node, each with its own data folder and its own REST, gRPC, gossip, data, Raft and Raft RPC ports.
 * CLUSTER_IN_LOCALHOST makes memberlist and Raft use 127.0.0.1 with those ports; every node lists all
 * three in RAFT_JOIN and waits for RAFT_BOOTSTRAP_EXPECT=3 voters, so the three start together.
 * Like the dev node, every node requires the profile's API key (gRPC binds every interface).
 */
import type { StackProfile, WeaviateNode } from '../profile.js';
import { goServerService, type ServiceHandle } from '../services/common.js';
import { weaviateIsReady, weaviateNodeEnv } from '../services/weaviate.js';
import { WEAVIATE_SERVER } from '../versions.js';

const nodesOf = (p: StackProfile): WeaviateNode[] => {
  if (!p.cluster) throw new Error(`profile '${p.name}' is not a cluster profile`);
  return p.cluster.weaviateNodes;
};

export const nodeUrl = (p: StackProfile, n: WeaviateNode) => `http://${p.weaviate.host}:${n.httpPort}`;

/** The service of node k (0, 1, 2). */
export function weaviateNodeService(k: number): ServiceHandle {
  const node = (p: StackProfile) => nodesOf(p)[k]!;
  return goServerService({
    spec: WEAVIATE_SERVER,
    name: `weaviate-${k}`,
    host: (p) => p.weaviate.host,
    ports: (p) => {
      const n = node(p);
      return [n.httpPort, n.grpcPort, n.gossipPort, n.dataPort, n.raftPort, n.raftRpcPort];
    },
    dataDir: (p) => node(p).dataDir,
    args: (p) => ['--host', p.weaviate.host, '--port', String(node(p).httpPort), '--scheme', 'http'],
    env: (p) => {
      const n = node(p);
      const all = nodesOf(p);
      return weaviateNodeEnv(
        p,
        { ...n, host: p.weaviate.host },
        {
          raftJoin: all.map((x) => `${x.name}:${x.raftPort}`).join(','),
          expect: all.length,
          // Every node but the first joins the first's gossip; the first finds the others when they join.
          ...(k > 0 ? { join: `${p.weaviate.host}:${all[0]!.gossipPort}` } : {}),
          inLocalhost: true,
        },
      );
    },
    endpoint: (p) => nodeUrl(p, node(p)),
    isReady: (p) => weaviateIsReady(nodeUrl(p, node(p))),
    readyTimeoutMs: 180_000,
  });
}

export const weaviateNodeServices: ServiceHandle[] = [0, 1, 2].map(weaviateNodeService);
