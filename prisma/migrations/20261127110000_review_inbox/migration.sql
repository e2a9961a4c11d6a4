-- The review inbox (issue 51): per project a policy, `live` (what a summarizer extracts goes live at
-- once: the behaviour before this migration and the default) or `review` (it waits as `pending`
-- until a maintainer approves, edits or rejects it). A rejected learning is kept (`rejected`) so its
-- revisions stay the history of the decision; nothing reads it but that history and the export.
--
-- The policy is enforced where learnings are written, by a trigger, so that every writer of
-- extracted learnings (the summarizer's reconciliation, re-derivation, any later extractor) obeys it
-- without knowing about it:
-- - a new learning of origin `extracted` in a project under review is inserted `pending`;
-- - an extractor stating a pending or rejected learning again (restated, or a fingerprint taken
--   over) cannot make it active: it stays what it was;
-- - an extractor reviving a superseded learning in a project under review makes it pending.
-- Only a review decision (api/review/review-decisions.ts) turns a pending learning active: it sets
-- the transaction-local setting `memflow.review_decision` first. Learnings stated by a person or an
-- agent (origin `user`, `agent`) are never held.
ALTER TYPE "learning_status" ADD VALUE IF NOT EXISTS 'pending';
ALTER TYPE "learning_status" ADD VALUE IF NOT EXISTS 'rejected';
ALTER TYPE "api_key_role" ADD VALUE IF NOT EXISTS 'maintainer';

ALTER TABLE "projects" ADD COLUMN "review_policy" VARCHAR(10) NOT NULL DEFAULT 'live';
ALTER TABLE "projects" ADD CONSTRAINT "projects_review_policy_check" CHECK ("review_policy" IN ('live', 'review'));

-- Who decided on a learning held for review (`key:<id>`), and when; null for one never held.
ALTER TABLE "learnings" ADD COLUMN "reviewed_by" VARCHAR(500);
ALTER TABLE "learnings" ADD COLUMN "reviewed_at" TIMESTAMPTZ(3);

CREATE OR REPLACE FUNCTION memflow_under_review(project uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT review_policy = 'review' FROM projects WHERE id = project), false)
$$;

CREATE OR REPLACE FUNCTION memflow_hold_for_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('memflow.review_decision', true), '') = 'on' OR NEW.origin <> 'extracted' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status::text = 'active' AND memflow_under_review(NEW.project_id) THEN
      NEW.status := 'pending';
    END IF;
  ELSIF NEW.status::text = 'active' AND OLD.status::text IN ('pending', 'rejected') THEN
    NEW.status := OLD.status;
  ELSIF NEW.status::text = 'active' AND OLD.status::text = 'superseded' AND memflow_under_review(NEW.project_id) THEN
    NEW.status := 'pending';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "learnings_hold_for_review"
  BEFORE INSERT OR UPDATE OF "status" ON "learnings"
  FOR EACH ROW EXECUTE FUNCTION memflow_hold_for_review();

