/**
 * Every serving of context writes its injection receipt (common/server/context-receipts.ts): the
 * SessionStart answer (keyed by the hook event, so a retried SessionStart writes once), GET
 * /v1/context for the CLI, the MCP `context` tool and the MCP resources (keyed by the request's
 * Idempotency-Key when it sends one). The records the MCP `search` and `get` tools hand over get
 * theirs from the routes that answer them (recordServedRecords, common/server/context-receipts.ts).
 * A receipt that cannot be written is logged, never a failed serving: the agent's context matters
 * more than its accounting.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { PgPool } from '../../common/server/pg.js';
import { writeReceipt, type ReceiptInput } from '../../common/server/context-receipts.js';
import type { BuiltContext } from './start-context.js';

/** A receipt's serving: who was handed context, where, under which budget (the items come from the built context). */
export type Serving = Omit<ReceiptInput, 'totalTokens' | 'items'>;

export async function recordServing(pool: PgPool, log: FastifyBaseLogger, serving: Serving, built: BuiltContext): Promise<void> {
  const items = (built.served ?? []).filter((i) => i.included);
  const withheld = (built.served ?? []).filter((i) => !i.included);
  await writeReceipt(pool, { ...serving, totalTokens: built.tokens, items, withheld }).catch((err: Error) =>
    log.warn({ err: err.message, tenantId: serving.tenantId, channel: serving.channel }, 'injection receipt not written'),
  );
}

/** The session a caller names (its agent's session id) in the project, when memflow knows it. */
export async function sessionOfAgentId(pool: PgPool, tenantId: string, projectId: string, agentSessionId: string | undefined): Promise<string | null> {
  if (!agentSessionId) return null;
  const { rows } = await pool.query<{ id: string }>('select id from sessions where tenant_id = $1 and project_id = $2 and agent_session_id = $3', [tenantId, projectId, agentSessionId]);
  return rows[0]?.id ?? null;
}
