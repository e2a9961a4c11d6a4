/** Every workflow the memflow worker hosts (the bundle's entry point). */
export { sessionWorkflow } from './session/workflow.js';
export { reconcileVectorsWorkflow } from './reconcile/workflow.js';
export { eraseProjectWorkflow } from './erase/workflow.js';
export { backupWorkflow, restoreWorkflow, retentionWorkflow } from './maintenance/index.js';
export { memorySyncWorkflow } from './memory/workflow.js';
export { redactionRescanWorkflow } from './redaction/workflow.js';
