-- The start context (api/context/context-candidates.ts) reads a project's latest observations and
-- prompts `order by created_at desc, id limit n`. The indexes ended at created_at, so that order
-- needed a sort: on a plan estimated from stale statistics (a project that grew since the last
-- ANALYZE, every new tenant) PostgreSQL read every observation of the project and sorted them, 38 ms
-- for a project of 7,600 observations on the session-start hook's critical path, instead of the
-- 60 rows it keeps. With id in the index, the order is the index's and the scan stops at the limit,
-- whatever the statistics say. The indexes replace the old ones (same leading columns, so every
-- query those served is served as before), so inserts keep one b-tree each.
DROP INDEX "observations_tenant_id_project_id_created_at_idx";
CREATE INDEX "observations_tenant_id_project_id_created_at_id_idx" ON "observations"("tenant_id", "project_id", "created_at" DESC, "id");
DROP INDEX "prompts_tenant_id_project_id_created_at_idx";
CREATE INDEX "prompts_tenant_id_project_id_created_at_id_idx" ON "prompts"("tenant_id", "project_id", "created_at" DESC, "id");
