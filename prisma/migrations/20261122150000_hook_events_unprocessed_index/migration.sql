-- CreateIndex
CREATE INDEX "hook_events_processed_at_received_at_idx" ON "hook_events"("processed_at", "received_at");
