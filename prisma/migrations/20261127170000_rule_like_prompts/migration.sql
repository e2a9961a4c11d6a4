-- The per-prompt push (api/context/prompt-push.ts) quotes a person's earlier prompts that read like a
-- rule no rule was recorded of. Which prompts those are is judged once, when their session is
-- summarized (activities/summarize/session-summary.ts sets rule_like), not on the prompt hook's
-- critical path; a partial GIN index over just those keeps the push's full-text scan to them: a
-- small share of the prompts, themselves a small share of the observations.
ALTER TABLE "observations" ADD COLUMN "rule_like" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "observations_rule_like_search_vector_idx" ON "observations" USING GIN ("search_vector") WHERE "kind" = 'prompt' AND "rule_like";
