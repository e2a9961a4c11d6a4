/**
 * The workflow types the memflow worker hosts, by name: what clients start (with the workflow's
 * function type for typed arguments) and Schedules name. tests/unit/messages.test.ts checks that this list
 * and workflows/index.ts export the same names.
 */
export const WorkflowType = {
  session: 'sessionWorkflow',
  reconcileVectors: 'reconcileVectorsWorkflow',
  eraseProject: 'eraseProjectWorkflow',
  backup: 'backupWorkflow',
  restore: 'restoreWorkflow',
  retention: 'retentionWorkflow',
  memorySync: 'memorySyncWorkflow',
  redactionRescan: 'redactionRescanWorkflow',
  rederiveProject: 'rederiveProjectWorkflow',
} as const;
