/**
 * The capture ledger's server side (docs/capture.md, "The capture ledger"). The API counts, per
 * session, the events stored from hook clients that keep a ledger (the client names itself with
 * X-Memflow-Client; the counter moves in the ingest statement's session upsert, ingest.ts) and the
 * repeated deliveries it answered as duplicates, by what they matched (one small update, only on a
 * duplicate). A client reports its own counts per session (POST /v1/sessions/{id}/ledger); the
 * session's answer reconciles the two (messages/capture-ledger-v1.ts).
 */
import type { PgPool } from '../../common/server/pg.js';
import { reconcileLedger, type CaptureLedger, type ClientLedgerCounts, type DuplicateKind, type LedgerReport, type StoredReport } from '../../messages/capture-ledger-v1.js';

/** X-Memflow-Client: the ledger-keeping client's id (a UUID), or undefined. */
export function ledgerClientOf(header: unknown): string | undefined {
  return typeof header === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(header) ? header.toLowerCase() : undefined;
}

/** What a duplicate matched, from the key ingest stored it under (idempotencyKey, hook-routes.ts). */
export function duplicateKindOf(idempotencyKey: string): DuplicateKind {
  return idempotencyKey.startsWith('h:') ? 'idempotencyKey' : idempotencyKey.startsWith('t:') ? 'toolUseId' : 'body';
}

const DUP_COLUMN: Record<DuplicateKind, string> = { idempotencyKey: 'ledger_dup_key', toolUseId: 'ledger_dup_tool', body: 'ledger_dup_body' };

/** A repeated delivery was answered as a duplicate: counted on its session. */
export async function countDuplicate(pool: PgPool, sessionId: string, kind: DuplicateKind): Promise<void> {
  const column = DUP_COLUMN[kind];
  await pool.query(`UPDATE sessions SET ${column} = ${column} + 1 WHERE id = $1`, [sessionId]);
}

/**
 * Stores a client's report for a session, unless one with the same or a higher counter is already
 * there (a repeat or an older report changes nothing). Returns whether it was applied.
 */
export async function storeLedgerReport(pool: PgPool, tenantId: string, sessionId: string, report: LedgerReport): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO capture_ledgers (session_id, client_id, tenant_id, counter, counts, server_events, reported_at)
     SELECT s.id, $2::uuid, s.tenant_id, $4::bigint, $5::jsonb, s.ledger_client_events, now() FROM sessions s WHERE s.id = $1::uuid AND s.tenant_id = $3::uuid
     ON CONFLICT (session_id, client_id) DO UPDATE
        SET counter = excluded.counter, counts = excluded.counts, server_events = excluded.server_events, reported_at = excluded.reported_at
      WHERE capture_ledgers.counter < excluded.counter`,
    [sessionId, report.clientId, tenantId, report.counter, JSON.stringify(report.counts)],
  );
  return (rowCount ?? 0) > 0;
}

interface LedgerRow {
  session_id: string;
  accepted: number;
  from_clients: number;
  dup_key: number;
  dup_tool: number;
  dup_body: number;
  counts: ClientLedgerCounts | null;
  server_events: number | null;
  reported_at: Date | null;
}

const LEDGER_SELECT = `SELECT s.id::text AS session_id, s.event_count AS accepted, s.ledger_client_events AS from_clients, s.ledger_dup_key AS dup_key,
       s.ledger_dup_tool AS dup_tool, s.ledger_dup_body AS dup_body, l.counts, l.server_events, l.reported_at
  FROM sessions s LEFT JOIN capture_ledgers l ON l.session_id = s.id`;

function ledgersOf(rows: LedgerRow[]): Map<string, CaptureLedger> {
  const by = new Map<string, { first: LedgerRow; reports: StoredReport[] }>();
  for (const r of rows) {
    const e = by.get(r.session_id) ?? { first: r, reports: [] };
    if (r.counts && r.server_events !== null && r.reported_at) e.reports.push({ counts: r.counts, serverEventsAtReport: r.server_events, reportedAt: r.reported_at });
    by.set(r.session_id, e);
  }
  return new Map(
    [...by].map(([id, { first: r, reports }]) => [
      id,
      reconcileLedger({ accepted: r.accepted, fromClients: r.from_clients, duplicates: { idempotencyKey: r.dup_key, toolUseId: r.dup_tool, body: r.dup_body } }, reports),
    ]),
  );
}

/** The reconciled ledger of one session (by its row id), tenant-scoped. */
export async function sessionLedger(pool: PgPool, tenantId: string, sessionId: string): Promise<CaptureLedger | undefined> {
  const { rows } = await pool.query<LedgerRow>(`${LEDGER_SELECT} WHERE s.id = $1::uuid AND s.tenant_id = $2::uuid`, [sessionId, tenantId]);
  return ledgersOf(rows).get(sessionId);
}

/** Sessions reported on within `sinceMs`, reconciled (the metrics' gauges). */
export async function recentLedgers(pool: PgPool, sinceMs: number): Promise<CaptureLedger[]> {
  const { rows } = await pool.query<LedgerRow>(
    `${LEDGER_SELECT} WHERE s.id IN (SELECT session_id FROM capture_ledgers WHERE reported_at > now() - make_interval(secs => $1::double precision / 1000))`,
    [sinceMs],
  );
  return [...ledgersOf(rows).values()];
}
