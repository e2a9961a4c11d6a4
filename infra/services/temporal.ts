/** The Temporal CLI dev server (SQLite-backed, persisted with --db-filename) for the local stack. */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { StackProfile } from '../profile.js';
import { TEMPORAL_CLI } from '../versions.js';
import { goServerService } from './common.js';
import { dynamicConfigArgs } from '../temporal-dynamic-config.js';

export const temporalAddress = (p: StackProfile) => `${p.temporal.host}:${p.temporal.port}`;

/** True when the frontend answers and the namespace exists (start-dev registers `default` on boot). */
export async function temporalIsReady(address: string, namespace = 'default'): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.describeNamespace({ namespace }));
    return true;
  } finally {
    await connection.close();
  }
}

export const temporalService = goServerService({
  spec: TEMPORAL_CLI,
  host: (p) => p.temporal.host,
  ports: ({ temporal: t }) => [t.port, t.uiPort, t.httpPort, t.metricsPort],
  dataDir: (p) => path.dirname(p.temporal.dbFile),
  args: ({ temporal: t }) => [
    'server', 'start-dev',
    '--ip', t.host,
    '--port', String(t.port),
    '--ui-ip', t.host,
    '--ui-port', String(t.uiPort),
    '--http-port', String(t.httpPort),
    '--metrics-port', String(t.metricsPort),
    '--db-filename', t.dbFile,
    '--log-format', 'json',
    '--log-level', 'warn',
    // SQLite's default journal (DELETE) makes, deletes and syncs a journal file for every transaction:
    // each workflow task, signal and activity completion is one. A write-ahead log appends and syncs
    // one file (synchronous=FULL keeps a commit durable across power loss, as before): Temporal's CPU
    // per 1,000 events at 100/s 2.74-2.78 -> 2.18-2.34 (docs/benchmarks.md, 2026-12-01 night).
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=FULL',
    ...dynamicConfigArgs(),
  ],
  endpoint: temporalAddress,
  isReady: (p) => temporalIsReady(temporalAddress(p)),
  readyTimeoutMs: 60_000,
});
