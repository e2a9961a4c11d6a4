-- Memories stated through the API or an agent's MCP tool are learnings of their own origin:
-- `fact` joins the kinds, `origin` says who stated a learning (extracted by the summarizer, stated
-- by a user, remembered by an agent), `tags` are the caller's labels, and a revision keeps the
-- free-text reason a person or agent gave for a correction or a retraction.
ALTER TYPE "learning_kind" ADD VALUE IF NOT EXISTS 'fact';
ALTER TABLE "learnings" ADD COLUMN "origin" VARCHAR(20) NOT NULL DEFAULT 'extracted';
ALTER TABLE "learnings" ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "learning_revisions" ADD COLUMN "note" TEXT;
