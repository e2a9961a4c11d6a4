-- Who edited a learning in review, as it is shown wherever the learning is pushed or answered
-- (issue 51: "edit -> the edited text is what is pushed, attributed to the editor").
--
-- `reviewed_by` keeps the key (`key:<id>`, stable, for the audit trail); this column keeps the
-- person behind that key at the time of the edit ("Alice <alice@example.com>"), or the key's label
-- for a key of its own, so the start context, the per-prompt push and the MCP answers can say
-- "edited by Alice" without a join on every serving. Null: never edited in review.
ALTER TABLE "learnings" ADD COLUMN "edited_by" VARCHAR(600);
