/**
 * The Temporal Schedules the worker keeps (visible with `temporal schedule list`): retention, backup
 * and vector reconciliation. Created when the worker starts, or updated to the configured period when
 * they exist, so restarts never duplicate them; a period of "off" deletes its schedule.
 *
 * Chosen on purpose:
 * - overlap SKIP for all three: a run still going when the next is due (a long backup, a big
 *   retention backlog) makes the next redundant, and two runs would compete for the same rows;
 * - catch-up window: retention 1 day (a run missed while the cluster was down still happens once,
 *   late), backup 1 hour (a backup hours late is taken at the next slot instead of in a burst),
 *   reconciliation 10 minutes (drift is repaired by the next run anyway).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../common/server/config.js';
import type { Logger } from '../common/server/logger.js';
import type { BackupWorkflowInput } from '../messages/workflows-v1/backup.js';
import type { RetentionWorkflowInput } from '../messages/workflows-v1/retention.js';
import { WorkflowType } from '../messages/workflows-v1/workflow-types.js';
import type { ReconcileWorkflowInput } from '../messages/workflows-v1/reconcile-vectors.js';

/** A Schedule and the workflow it starts: each workflow type with its own input type. */
export type ScheduleSpec = {
  id: string;
  everyMs: number | null;
  catchupWindow: string;
} & (
  | { workflowType: typeof WorkflowType.retention; args: [RetentionWorkflowInput] }
  | { workflowType: typeof WorkflowType.backup; args: [BackupWorkflowInput] }
  | { workflowType: typeof WorkflowType.reconcileVectors; args: [ReconcileWorkflowInput] }
);

export function memflowSchedules(config: Config): ScheduleSpec[] {
  const q = config.TEMPORAL_TASK_QUEUE;
  return [
    { id: scheduleId(q, 'retention'), workflowType: WorkflowType.retention, args: [{}], everyMs: config.MEMFLOW_RETENTION_EVERY, catchupWindow: '1 day' },
    { id: scheduleId(q, 'backup'), workflowType: WorkflowType.backup, args: [{ scope: 'all' }], everyMs: config.MEMFLOW_BACKUP_EVERY, catchupWindow: '1 hour' },
    { id: scheduleId(q, 'reconcile'), workflowType: WorkflowType.reconcileVectors, args: [{}], everyMs: config.MEMFLOW_RECONCILE_EVERY, catchupWindow: '10 minutes' },
  ];
}

function options(spec: ScheduleSpec, taskQueue: string, everyMs: number): ScheduleOptions {
  return {
    scheduleId: spec.id,
    spec: { intervals: [{ every: everyMs }] },
    action: { type: 'startWorkflow', workflowType: spec.workflowType, args: spec.args, taskQueue, workflowId: scheduledRunId(spec.id) },
    policies: { overlap: 'SKIP', catchupWindow: spec.catchupWindow, pauseOnFailure: false },
  };
}

/** Creates, updates or deletes each schedule to match the configuration; idempotent. */
export async function ensureSchedules(client: Client, config: Config, log: Pick<Logger, 'info'>): Promise<void> {
  for (const spec of memflowSchedules(config)) {
    const handle = client.schedule.getHandle(spec.id);
    if (spec.everyMs === null) {
      await handle.delete().catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
      continue;
    }
    const opts = options(spec, config.TEMPORAL_TASK_QUEUE, spec.everyMs);
    try {
      await client.schedule.create(opts);
      log.info({ schedule: spec.id, everyMs: spec.everyMs }, 'schedule created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await handle.update((prev) => ({ ...prev, spec: opts.spec, action: opts.action, policies: opts.policies }));
      log.info({ schedule: spec.id, everyMs: spec.everyMs }, 'schedule up to date');
    }
  }
}

/** The Schedules the worker keeps, one per task queue and flow, and the id each scheduled run gets. */
export const scheduleId = (taskQueue: string, kind: 'retention' | 'backup' | 'reconcile') => `${taskQueue}-${kind}`;
export const scheduledRunId = (scheduleIdOfRun: string) => `${scheduleIdOfRun}-run`;
