/**
 * The Temporal Schedules the worker keeps (workers/schedules.ts), one per task queue and flow, and the
 * id each scheduled run gets. Pure functions only.
 */
/** The Schedules the worker keeps, one per task queue, and the id each run gets. */
export const scheduleId = (taskQueue: string, kind: 'retention' | 'backup' | 'reconcile') => `${taskQueue}-${kind}`;
export const scheduledRunId = (scheduleIdOfRun: string) => `${scheduleIdOfRun}-run`;
