-- When a learning applies, in the words a bug report or a task would use: the symptoms and tasks that
-- would run into it, written once by the summarizer's model at extraction (doc2query at write time:
-- nothing costs more at push time). The prompt's push scores them with the learning's own words and
-- finds fixes and dead ends by them (api/context/prompt-push.ts); search embeds them with the body.
-- Learnings of the offline summarizer have none.
ALTER TABLE "learnings" ADD COLUMN "applies_when" TEXT[] NOT NULL DEFAULT '{}';
