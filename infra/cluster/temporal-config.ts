/**
 * The configuration of the cluster profile's Temporal server: where its PostgreSQL is (from memflow's
 * DATABASE_URL) and the server's config file (services, ports, persistence and visibility stores,
 * connection pools), written into the profile's state folder before each start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterLayout, StackProfile } from '../profile.js';
import { TEMPORAL_POOLS } from './connection-budget.js';
import { dynamicConfigYaml } from '../temporal-dynamic-config.js';

/** The PostgreSQL server Temporal uses: the one DATABASE_URL (or PGHOST…) names for memflow. */
export interface TemporalPg {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function temporalPg(databaseUrl: string): TemporalPg {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
  };
}

export const layoutOf = (p: StackProfile): ClusterLayout => {
  if (!p.cluster) throw new Error(`profile '${p.name}' is not a cluster profile`);
  return p.cluster;
};

/** The server's configuration file, written into the profile's state folder before each start. */
export function writeTemporalConfig(p: StackProfile, db: TemporalPg): string {
  const layout = layoutOf(p).temporal;
  const t = p.temporal;
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${db.host}:${db.port}"
        connectProtocol: "tcp"
        user: ${JSON.stringify(db.user)}
        password: ${JSON.stringify(db.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpcPort: number, membershipPort: number, extra = '') => `    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnIP: "${t.host}"${extra}`;
  const m = layout.membershipPorts;
  const yaml = `# Written by infra/cluster/temporal-server.ts for the '${p.name}' profile; rewritten on every start.
log:
  stdout: true
  level: warn
  format: json
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${layout.numHistoryShards}
  datastores:
    postgres-default:
${store(layout.database, TEMPORAL_POOLS.default)}
    postgres-visibility:
${store(layout.visibilityDatabase, TEMPORAL_POOLS.visibility)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "${t.host}"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "${t.host}:${t.metricsPort}"
services:
  frontend:
${service(t.port, m.frontend, `\n      httpPort: ${t.httpPort}`)}
  history:
${service(layout.historyPort, m.history)}
  matching:
${service(layout.matchingPort, m.matching)}
  worker:
${service(layout.workerPort, m.worker)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "${t.host}:${t.port}"
      httpAddress: "${t.host}:${t.httpPort}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${path.join(layout.configDir, 'dynamicconfig.yaml')}"
  pollInterval: "10s"
`;
  fs.mkdirSync(layout.configDir, { recursive: true, mode: 0o700 });
  const file = path.join(layout.configDir, 'cluster.yaml');
  // It holds the database password (when there is one): readable by its owner only.
  fs.writeFileSync(file, yaml, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  fs.writeFileSync(
    path.join(layout.configDir, 'dynamicconfig.yaml'),
    dynamicConfigYaml(),
  );
  return file;
}
