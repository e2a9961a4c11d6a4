-- Receipts tell the truth (docs/receipts.md, docs/push.md):
--
-- 1. A receipt names the agent's own session id (agent_session_id) whether or not memflow knows the
--    session yet: the relay reads a prompt's push before the session's SessionStart is delivered (it
--    waits in the relay's spool), so session_id is null then, and "already pushed to this session"
--    (api/context/context-receipt.ts pushedTo) missed what the prompt was handed. The session's uptake
--    later attributes such receipts by this id (common/server/context-receipts.ts ATTRIBUTE_SQL).
ALTER TABLE "context_receipts" ADD COLUMN "agent_session_id" VARCHAR(200);
CREATE INDEX "context_receipts_tenant_id_project_id_agent_session_id_idx" ON "context_receipts"("tenant_id", "project_id", "agent_session_id") WHERE "agent_session_id" IS NOT NULL;

-- 2. A push read by the relay within its budget is a receipt only once the relay says it handed it to
--    the agent (POST /v1/context/receipts/{id}/delivered): a push that came back past the budget was
--    never seen by the agent. Until then it is an offer, kept ten minutes at most.
CREATE TABLE "context_receipt_offers" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "receipt" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "context_receipt_offers_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "context_receipt_offers_created_at_idx" ON "context_receipt_offers"("created_at");
ALTER TABLE "context_receipt_offers" ADD CONSTRAINT "context_receipt_offers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
