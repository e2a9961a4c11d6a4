/**
 * Every serving of context writes its injection receipt (common/server/context-receipts.ts): the
 * SessionStart answer (keyed by the hook event, so a retried SessionStart writes once), GET
 * /v1/context for the CLI, the MCP `context` tool and the MCP resources (keyed by the request's
 * Idempotency-Key when it sends one), and the records the MCP `search` and `get` tools hand over
 * (GET /v1/search and POST /v1/memories:batchGet with a `channel`: a person's search is no injection). A receipt that cannot be written is logged, never a failed
 * serving: the agent's context matters more than its accounting.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { countTokens } from '../../common/rules/tokens.js';
import { writeReceipt, type ReceiptInput } from '../../common/server/context-receipts.js';
import { RECEIPT_CHANNEL } from '../../messages/api-v1.js';
import { resolveProjectId } from '../search/project-lookup.js';
import type { BuiltContext } from './start-context.js';

/** `channel` of the routes an MCP tool reads through (search, get): given, the answer writes a receipt. */
/** A receipt's channel as the record and search routes take it (a prefetch is GET /v1/context's only). */
export const channelParam = z
  .string()
  .regex(RECEIPT_CHANNEL, 'must be session_start, api, resource or mcp_tool:<name>')
  .refine((c) => c !== 'prefetch', 'prefetch: only GET /v1/context takes it');

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

/** A record handed over by search or get: the text the agent reads of it, and why it is there. */
export interface ServedRecord {
  id: string;
  type: string;
  project: string | undefined;
  text: string;
  score: number;
  reason: string;
}

/** One receipt per project of the records (no token budget: 0), keyed per request. */
export async function recordServedRecords(pool: PgPool, log: FastifyBaseLogger, tenantId: string, channel: string, records: ServedRecord[]): Promise<void> {
  const byProject = new Map<string, ServedRecord[]>();
  for (const r of records) if (r.project) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
  for (const [project, rows] of byProject) {
    const projectId = await resolveProjectId(pool, tenantId, project);
    if (!projectId) continue;
    const items = rows.map((r) => ({ id: r.id, type: r.type, tokens: countTokens(r.text), score: r.score, reason: r.reason }));
    const totalTokens = items.reduce((a, i) => a + i.tokens, 0);
    await writeReceipt(pool, { tenantId, projectId, channel, idempotencyKey: `${channel}:${randomUUID()}`, budget: 0, totalTokens, items }).catch((err: Error) =>
      log.warn({ err: err.message, tenantId, channel }, 'injection receipt not written'),
    );
  }
}
