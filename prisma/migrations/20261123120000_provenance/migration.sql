-- Memory that stays true (issue 19): citations, outcome, trust and staleness.
-- - `dead_end` joins the learning kinds: "tried X, it did not work because Y", never advice.
-- - A session keeps the git branch, HEAD commit, repository root and default branch its hook client
--   resolved locally; learnings and summaries copy the branch and commit they were made on.
-- - `citations` (JSON array) holds what a learning or summary was derived from in a checkable form:
--   per file, the path relative to the repository root, the line range and hashes of the cited lines
--   (common/citations.ts).
-- - `outcome` is the evidence of outcome (confirmed, refuted, unverified); `flags` are poisoning flags
--   set at write time (instruction, tool_call, hidden_unicode); flagged learnings are never injected.
-- - `stale_count` counts staleness reports from clients since the learning was last seen fresh;
--   `on_default_branch` is set when a client saw the learning's commit reach the default branch.
ALTER TYPE "learning_kind" ADD VALUE IF NOT EXISTS 'dead_end';
ALTER TABLE "sessions" ADD COLUMN "git_branch" VARCHAR(300);
ALTER TABLE "sessions" ADD COLUMN "git_commit" VARCHAR(64);
ALTER TABLE "sessions" ADD COLUMN "git_root" TEXT;
ALTER TABLE "sessions" ADD COLUMN "git_default_branch" VARCHAR(300);
ALTER TABLE "summaries" ADD COLUMN "git_branch" VARCHAR(300);
ALTER TABLE "summaries" ADD COLUMN "git_commit" VARCHAR(64);
ALTER TABLE "summaries" ADD COLUMN "citations" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "learnings" ADD COLUMN "git_branch" VARCHAR(300);
ALTER TABLE "learnings" ADD COLUMN "git_commit" VARCHAR(64);
ALTER TABLE "learnings" ADD COLUMN "citations" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "learnings" ADD COLUMN "outcome" VARCHAR(20) NOT NULL DEFAULT 'unverified';
ALTER TABLE "learnings" ADD COLUMN "flags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "learnings" ADD COLUMN "stale_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "learnings" ADD COLUMN "checked_at" TIMESTAMPTZ(3);
ALTER TABLE "learnings" ADD COLUMN "on_default_branch" BOOLEAN;
