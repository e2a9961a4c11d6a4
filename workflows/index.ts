/** Every workflow the memflow worker hosts (the bundle's entry point). */
export { sessionWorkflow } from './capture/session-workflow.js';
export { reconcileVectorsWorkflow } from './vectors/reconcile-vectors-workflow.js';
export { eraseProjectWorkflow } from './erase/erase-workflow.js';
export { backupWorkflow, restoreWorkflow } from './backup/backup-workflow.js';
export { retentionWorkflow } from './retention/retention-workflow.js';
export { memorySyncWorkflow } from './vectors/memory-sync-workflow.js';
export { redactionRescanWorkflow } from './redaction/redaction-rescan-workflow.js';
export { rederiveProjectWorkflow } from './rederive/rederive-workflow.js';
