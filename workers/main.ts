/**
 * Worker process: hosts the workflows and activities on the memflow task queue. Development runs
 * bundle from source (workflowsPath); a prebuilt bundle is used when MEMFLOW_WORKFLOW_BUNDLE names one.
 * The Temporal runtime drains in-flight tasks on SIGTERM/SIGINT; connections are closed in `finally`.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../common/config.js';
import { createPrisma } from '../common/db.js';
import { createLogger } from '../common/logger.js';
import { createTemporalClient } from '../common/temporal.js';
import { ensureSchedules } from './schedules.js';
import { temporalLogger } from './temporal-logger.js';
import { createMemflowWorker } from './worker.js';

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('memflow-worker', config.MEMFLOW_LOG_LEVEL);
  Runtime.install({ logger: temporalLogger(logger) });
  const prisma = createPrisma(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const bundlePath = process.env.MEMFLOW_WORKFLOW_BUNDLE;
    const worker = await createMemflowWorker({ connection, config, prisma, ...(bundlePath ? { bundlePath } : {}) });
    // Retention, backup and reconciliation Schedules: created or brought up to date, never duplicated.
    const temporal = createTemporalClient(config);
    try {
      await ensureSchedules(temporal.client, config, logger);
    } finally {
      await temporal.connection.close();
    }
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'memflow worker running');
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close();
    await prisma.$disconnect();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`memflow worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
