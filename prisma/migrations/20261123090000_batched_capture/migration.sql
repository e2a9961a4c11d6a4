-- Batched capture (issue 12): the API turns acknowledged events into observations in batches and
-- tells session workflows what changed through an outbox, instead of one Temporal signal per event.

-- Unprocessed events, per session (the materializer's catch-up) and by age (the sweeper). Partial,
-- so they hold only the few events in flight and never a session's whole history.
CREATE INDEX "hook_events_unprocessed_session_idx" ON "hook_events" ("session_id", "sequence") WHERE "processed_at" IS NULL;
CREATE INDEX "hook_events_unprocessed_received_idx" ON "hook_events" ("received_at") WHERE "processed_at" IS NULL;
DROP INDEX "hook_events_processed_at_received_at_idx";

-- The outbox of session signals: what batches of events added to a session that its workflow has not
-- been told yet. Written in the same transaction as the observations; a row is removed (or reduced)
-- once its signal went through, and the sweeper sends rows left behind (API crash, Temporal away).
CREATE TABLE "session_signals" (
    "session_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "agent_session_id" VARCHAR(200) NOT NULL,
    "events" INTEGER NOT NULL DEFAULT 0,
    "tokens" INTEGER NOT NULL DEFAULT 0,
    "starts" INTEGER NOT NULL DEFAULT 0,
    "stops" INTEGER NOT NULL DEFAULT 0,
    "ends" INTEGER NOT NULL DEFAULT 0,
    "compacts" INTEGER NOT NULL DEFAULT 0,
    "through_sequence" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "session_signals_pkey" PRIMARY KEY ("session_id")
);
CREATE INDEX "session_signals_updated_at_idx" ON "session_signals" ("updated_at");
ALTER TABLE "session_signals" ADD CONSTRAINT "session_signals_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "session_signals" ADD CONSTRAINT "session_signals_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- API keys may be cached by API processes: every change of a key (revocation, deletion) or of a
-- tenant is announced on this channel, whoever makes it (the API, the CLI, an operator's SQL).
CREATE FUNCTION "memflow_announce_api_key"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('memflow_api_keys', CASE WHEN TG_TABLE_NAME = 'api_keys' THEN OLD.id::text ELSE '*' END);
  RETURN NULL;
END $$;
CREATE TRIGGER "api_keys_announce" AFTER UPDATE OR DELETE ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "memflow_announce_api_key"();
CREATE TRIGGER "tenants_announce" AFTER UPDATE OR DELETE ON "tenants" FOR EACH ROW EXECUTE FUNCTION "memflow_announce_api_key"();
