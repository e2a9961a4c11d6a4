/** The scheduled and operator-started maintenance workflows (their messages: messages/workflows/v1/maintenance.ts). */
export { backupWorkflow, restoreWorkflow } from './backup.js';
export { retentionWorkflow } from './retention.js';
