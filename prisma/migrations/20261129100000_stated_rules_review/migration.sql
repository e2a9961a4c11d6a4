-- A rule a person states in a prompt ("from now on we always use UTC in the billing exports") is
-- read out of the conversation by the summarizer (origin `user`), not stated to memflow on purpose
-- as `memflow remember` is: under review it waits like an extracted learning, and it names who
-- stated it.
-- - hook_events.key_id: the key that delivered the event; the summarizer records a stated rule's
--   first revision as that key's (`key:<id>`), so its `statedBy` is the key's person.
-- - projects.stated_policy: under review (review_policy = 'review'), `review` (default: a detector
--   reading a prompt can take a request for a rule, and the person never chose to make it a memory)
--   holds such a rule pending; `live` lets a person's own statements go live at once. Under the
--   `live` review policy nothing is held either way.
-- The summarizer marks its transaction (`memflow.stated_from_prompt`), so `memflow remember`, MCP
-- `remember` and POST /v1/memories (origin `user` or `agent` too) are never held.
ALTER TABLE "hook_events" ADD COLUMN "key_id" UUID;

ALTER TABLE "projects" ADD COLUMN "stated_policy" VARCHAR(10) NOT NULL DEFAULT 'review';
ALTER TABLE "projects" ADD CONSTRAINT "projects_stated_policy_check" CHECK ("stated_policy" IN ('live', 'review'));

CREATE OR REPLACE FUNCTION memflow_holds(project uuid, origin text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT review_policy = 'review'
                      AND (origin = 'extracted'
                           OR (origin = 'user' AND stated_policy = 'review'
                               AND coalesce(current_setting('memflow.stated_from_prompt', true), '') = 'on'))
                     FROM projects WHERE id = project), false)
$$;

CREATE OR REPLACE FUNCTION memflow_hold_for_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('memflow.review_decision', true), '') = 'on' THEN
    RETURN NEW;
  END IF;
  -- What the summarizer read out of a prompt is held like what it extracted; what a person stated to memflow is not.
  IF NEW.origin <> 'extracted' AND NOT (NEW.origin = 'user' AND coalesce(current_setting('memflow.stated_from_prompt', true), '') = 'on') THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status::text = 'active' AND memflow_holds(NEW.project_id, NEW.origin) THEN
      NEW.status := 'pending';
    END IF;
  ELSIF NEW.status::text = 'active' AND OLD.status::text IN ('pending', 'rejected') THEN
    NEW.status := OLD.status;
  ELSIF NEW.status::text = 'active' AND OLD.status::text = 'superseded' AND memflow_holds(NEW.project_id, NEW.origin) THEN
    NEW.status := 'pending';
  END IF;
  RETURN NEW;
END;
$$;
