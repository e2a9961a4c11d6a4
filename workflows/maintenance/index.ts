/** The scheduled and operator-started maintenance workflows. */
export { backupWorkflow, restoreWorkflow, type BackupWorkflowInput, type RestoreWorkflowInput } from './backup.js';
export { retentionWorkflow, type RetentionWorkflowInput } from './retention.js';
