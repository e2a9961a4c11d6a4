/**
 * Every serving of context writes its injection receipt (common/server/context-receipts.ts): the
 * SessionStart answer (keyed by the hook event, so a retried SessionStart writes once), GET
 * /v1/context for the CLI, the MCP `context` tool and the MCP resources (keyed by the request's
 * Idempotency-Key when it sends one). The records the MCP `search` and `get` tools hand over get
 * theirs from the routes that answer them (recordServedRecords, common/server/context-receipts.ts).
 * A receipt that cannot be written is logged, never a failed serving: the agent's context matters
 * more than its accounting.
 *
 * A receipt says only what the agent was handed. The relay reads a prompt's or a file's push within a
 * budget and gives the agent nothing when the answer comes later; so it asks for its pushes with
 * `X-Memflow-Receipt: on-delivery`, and such a serving is an offer (`offerServing`: its id goes back in
 * the answer's `receipt`, its write is not waited for) that becomes the receipt when the relay says it
 * handed the push over (POST /v1/context/receipts/{id}/delivered, receipt-routes.ts: it waits for the
 * offer's write); an offer nobody confirms is dropped after ten minutes. Every receipt names the
 * agent's own session id when the caller gave it, so "already pushed to this session" (`pushedTo`)
 * holds across the prompt's push and the file's before memflow knows the session (its SessionStart may
 * still be in the relay's spool).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PgPool } from '../../common/server/pg.js';
import { writeReceipt, type ReceiptInput } from '../../common/server/context-receipts.js';
import type { BuiltContext } from './start-context.js';

/** A receipt's serving: who was handed context, where, under which budget (the items come from the built context). */
export type Serving = Omit<ReceiptInput, 'totalTokens' | 'items'>;

/** The receipt a serving writes: its included items, and what it left out. */
function receiptOf(serving: Serving, built: BuiltContext): ReceiptInput {
  const items = (built.served ?? []).filter((i) => i.included);
  const withheld = (built.served ?? []).filter((i) => !i.included);
  return { ...serving, totalTokens: built.tokens, items, withheld };
}

export async function recordServing(pool: PgPool, log: FastifyBaseLogger, serving: Serving, built: BuiltContext): Promise<void> {
  await writeReceipt(pool, receiptOf(serving, built)).catch((err: Error) => log.warn({ err: err.message, tenantId: serving.tenantId, channel: serving.channel }, 'injection receipt not written'));
}

/** How long an offer waits for the relay's word that the agent got it. */
export const OFFER_TTL_MINUTES = 10;

/**
 * Offers of this process whose write is under way, by id: a confirmation that arrives before its offer's
 * write (the relay confirms right after the hook's answer, which does not wait for the write) waits for it.
 */
const offersInFlight = new Map<string, Promise<void>>();

/**
 * Keeps a serving as an offer (written as the receipt on delivery) and returns its id at once: the write is
 * sent now and not waited for, so the push leaves without a write on its critical path (a confirmation
 * waits for it: deliverOffer). A write that fails is logged and the offer is none: its confirmation finds
 * nothing, and no receipt says the agent got it. Offers older than OFFER_TTL_MINUTES go in the same statement.
 */
export function offerServing(pool: PgPool, log: FastifyBaseLogger, serving: Serving, built: BuiltContext): string {
  const id = randomUUID();
  const write = pool
    .query(
      `with expired as (delete from context_receipt_offers where created_at < now() - make_interval(mins => ${OFFER_TTL_MINUTES}))
       insert into context_receipt_offers (id, tenant_id, receipt) values ($1, $2, $3::jsonb)`,
      [id, serving.tenantId, JSON.stringify(receiptOf(serving, built))],
    )
    .then(
      () => undefined,
      (err: Error) => log.warn({ err: err.message, tenantId: serving.tenantId, channel: serving.channel }, 'injection receipt offer not kept'),
    )
    .finally(() => offersInFlight.delete(id));
  offersInFlight.set(id, write);
  return id;
}

/** Waits for the offers this process is still writing (before the server closes its pool). */
export async function drainOffers(): Promise<void> {
  while (offersInFlight.size > 0) await Promise.allSettled([...offersInFlight.values()]);
}

/**
 * Waits before an offer not found is looked for again: another API process may still be writing it (its answer
 * left before the write; the relay's confirmation came here). Only a confirmation that finds nothing waits.
 */
const OFFER_RETRY_MS = [50, 250];

/**
 * The relay handed an offered push to the agent: the offer becomes its receipt (idempotent: the receipt's
 * key writes it once; a second word finds the offer gone). False when the tenant holds no such offer.
 */
export async function deliverOffer(pool: PgPool, tenantId: string, offerId: string): Promise<boolean> {
  const take = async () => {
    await offersInFlight.get(offerId);
    const { rows } = await pool.query<{ receipt: ReceiptInput }>('delete from context_receipt_offers where id = $1 and tenant_id = $2 returning receipt', [offerId, tenantId]);
    return rows[0]?.receipt;
  };
  let receipt = await take();
  for (const ms of OFFER_RETRY_MS) {
    if (receipt) break;
    await new Promise((resolve) => setTimeout(resolve, ms));
    receipt = await take();
  }
  if (!receipt) return false;
  // The session the agent's session id names, known now if it was not when the push was offered.
  const sessionId = receipt.sessionId ?? (await sessionOfAgentId(pool, tenantId, receipt.projectId, receipt.agentSessionId ?? undefined));
  await writeReceipt(pool, { ...receipt, sessionId });
  return true;
}

/** The session a caller names (its agent's session id) in the project, when memflow knows it. */
export async function sessionOfAgentId(pool: PgPool, tenantId: string, projectId: string, agentSessionId: string | undefined): Promise<string | null> {
  if (!agentSessionId) return null;
  const { rows } = await pool.query<{ id: string }>('select id from sessions where tenant_id = $1 and project_id = $2 and agent_session_id = $3', [tenantId, projectId, agentSessionId]);
  return rows[0]?.id ?? null;
}

/**
 * What the asking session was pushed already, with a prompt or at a file, read once per statement ($1
 * tenant, $2 project, $n the agent's session id): by the agent's session id the receipt names (written
 * before memflow knew the session) or by the session it belongs to. An item of the start context is
 * pushed once more where it bears (docs/push.md: by then the start context is far behind and may have
 * been compacted away).
 */
export const pushedTo = (n: number) => `pushed as materialized (
  select ri.item_id from context_receipts r join context_receipt_items ri on ri.receipt_id = r.id
  where r.tenant_id = $1 and r.project_id = $2 and r.channel in ('user_prompt', 'file_touch')
    and (r.agent_session_id = $${n}::text
      or r.session_id = (select s.id from sessions s where s.tenant_id = $1 and s.project_id = $2 and s.agent_session_id = $${n}::text))
)`;
