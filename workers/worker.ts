/**
 * memflow's worker as configured for its task queue: every workflow and activity it hosts, wired to
 * their clients. Used by the worker process and by the tests, so both run the same worker.
 */
import fs from 'node:fs';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './workflows-path.js';
import { createCaptureActivities } from '../activities/capture/capture-activities.js';
import { createCloseActivities } from '../activities/summarize/session-close.js';
import { createTurnActivities } from '../activities/summarize/session-turn.js';
import { allHeartbeating, heartbeating } from '../activities/heartbeating.js';
import { createUptakeActivities } from '../activities/context/uptake-activities.js';
import { createEraseActivities } from '../activities/erase/erase-activities.js';
import { createSummarizeActivities } from '../activities/summarize/summarize-activities.js';
import { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import type { Config } from '../common/server/config.js';
import type { PrismaClient } from '../common/server/db.js';
import { createPgPool, type PgPool } from '../common/server/pg.js';
import { createBackupActivities } from '../activities/backup/backup-activities.js';
import { createRetentionActivities } from '../activities/retention/retention-activities.js';
import { createRedactionActivities } from '../activities/redaction/redaction-activities.js';
import { createRederiveActivities } from '../activities/rederive/rederive-activities.js';
import { TenantRules } from '../common/rules/redact-tenant-rules.js';


export function createMemflowWorker(opts: {
  connection: NativeConnection;
  config: Config;
  prisma: PrismaClient;
  /** A prebuilt bundle (npm run build:workflows); otherwise the workflows are bundled from source. */
  bundlePath?: string;
  /** node-postgres pool for bulk work (backups, retention); one is made when not given. */
  pool?: PgPool;
}): Promise<Worker> {
  const pool = opts.pool ?? createPgPool(opts.config.DATABASE_URL, opts.config.MEMFLOW_PG_POOL_SIZE ?? 4, { allowExitOnIdle: true });
  const capture = createCaptureActivities({ prisma: opts.prisma });
  const uptake = createUptakeActivities({ pool });
  const summarize = createSummarizeActivities({ prisma: opts.prisma, config: opts.config });
  // Embedding provider and Weaviate client are made on first use: the worker starts without them.
  const vectors = createVectorActivities({ prisma: opts.prisma, config: opts.config });
  const close = createCloseActivities({ capture, summarize, vectors, uptake });
  const turn = createTurnActivities({ summarize, vectors });
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
    ...(opts.config.MEMFLOW_WORKER_MAX_ACTIVITIES ? { maxConcurrentActivityTaskExecutions: opts.config.MEMFLOW_WORKER_MAX_ACTIVITIES } : {}),
    maxConcurrentWorkflowTaskExecutions: opts.config.MEMFLOW_WORKER_MAX_WORKFLOW_TASKS,
    // A workflow's next task waits this long for the worker that holds it in its cache before it goes
    // to any worker, which must replay its whole history (Temporal's default: 10 s). A busy worker
    // bounced its tasks after 10 s in a soak; a dead one (restarted or gone) delays its workflows this long.
    stickyQueueScheduleToStartTimeout: '30 seconds',
    ...(opts.bundlePath ? { workflowBundle: { code: fs.readFileSync(opts.bundlePath, 'utf8') } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: {
      ...capture,
      ...uptake,
      ...createEraseActivities({ prisma: opts.prisma }),
      // Model calls heartbeat on a timer: their presets (llmCalls) notice a lost attempt in seconds.
      ...allHeartbeating(summarize),
      ...vectors,
      // A session's close: the activities above, two calls instead of six. Its first is a model call
      // (llmCalls); its second heartbeats on its own progress (sessionSettle).
      summarizeSessionEnd: heartbeating(close.summarizeSessionEnd),
      settleSession: close.settleSession,
      // A stop's work: the activities above, one call instead of three; model calls first (heartbeating).
      summarizeTurn: heartbeating(turn.summarizeTurn),
      ...createBackupActivities({ prisma: opts.prisma, pool, config: opts.config }),
      ...createRetentionActivities({ prisma: opts.prisma, pool }),
      ...createRederiveActivities({ prisma: opts.prisma, config: opts.config }),
      ...createRedactionActivities({ prisma: opts.prisma, rules: TenantRules.load(opts.config.MEMFLOW_REDACTION_RULES) }),
    },
  });
}
