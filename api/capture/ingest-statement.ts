/**
 * Runs the ingest statement (ingest-sql.ts) for a batch of distinct hook events and answers each
 * event's outcome in input order: stored (with its session and sequence), a repeated delivery of a
 * stored event, or refused because its API key was revoked meanwhile (the key cache never lets a
 * revoked key write). Repeated deliveries are recognized by key:
 * - keyed events (Idempotency-Key header, tool_use_id): the stored event with the same key;
 * - body-keyed events (neither): a repeat only of the session's latest event (see idempotencyKey()).
 */
import crypto from 'node:crypto';
import type { PgPool } from '../../common/server/pg.js';
import type { HookEventName } from '../../messages/hooks-v1.js';
import { INGEST_SQL, type IngestRow } from './ingest-sql.js';
import type { RenderedItem } from './timeline-item.js';

export interface IngestInput {
  tenantId: string;
  /** The API key the event came with: the write is refused if it was revoked meanwhile. */
  keyId: string;
  projectName: string;
  event: HookEventName;
  agentSessionId: string;
  idempotencyKey: string;
  /** The API request's id (x-request-id), kept with the event for the logs downstream. */
  requestId?: string;
  /** When it happened, if not now: an event delivered late from a hook client's spool. */
  occurredAt?: Date;
  /** The redacted payload as JSON (serialized once by the route). */
  payloadJson: string;
  originalBytes: number;
  truncated: boolean;
  cwd?: string;
  transcriptPath?: string;
  toolName?: string;
  toolUseId?: string;
  /** The event's timeline item (none for notifications and unknown events). */
  item?: RenderedItem;
  /** The agent that sent it and its version (agentOfPayload): a new session's row gets its first event's. */
  agent?: string;
  agentVersion?: string | null;
  /** Delivered by a hook client that keeps a capture ledger (X-Memflow-Client): counted on its session. */
  fromLedgerClient?: boolean;
}

export interface IngestResult {
  eventId: string;
  projectId: string;
  sessionId: string;
  sequence: number;
  duplicate: boolean;
  /** A duplicate whose event has already been turned into an observation. */
  processed: boolean;
}

/** The key was revoked (or its tenant erased) after the request was authenticated. */
export const KEY_REVOKED = 'key-revoked' as const;
export type IngestOutcome = IngestResult | typeof KEY_REVOKED;

const toResult = (r: IngestRow): IngestResult => ({
  eventId: r.event_id,
  projectId: r.project_id,
  sessionId: r.session_id,
  sequence: r.sequence,
  duplicate: r.duplicate,
  processed: r.processed,
});

/** The statements' names on each connection (from their text: a changed statement is prepared anew). */
const nameOf = (sql: string) => `mf_ingest_${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
const INGEST_NAMES = { ledger: nameOf(INGEST_SQL.ledger), plain: nameOf(INGEST_SQL.plain) };

/** Keys derived from the body alone (no Idempotency-Key header, no tool_use_id): see idempotencyKey(). */
const bodyKeyed = (i: IngestInput) => i.idempotencyKey.startsWith('b:');

/** One statement for a batch of distinct events; the outcome of each, in input order. */
export async function ingestMany(pool: PgPool, inputs: IngestInput[], ledger: boolean): Promise<IngestOutcome[]> {
  const outcomes: (IngestOutcome | 'retry')[] = await ingestOnce(pool, inputs, ledger);
  // A project created concurrently is committed by now (the insert waited for it): one more
  // statement sees it. Twice is already a sign of something else, so the loop is bounded.
  for (let round = 0; round < 3 && outcomes.includes('retry'); round++) {
    const again = outcomes.flatMap((o, n) => (o === 'retry' ? [n] : []));
    const redone = await ingestOnce(pool, again.map((n) => inputs[n]!), ledger);
    again.forEach((n, k) => (outcomes[n] = redone[k]!));
  }
  if (outcomes.includes('retry')) throw new Error('ingest: a project stayed invisible after three statements');
  return outcomes as IngestOutcome[];
}

async function ingestOnce(pool: PgPool, inputs: IngestInput[], ledger: boolean): Promise<(IngestOutcome | 'retry')[]> {
  const col = <T>(f: (i: IngestInput) => T) => inputs.map(f);
  // Named: planned once per connection (the API's pool keeps generic plans, common/server/pg.ts).
  const { rows } = await pool.query<IngestRow>({ name: ledger ? INGEST_NAMES.ledger : INGEST_NAMES.plain, text: ledger ? INGEST_SQL.ledger : INGEST_SQL.plain, values: [
    col((i) => i.tenantId),
    col((i) => i.idempotencyKey),
    col((i) => i.projectName),
    col((i) => i.agentSessionId),
    col((i) => i.cwd ?? null),
    col((i) => i.transcriptPath ?? null),
    col((i) => i.event),
    col((i) => i.toolName ?? null),
    col((i) => i.toolUseId ?? null),
    col((i) => i.payloadJson),
    col((i) => i.originalBytes),
    col((i) => i.truncated),
    col(bodyKeyed),
    col((i) => i.requestId ?? null),
    col((i) => i.keyId),
    col((i) => i.item?.kind ?? null),
    col((i) => i.item?.title ?? null),
    col((i) => i.item?.text ?? null),
    col((i) => i.item?.tokens ?? null),
    col((i) => i.item?.promptTokens ?? null),
    col((i) => i.item?.isResult ?? false),
    col((i) => i.occurredAt?.toISOString() ?? null),
    col((i) => i.agent ?? null),
    col((i) => i.agentVersion ?? null),
    ...(ledger ? [col((i) => i.fromLedgerClient === true)] : []),
  ] });
  const byOrd = new Map(rows.map((r) => [r.ord, r]));
  return inputs.map((_, n) => {
    const r = byOrd.get(n + 1);
    if (!r) return KEY_REVOKED;
    return r.retry ? 'retry' : toResult(r);
  });
}

