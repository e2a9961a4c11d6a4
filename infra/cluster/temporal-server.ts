/**
 * The Temporal server of the cluster profile: go.temporal.io/server v1.29.1 `cmd/server`, every
 * service (frontend, history, matching, worker) in one process, on PostgreSQL for persistence and
 * visibility. Before the first start its two databases are created and their schemas set up and
 * brought to the module's latest version by Temporal's own temporal-sql-tool (`cmd/tools/sql`) from
 * the module's schema/postgresql/v12 folders; the `default` namespace is then registered.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { ensureDatabase } from '../../prisma/database-connect.js';
import { ensureGoBinary, type Progress } from '../go-binary.js';
import type { ClusterLayout, StackProfile } from '../profile.js';
import { goServerService, type ServiceHandle } from '../services/common.js';
import { temporalAddress, temporalIsReady } from '../services/temporal.js';
import { TEMPORAL_SERVER, TEMPORAL_SQL_TOOL } from '../versions.js';
import { TEMPORAL_POOLS } from './connection-budget.js';

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

function pgUrl(db: TemporalPg, database: string): string {
  const auth = db.password ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}` : encodeURIComponent(db.user);
  return `postgresql://${auth}@${db.host}:${db.port}/${database}`;
}

const layoutOf = (p: StackProfile): ClusterLayout => {
  if (!p.cluster) throw new Error(`profile '${p.name}' is not a cluster profile`);
  return p.cluster;
};

/** The folder of go.temporal.io/server@version in the Go module cache (downloaded if missing). */
export function temporalModuleDir(): string {
  const ref = `go.temporal.io/server@${TEMPORAL_SERVER.version}`;
  const res = spawnSync('go', ['mod', 'download', '-json', ref], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  if (res.status !== 0) throw new Error(`go mod download ${ref} failed: ${res.stderr || res.stdout}`);
  const dir = (JSON.parse(res.stdout) as { Dir?: string }).Dir;
  if (!dir || !fs.existsSync(path.join(dir, 'schema', 'postgresql', 'v12'))) throw new Error(`${ref} has no schema/postgresql/v12 in the module cache`);
  return dir;
}

function runTool(bin: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    fs.writeSync(log, `\n--- ${new Date().toISOString()} temporal-sql-tool ${args.filter((a) => a !== '--password').join(' ')}\n`);
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    child.once('error', reject);
    child.once('exit', (code) => {
      fs.closeSync(log);
      if (code === 0) resolve();
      else reject(new Error(`temporal-sql-tool ${args.slice(-3).join(' ')} exited with ${code}; see ${logFile}`));
    });
  });
}

async function hasSchemaVersion(url: string): Promise<boolean> {
  // 15 s: the soak's Temporal restart, at load average 40, failed with "timeout expired" (a 3 s connect).
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('public.schema_version') AS t`);
    return rows[0]?.t != null;
  } finally {
    await client.end();
  }
}

/**
 * Creates Temporal's two databases when missing, runs setup-schema (version 0.0) on a new one and
 * update-schema on both (a no-op when they are current). Idempotent.
 */
export async function ensureTemporalSchema(p: StackProfile, db: TemporalPg, progress: Progress): Promise<void> {
  const layout = layoutOf(p).temporal;
  const tool = await ensureGoBinary(TEMPORAL_SQL_TOOL, progress);
  const schemaRoot = path.join(temporalModuleDir(), 'schema', 'postgresql', 'v12');
  fs.mkdirSync(p.logDir, { recursive: true });
  const logFile = path.join(p.logDir, 'temporal-sql-tool.log');
  const common = ['--plugin', 'postgres12', '--endpoint', db.host, '--port', String(db.port), '--user', db.user, ...(db.password ? ['--password', db.password] : [])];
  for (const [database, folder] of [
    [layout.database, 'temporal'],
    [layout.visibilityDatabase, 'visibility'],
  ] as const) {
    const url = pgUrl(db, database);
    if (await ensureDatabase(url)) progress(`temporal-server: created database ${database}`);
    if (!(await hasSchemaVersion(url))) {
      await runTool(tool, [...common, '--database', database, 'setup-schema', '-v', '0.0'], logFile);
      progress(`temporal-server: setup-schema on ${database}`);
    }
    await runTool(tool, [...common, '--database', database, 'update-schema', '-d', path.join(schemaRoot, folder, 'versioned')], logFile);
  }
  progress(`temporal-server: schemas of ${layout.database} and ${layout.visibilityDatabase} are current (schema/postgresql/v12 of go.temporal.io/server ${TEMPORAL_SERVER.version})`);
}

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
    `# memflow's workflow ids are uuids with prefixes; the limits below match Temporal's development defaults.
limit.maxIDLength:
  - value: 255
    constraints: {}
`,
  );
  return file;
}

/** True when the frontend answers (the namespace may not exist yet). */
async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
    return true;
  } finally {
    await connection.close();
  }
}

/** Registers the namespace (7 days of retention) unless it exists. */
export async function ensureNamespace(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return false;
    } catch (err) {
      if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND
    }
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    } catch (err) {
      if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS: another start raced us
    }
    return true;
  } finally {
    await connection.close();
  }
}

function serverService(db: () => TemporalPg): ServiceHandle {
  return goServerService({
    spec: TEMPORAL_SERVER,
    name: 'temporal-server',
    host: (p) => p.temporal.host,
    ports: (p) => {
      const c = layoutOf(p).temporal;
      const m = c.membershipPorts;
      return [p.temporal.port, p.temporal.httpPort, p.temporal.metricsPort, c.historyPort, c.matchingPort, c.workerPort, m.frontend, m.history, m.matching, m.worker];
    },
    dataDir: (p) => layoutOf(p).temporal.configDir,
    args: (p) => {
      writeTemporalConfig(p, db());
      return ['--root', path.dirname(layoutOf(p).temporal.configDir), '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'];
    },
    env: () => ({ PATH: process.env.PATH, HOME: process.env.HOME }),
    endpoint: temporalAddress,
    isReady: (p) => frontendAnswers(temporalAddress(p)),
    readyTimeoutMs: 300_000,
  });
}

/**
 * The service handle: the schema before the first start, the namespace after it. `databaseUrl`
 * names the PostgreSQL server (memflow's DATABASE_URL: Temporal's databases live beside memflow's).
 */
export function temporalServerService(databaseUrl: () => string, namespace = 'default'): ServiceHandle {
  const db = () => temporalPg(databaseUrl());
  const base = serverService(db);
  return {
    ...base,
    async start(p, progress) {
      await ensureTemporalSchema(p, db(), progress);
      const result = await base.start(p, progress);
      // The frontend answers before every service is warm: a loaded machine may refuse the first calls.
      const deadline = Date.now() + 180_000;
      for (;;) {
        try {
          if (await ensureNamespace(temporalAddress(p), namespace)) progress(`temporal-server: registered namespace '${namespace}'`);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`could not register namespace '${namespace}' on ${temporalAddress(p)}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      // A new namespace takes a moment to reach every service's cache.
      while (!(await temporalIsReady(temporalAddress(p), namespace).catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`namespace '${namespace}' is not usable on ${temporalAddress(p)} after 180 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
      return result;
    },
  };
}
