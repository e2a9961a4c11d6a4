-- What a serving left out and why (issue 46: the viewer's "Context handed over" shows, per withheld
-- candidate, why it was not pushed): at most 20 candidates, each {id, type, score, reason}.
ALTER TABLE "context_receipts" ADD COLUMN IF NOT EXISTS "withheld" JSONB NOT NULL DEFAULT '[]';
