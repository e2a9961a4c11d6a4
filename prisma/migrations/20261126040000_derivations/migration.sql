-- Re-derivation (issue 30, part 3): summaries and learnings derived again from a project's stored
-- timeline by another summarizer (offline -> Claude, a new prompt version, a new model). A
-- derivation is built beside the one that is served (its per-session output waits in
-- derived_sessions) and swapped in by one transaction; the summaries it replaced are kept there
-- (retired) and the learnings' revisions say what changed.
CREATE TYPE "derivation_status" AS ENUM ('estimating', 'estimated', 'building', 'paused', 'active', 'retired', 'cancelled', 'failed');

CREATE TABLE "derivations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "summarizer" VARCHAR(20) NOT NULL,
    "model" VARCHAR(200),
    "prompt_version" VARCHAR(40) NOT NULL,
    "status" "derivation_status" NOT NULL DEFAULT 'estimating',
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "workflow_id" VARCHAR(500),
    "cutoff" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sessions_total" INTEGER NOT NULL DEFAULT 0,
    "sessions_done" INTEGER NOT NULL DEFAULT 0,
    "estimate_tokens" BIGINT NOT NULL DEFAULT 0,
    "estimate_cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "tokens_in" BIGINT NOT NULL DEFAULT 0,
    "tokens_out" BIGINT NOT NULL DEFAULT 0,
    "cache_read_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_write_tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "paused_until" TIMESTAMPTZ(3),
    "error" TEXT,
    "changes" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "derivations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "derivations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "derivations_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "derivations_tenant_id_project_id_created_at_idx" ON "derivations" ("tenant_id", "project_id", "created_at" DESC);
-- One derivation of a project is served at a time (Prisma's schema cannot express a partial index).
CREATE UNIQUE INDEX "derivations_active_per_project" ON "derivations" ("project_id") WHERE "status" = 'active';

CREATE TABLE "derived_sessions" (
    "derivation_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "summary" JSONB NOT NULL,
    "learnings" JSONB NOT NULL DEFAULT '[]',
    "tokens_in" INTEGER NOT NULL DEFAULT 0,
    "tokens_out" INTEGER NOT NULL DEFAULT 0,
    "cache_read_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(12,6) NOT NULL DEFAULT 0,
    "retired" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "derived_sessions_pkey" PRIMARY KEY ("derivation_id", "session_id"),
    CONSTRAINT "derived_sessions_derivation_id_fkey" FOREIGN KEY ("derivation_id") REFERENCES "derivations"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "derived_sessions_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "derived_sessions_session_id_idx" ON "derived_sessions" ("session_id");

-- Which derivation wrote a summary (null: the session workflow, live).
ALTER TABLE "summaries" ADD COLUMN "derivation_id" UUID;
