-- The API request that delivered the event (its x-request-id), so the activity that turns the event
-- into an observation can log it: one id follows an event from the hook to the workflow's work.
ALTER TABLE "hook_events" ADD COLUMN "request_id" VARCHAR(200);
