-- Spooled events keep the time they happened (issue 11).
-- A hook client that could not reach the API keeps the event in its spool and delivers it later,
-- with X-Memflow-Occurred-At set to when the hook fired. `occurred_at` is that time; NULL means the
-- event happened when it was received (every live delivery, and every event stored before this).
-- Sequence stays the order of delivery; the event's observation and prompt are dated by when it
-- happened, so the timeline, the viewer and the summaries show the real time.
ALTER TABLE "hook_events" ADD COLUMN "occurred_at" TIMESTAMPTZ(3);
