-- What a rule is about (issue 46): the identifiers, files and telling words of the conversation a
-- person stated it in (activities/summarize/stated-learnings.ts). The per-prompt push matches a
-- prompt against a learning's words and its scope, so "the SLA report overcounts downtime" finds a
-- rule whose own words never say "report". A rule that replaces another takes over its scope.
ALTER TABLE "learnings" ADD COLUMN IF NOT EXISTS "scope" TEXT[] NOT NULL DEFAULT '{}';
