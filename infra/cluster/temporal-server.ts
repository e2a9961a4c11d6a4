/**
 * The Temporal server of the cluster profile: go.temporal.io/server v1.29.1 `cmd/server`, every
 * service (frontend, history, matching, worker) in one process, on PostgreSQL for persistence and
 * visibility. Before the first start its two databases are created and their schemas set up and
 * brought to the module's latest version by Temporal's own temporal-sql-tool (`cmd/tools/sql`) from
 * the module's schema/postgresql/v12 folders (temporal-schema.ts); the `default` namespace is then
 * registered. Its configuration file is temporal-config.ts.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { goServerService, type ServiceHandle } from '../services/common.js';
import { temporalAddress, temporalIsReady } from '../services/temporal.js';
import { TEMPORAL_SERVER } from '../versions.js';
import { layoutOf, temporalPg, writeTemporalConfig, type TemporalPg } from './temporal-config.js';
import { ensureTemporalSchema } from './temporal-schema.js';

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
    // Not niced: every session's next step waits on it (workflow tasks, activity dispatch, signals).
    // Starved at nice 10 while a soak's traffic filled both cores, its persistence calls ran past
    // their deadlines (transfer tasks failed and were retried, 166 in one minute) and workflow tasks
    // waited 9 to 20 s to start; sessions still closing at the traffic's end took 68 s. The cluster
    // profile is a team's server, with no agent on the machine; memflow's workers and the Weaviate
    // nodes, the summaries and vector sync, stay niced below the APIs.
    background: false,
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
