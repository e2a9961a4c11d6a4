/**
 * The outbox of session signals (table session_signals): per session, what captured batches added
 * since its workflow was last told. Recorded in the transaction that turns events into observations,
 * so no batch can be captured without its signal being owed; removed (or reduced by what was sent)
 * once the signal went through. Counts, not flags, so a batch recorded while a signal was in flight
 * is never lost by the acknowledgement of that signal.
 */
import type { PgPool } from '../../common/server/pg.js';
import type { CaptureCounts, CaptureProgress } from '../../messages/capture-v1.js';

export interface OwedSignal {
  sessionId: string;
  tenantId: string;
  projectId: string;
  agentSessionId: string;
  progress: CaptureProgress;
}

/** An outbox row: the session it signals and the capture counts it carries. */
interface Row extends CaptureCounts {
  session_id: string;
  tenant_id: string;
  project_id: string;
  agent_session_id: string;
  through_sequence: number;
}

const toOwed = (r: Row): OwedSignal => ({
  sessionId: r.session_id,
  tenantId: r.tenant_id,
  projectId: r.project_id,
  agentSessionId: r.agent_session_id,
  progress: { events: r.events, tokens: r.tokens, starts: r.starts, stops: r.stops, ends: r.ends, compacts: r.compacts, throughSequence: r.through_sequence },
});

const COLUMNS = `session_id::text, tenant_id::text, project_id::text, agent_session_id, events, tokens, starts, stops, ends, compacts, through_sequence`;

/**
 * What a session's workflow is owed now, claimed for `claimMs` by the caller, who sends it and then
 * settles or releases it. Undefined: nothing owed, or another process is sending it (what it did
 * not cover stays owed, and is sent by the next signal or the sweeper).
 */
export async function claimOwed(pool: PgPool, sessionId: string, claimMs: number): Promise<OwedSignal | undefined> {
  const { rows } = await pool.query<Row>(
    `UPDATE session_signals SET claimed_until = now() + make_interval(secs => $2::float8 / 1000)
      WHERE session_id = $1 AND (claimed_until IS NULL OR claimed_until < now())
      RETURNING ${COLUMNS}`,
    [sessionId, claimMs],
  );
  return rows[0] ? toOwed(rows[0]) : undefined;
}

/** The signal `sent` went through: what it covered is no longer owed (later batches still are). */
export async function settleOwed(pool: PgPool, sent: OwedSignal): Promise<void> {
  const p = sent.progress;
  const { rowCount } = await pool.query(`DELETE FROM session_signals WHERE session_id = $1 AND events = $2`, [sent.sessionId, p.events]);
  if (rowCount) return;
  await pool.query(
    `UPDATE session_signals SET events = events - $2, tokens = tokens - $3, starts = starts - $4, stops = stops - $5,
            ends = ends - $6, compacts = compacts - $7, created_at = now(), claimed_until = NULL
      WHERE session_id = $1`,
    [sent.sessionId, p.events, p.tokens, p.starts, p.stops, p.ends, p.compacts],
  );
}

/** The signal did not go through: the row is owed as before, free for the next sender. */
export async function releaseOwed(pool: PgPool, sessionId: string): Promise<void> {
  await pool.query(`UPDATE session_signals SET claimed_until = NULL WHERE session_id = $1`, [sessionId]);
}

/**
 * Sessions whose signal is overdue: recorded more than `graceMs` ago and not sent (the API that
 * captured them died, or Temporal was away), or owed for longer than `maxAgeMs` while the session
 * kept busy (so a long quiet stretch of a session's workflow is never mistaken for idleness).
 */
export async function overdueOwed(pool: PgPool, graceMs: number, maxAgeMs: number, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ session_id: string }>(
    `SELECT session_id::text FROM session_signals
      WHERE (updated_at < now() - make_interval(secs => $1::float8 / 1000) OR created_at < now() - make_interval(secs => $2::float8 / 1000))
        AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY updated_at LIMIT $3`,
    [graceMs, maxAgeMs, limit],
  );
  return rows.map((r) => r.session_id);
}
