/**
 * resolveProjectId lives in search-types.ts, beside the scope it resolves. This name stays only for
 * api/context/context-routes.ts, which imports it from here; once that import names search-types.ts,
 * delete this file.
 */
export { resolveProjectId } from './search-types.js';
