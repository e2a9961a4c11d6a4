-- The per-prompt push (api/context/prompt-push.ts) quotes a person's earlier prompts that bear on
-- the new one: a full-text OR query over the project's prompt observations only. The table's GIN index
-- holds every tool call's words too (most of its entries): a partial index over prompts keeps that
-- scan to the prompts, a small share of the rows, on the prompt hook's critical path.
CREATE INDEX "observations_prompt_search_vector_idx" ON "observations" USING GIN ("search_vector") WHERE "kind" = 'prompt';
