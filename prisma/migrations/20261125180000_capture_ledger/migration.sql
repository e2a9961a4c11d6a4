-- The capture ledger: what the API counts per session in the statement that stores its
-- events (events from hook clients that keep a ledger, and repeated deliveries by what they matched),
-- and each hook client's last report of what became of every event it took for the session.
ALTER TABLE "sessions" ADD COLUMN "ledger_client_events" INTEGER NOT NULL DEFAULT 0,
                       ADD COLUMN "ledger_dup_key" INTEGER NOT NULL DEFAULT 0,
                       ADD COLUMN "ledger_dup_tool" INTEGER NOT NULL DEFAULT 0,
                       ADD COLUMN "ledger_dup_body" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "capture_ledgers" (
    "session_id" UUID NOT NULL,
    "client_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "counter" BIGINT NOT NULL,
    "counts" JSONB NOT NULL,
    "server_events" INTEGER NOT NULL,
    "reported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "capture_ledgers_pkey" PRIMARY KEY ("session_id", "client_id")
);

CREATE INDEX "capture_ledgers_tenant_id_idx" ON "capture_ledgers"("tenant_id");

-- /metrics reads the sessions reported on lately.
CREATE INDEX "capture_ledgers_reported_at_idx" ON "capture_ledgers"("reported_at");

ALTER TABLE "capture_ledgers" ADD CONSTRAINT "capture_ledgers_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "capture_ledgers" ADD CONSTRAINT "capture_ledgers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
