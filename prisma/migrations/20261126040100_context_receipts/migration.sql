-- Injection receipts: every time memflow hands context to an agent (the SessionStart answer,
-- GET /v1/context, the MCP tools and resources), what it handed over — which items, their token
-- cost, the budget, why each was chosen — and, once the receiving session closed, whether the agent
-- used each item (uptake) and the evidence. Context ranking reads the items' uptake back.
CREATE TABLE "context_receipts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "session_id" UUID,
    "channel" VARCHAR(80) NOT NULL,
    "idempotency_key" VARCHAR(300) NOT NULL,
    "budget" INTEGER NOT NULL,
    "total_tokens" INTEGER NOT NULL,
    "uptake_measured_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "context_receipts_pkey" PRIMARY KEY ("id")
);

-- A retried SessionStart (or any repeated serving) writes its receipt once.
CREATE UNIQUE INDEX "context_receipts_tenant_id_idempotency_key_key" ON "context_receipts"("tenant_id", "idempotency_key");
CREATE INDEX "context_receipts_tenant_id_project_id_created_at_idx" ON "context_receipts"("tenant_id", "project_id", "created_at" DESC);
CREATE INDEX "context_receipts_session_id_idx" ON "context_receipts"("session_id");

CREATE TABLE "context_receipt_items" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "receipt_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "item_type" VARCHAR(20) NOT NULL,
    "item_id" UUID NOT NULL,
    "tokens" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "used" BOOLEAN,
    "evidence" TEXT,

    CONSTRAINT "context_receipt_items_pkey" PRIMARY KEY ("id")
);

-- An item is its receipt's n-th (uptake is written by receipt and position); an id of its own pages backups.
CREATE UNIQUE INDEX "context_receipt_items_receipt_id_position_key" ON "context_receipt_items"("receipt_id", "position");

-- Context ranking reads an item's uptake by its id.
CREATE INDEX "context_receipt_items_item_id_idx" ON "context_receipt_items"("item_id");

ALTER TABLE "context_receipts" ADD CONSTRAINT "context_receipts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "context_receipts" ADD CONSTRAINT "context_receipts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "context_receipts" ADD CONSTRAINT "context_receipts_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "context_receipt_items" ADD CONSTRAINT "context_receipt_items_receipt_id_fkey" FOREIGN KEY ("receipt_id") REFERENCES "context_receipts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
