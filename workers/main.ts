/**
 * Worker process: hosts the workflows and activities on the memflow task queue. Development runs
 * bundle from source (workflowsPath); a prebuilt bundle is used when MEMFLOW_WORKFLOW_BUNDLE names one.
 * The Temporal runtime drains in-flight tasks on SIGTERM/SIGINT; connections are closed in `finally`.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../common/server/config.js';
import { createPrisma } from '../common/server/db.js';
import { createLogger, type Logger } from '../common/server/logger.js';
import { chooseModel } from '../common/server/model-choice.js';
import { createTemporalClient, temporalConnectionOptions } from '../common/server/temporal-connection.js';
import { ensureSchedules } from './schedules.js';
import { installTemporalRuntime } from './temporal-logger.js';
import { createMemflowWorker } from './worker.js';

/**
 * The Temporal runtime, its logs (Core's included) in the worker's pino logger, with Core's
 * Prometheus exporter when an address is configured
 * (temporal_activity_execution_failed_total, temporal_workflow_failed_total, ...). A port already in
 * use (a second worker on the machine) costs the metrics, not the worker: it runs without them.
 */
function installRuntime(metricsAddress: string | null, logger: Logger): void {
  if (metricsAddress) {
    try {
      installTemporalRuntime(logger, { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, useSecondsForDurations: true } });
      logger.info({ metrics: `http://${metricsAddress}/metrics` }, 'worker metrics endpoint');
      return;
    } catch (err) {
      logger.warn({ err: (err as Error).message, address: metricsAddress }, 'worker metrics endpoint unavailable; running without it (set MEMFLOW_WORKER_METRICS_PORT)');
    }
  }
  installTemporalRuntime(logger);
}

async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('memflow-worker', config.MEMFLOW_LOG_LEVEL);
  installRuntime(config.MEMFLOW_WORKER_METRICS_PORT, logger);
  const prisma = createPrisma(config.DATABASE_URL, config.MEMFLOW_PRISMA_POOL_SIZE ? { maxConnections: config.MEMFLOW_PRISMA_POOL_SIZE } : {});
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const bundlePath = config.MEMFLOW_WORKFLOW_BUNDLE;
    const worker = await createMemflowWorker({ connection, config, prisma, ...(bundlePath ? { bundlePath } : {}) });
    // Retention, backup and reconciliation Schedules: created or brought up to date, never duplicated.
    const temporal = createTemporalClient(config);
    try {
      await ensureSchedules(temporal.client, config, logger);
    } finally {
      await temporal.connection.close();
    }
    // The same choice the summarize activities made (common/server/model-choice.ts), said once.
    const model = chooseModel({ setting: config.MEMFLOW_MODEL, apiKey: config.ANTHROPIC_API_KEY, consent: config.MEMFLOW_MODEL_CLI_CONSENT });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE, modelPath: model.path, modelWhy: model.why }, 'memflow worker running');
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
