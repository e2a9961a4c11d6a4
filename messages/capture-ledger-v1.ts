/**
 * The capture ledger's shapes: what happened to every hook event a hook client took, as
 * the client counts it and reports it (POST /v1/sessions/{id}/ledger), what the API counts itself,
 * and the reconciliation of the two that GET /v1/sessions/{id}, `memflow sessions show`, the viewer
 * and /metrics show. Pure: every layer may import it (the viewer imports the types only).
 *
 * Every event a client took ends as exactly one of: delivered (the API stored it; `late` when it
 * got there after a failed attempt, `duplicates` when the API answered that it already had it),
 * refused by the API (dropped for good, by the API's error code), dropped by the client (why), or
 * pending (still in the client's spool; `held` says why it is not moving). `lost` is what the client
 * took and can account for in none of those ways: it should always be 0.
 */
import { z } from 'zod';

const count = z.number().int().min(0).max(2_147_483_647);
/** Reason codes (an API error code such as payload_too_large, or the client's own such as spool_full). */
const reasons = z.record(z.string().min(1).max(80).regex(/^[a-z0-9_.:-]+$/, 'must be a reason code (a-z, 0-9, _ . : -)'), count).refine((r) => Object.keys(r).length <= 50, 'at most 50 reasons');

export const clientLedgerCounts = z.object({
  seen: count.describe('hook events the client took for this session'),
  delivered: count.describe('stored by the API (a 2xx answer)'),
  late: count.describe('of delivered: after at least one failed attempt (the API down, a refused key, a lost answer)'),
  duplicates: count.describe('answers that said the API already had the event (a repeat after a lost answer or a killed client)'),
  refused: reasons.describe('refused by the API for good, by its error code (413 payload_too_large, 400 invalid_payload, ...)'),
  dropped: reasons.describe('dropped by the client before the API saw them, by reason (spool_full, ...)'),
  pending: count.describe('still in the client\'s spool, waiting or on their way'),
  held: reasons.describe('of pending: why they are not moving (the last failed attempt: unreachable, unauthenticated, ...)'),
  lost: count.describe('taken but neither settled nor in the spool: should be 0'),
});
export type ClientLedgerCounts = z.infer<typeof clientLedgerCounts>;

/** POST /v1/sessions/{id}/ledger: a hook client's counts for one session. */
export const ledgerReport = z.object({
  clientId: z.uuid().describe('the hook client (one per spool directory, kept in it)'),
  counter: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('increases with every report of this client; an older or repeated one changes nothing'),
  counts: clientLedgerCounts,
});
export type LedgerReport = z.infer<typeof ledgerReport>;

export const EMPTY_CLIENT_COUNTS: ClientLedgerCounts = { seen: 0, delivered: 0, late: 0, duplicates: 0, refused: {}, dropped: {}, pending: 0, held: {}, lost: 0 };

/** What a repeated delivery matched when the API answered it as a duplicate. */
export const DUPLICATE_KINDS = ['idempotencyKey', 'toolUseId', 'body'] as const;
export type DuplicateKind = (typeof DUPLICATE_KINDS)[number];

/** What the API counted for a session (in the statement that stores its events). */
export interface ServerLedgerCounts {
  /** Events stored for the session (all sources). */
  accepted: number;
  /** Of those, delivered by a hook client that keeps a ledger (X-Memflow-Client). */
  fromClients: number;
  /** Repeated deliveries answered as duplicates, by what they matched. */
  duplicates: Record<DuplicateKind, number>;
}

export interface StoredReport {
  counts: ClientLedgerCounts;
  /** The session's `fromClients` when the report arrived. */
  serverEventsAtReport: number;
  reportedAt: Date | string;
}

export const captureLedgerStatus = z.enum(['reconciled', 'pending', 'unreconciled', 'unreported']);
export type CaptureLedgerStatus = z.infer<typeof captureLedgerStatus>;

/** The `capture` field of GET /v1/sessions/{id}. */
export const captureLedger = z.object({
  status: captureLedgerStatus.describe(
    'reconciled: every event the client took is accounted for and the API agrees; pending: events are still on their way (or arrived after the last report); unreconciled: the counts disagree (flagged); unreported: no hook client reported (e.g. an http hook)',
  ),
  flagged: z.boolean().describe('the counts do not reconcile'),
  unexplained: count.describe('events neither side can account for: missingOnServer + unclaimedOnServer + lost + the client\'s own arithmetic'),
  missingOnServer: count.describe('events the client says were delivered that the API has no record of'),
  unclaimedOnServer: count.describe('events the API stored from a ledger-keeping client that no client accounts for'),
  server: z.object({ accepted: count, fromClients: count, duplicates: z.object({ idempotencyKey: count, toolUseId: count, body: count }) }),
  client: clientLedgerCounts.nullable().describe('the clients\' last reports, summed; null when none reported'),
  clients: count.describe('hook clients that reported'),
  reportedAt: z.string().nullable().describe('the latest report (ISO 8601)'),
});
export type CaptureLedger = z.infer<typeof captureLedger>;

const addReasons = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};
const sumReasons = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export function addClientCounts(a: ClientLedgerCounts, b: ClientLedgerCounts): ClientLedgerCounts {
  const out = { ...a };
  for (const k of ['seen', 'delivered', 'late', 'duplicates', 'pending', 'lost'] as const) out[k] = a[k] + b[k];
  for (const k of ['refused', 'dropped', 'held'] as const) out[k] = addReasons(a[k], b[k]);
  return out;
}

/** Events the client's own counts leave unexplained (seen ≠ the sum of the outcomes, plus lost). */
export function clientUnexplained(c: ClientLedgerCounts): number {
  const settled = c.delivered + sumReasons(c.refused) + sumReasons(c.dropped) + c.pending + c.lost;
  return Math.abs(c.seen - settled) + c.lost;
}

/**
 * The reconciliation of one session: the clients' last reports against what the API stored.
 * Events that arrived after the latest report (the client reports once its lane is empty) make the
 * session `pending`, not `unreconciled`: the next report covers them.
 */
export function reconcileLedger(server: ServerLedgerCounts, reports: StoredReport[]): CaptureLedger {
  const base = { server, clients: reports.length };
  if (reports.length === 0) {
    return { ...base, status: 'unreported', flagged: false, unexplained: 0, missingOnServer: 0, unclaimedOnServer: 0, client: null, reportedAt: null };
  }
  const c = reports.map((r) => r.counts).reduce(addClientCounts, EMPTY_CLIENT_COUNTS);
  const latest = reports.map((r) => new Date(r.reportedAt).getTime()).reduce((a, b) => Math.max(a, b), 0);
  const movedSince = server.fromClients > Math.max(...reports.map((r) => r.serverEventsAtReport));
  const missingOnServer = Math.max(0, c.delivered - server.fromClients);
  const extra = Math.max(0, server.fromClients - c.delivered - c.pending);
  const unclaimedOnServer = movedSince ? 0 : extra;
  const unexplained = missingOnServer + unclaimedOnServer + clientUnexplained(c);
  const status: CaptureLedgerStatus = unexplained > 0 ? 'unreconciled' : c.pending > 0 || movedSince ? 'pending' : 'reconciled';
  return { ...base, status, flagged: status === 'unreconciled', unexplained, missingOnServer, unclaimedOnServer, client: c, reportedAt: new Date(latest).toISOString() };
}
