/** Every workflow the memflow worker hosts (the bundle's entry point). */
export { sessionWorkflow } from './session/workflow.js';
