-- A person's words are pushed where the agent will act on them: at the code they name
-- (api/context/file-push.ts, docs/push.md "At the code"). Each learning records the code it is
-- about as anchors (common/rules/anchors.ts): 'id:<name>' for an identifier its conversation named
-- (a function, method, class, constant, config key, flag; lower-cased) and 'w:<word>' for a plain word
-- of its own statement that may name a function ("pluralize"). The relay matches the identifiers a
-- file it parsed defines or imports against the project's anchors, and asks for the learnings whose
-- anchors overlap them: one GIN lookup.
ALTER TABLE "learnings" ADD COLUMN "anchors" TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX "learnings_anchors_idx" ON "learnings" USING GIN ("anchors") WITH (fastupdate = off);

-- What a person said that names code but does not settle anything for certain: kept in their words,
-- labelled a note, pushed only at the code it names (never with a prompt or in the start context).
ALTER TYPE "learning_kind" ADD VALUE IF NOT EXISTS 'note';
