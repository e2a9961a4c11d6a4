/**
 * Runs memflow's real API and worker inside a test process, against the real test stack, each test
 * file on its own task queue so that files never steal each other's workflow tasks.
 */
import { temporalConnectionOptions } from '../../common/server/temporal-connection.js';
import type { AddressInfo } from 'node:net';
import { createApi } from '../../api/app.js';
import { collectedRoutes } from '../../api/openapi.js';
import { createLogger } from '../../common/server/logger.js';
import type { Config } from '../../common/server/config.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { SessionTuning } from '../../messages/workflows-v1/session.js';

export interface TestApi {
  url: string;
  /** Every route the server registered, as `METHOD pattern` (Fastify's pattern; HEAD and OPTIONS left out). */
  routes: string[];
  close(): Promise<void>;
}

export async function startTestApi(
  config: Config,
  prisma: PrismaClient,
  opts: {
    tuning?: Partial<SessionTuning>;
    hookBodyLimit?: number;
    maxStoredEventBytes?: number;
    redispatch?: { graceMs?: number; intervalMs?: number };
    /** Capture the API's logs (at debug level: accepted hooks are logged there) instead of warn on stdout. */
    logSink?: string[];
  } = {},
): Promise<TestApi> {
  const limits = {
    ...(opts.hookBodyLimit ? { MEMFLOW_MAX_HOOK_BYTES: opts.hookBodyLimit } : {}),
    ...(opts.maxStoredEventBytes ? { MEMFLOW_MAX_STORED_EVENT_BYTES: opts.maxStoredEventBytes } : {}),
  };
  const logger = opts.logSink
    ? createLogger('test-api', 'debug', { write: (line: string) => void opts.logSink!.push(line) })
    : createLogger('test-api', config.MEMFLOW_LOG_LEVEL);
  const api = createApi({ ...config, ...limits }, prisma, logger, {
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(opts.redispatch ? { redispatch: opts.redispatch } : {}),
  });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  const routes = [...new Set(collectedRoutes(api.app).map((r) => `${r.method} ${r.url}`))];
  return { url: `http://127.0.0.1:${port}`, routes, close: () => api.close() };
}

export interface TestWorker {
  /** Resolves when the worker has shut down. */
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Everything the Temporal runtime of this test process logs, at info level (see workerLogLines). */
const workerLogs: string[] = [];
export const workerLogLines = (): readonly string[] => workerLogs;

export async function startTestWorker(config: Config, prisma: PrismaClient): Promise<TestWorker> {
  // The worker's modules (Temporal's worker SDK, every activity, the Anthropic SDK: ~1.3 s of CPU
  // under tsx) are loaded by the first worker a file starts: a file that starts only the API skips them.
  const [{ NativeConnection }, { createMemflowWorker }, { installTemporalRuntime }] = await Promise.all([
    import('@temporalio/worker'),
    import('../../workers/worker.js'),
    import('../../workers/temporal-logger.js'),
  ]);
  if (!runtimeInstalled) {
    // Kept in memory at info level (tests search it for secrets); only warnings reach stdout.
    const quiet = createLogger('test-worker', config.MEMFLOW_LOG_LEVEL);
    const kept = createLogger('test-worker', 'info', {
      write: (line: string) => {
        workerLogs.push(line);
        if (/"level":(40|50|60)/.test(line)) quiet.warn(line);
      },
    });
    installTemporalRuntime(kept);
    runtimeInstalled = true;
  }
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // The run's one workflow bundle (tests/run.ts: MEMFLOW_WORKFLOW_BUNDLE), not a bundle per worker.
  const bundlePath = config.MEMFLOW_WORKFLOW_BUNDLE;
  const worker = await createMemflowWorker({ connection, config, prisma, ...(bundlePath ? { bundlePath } : {}) });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** A test file's API (sessions close 30 ms after a burst, idle after 2 min) and worker. */
export async function startTestApp(config: Config, prisma: PrismaClient): Promise<{ api: TestApi; worker: TestWorker }> {
  const api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
  return { api, worker: await startTestWorker(config, prisma) };
}

/** Stops what startTestApp started (if it got that far), then the file's Temporal client and Prisma. */
export async function stopTestApp(app: { api?: TestApi; worker?: TestWorker } | undefined, temporal: { connection: { close(): Promise<void> } }, prisma: PrismaClient): Promise<void> {
  await app?.api?.close();
  await app?.worker?.stop();
  await temporal.connection.close();
  await prisma.$disconnect();
}
