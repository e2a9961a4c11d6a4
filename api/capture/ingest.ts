/**
 * Makes one hook event durable in a single SQL statement: project upserted, the session's counter
 * incremented (its row lock orders concurrent events of one session), the event inserted with that
 * sequence. One statement is one implicit transaction: when a concurrent delivery of the same event
 * commits first, the unique index rejects this one and the counter increment is rolled back with it;
 * the stored event is then returned as the duplicate. One round trip in the common case.
 */
import type { PgPool } from '../../common/pg.js';
import type { HookEventName } from '../../common/hook-events.js';

export interface IngestInput {
  tenantId: string;
  projectName: string;
  event: HookEventName;
  agentSessionId: string;
  idempotencyKey: string;
  /** The API request's id (x-request-id), kept with the event for the logs downstream. */
  requestId?: string;
  /** The redacted payload as JSON (serialized once by the route). */
  payloadJson: string;
  originalBytes: number;
  truncated: boolean;
  cwd?: string;
  transcriptPath?: string;
  toolName?: string;
  toolUseId?: string;
}

export interface IngestResult {
  eventId: string;
  projectId: string;
  sessionId: string;
  sequence: number;
  duplicate: boolean;
  /** A duplicate whose event the workflow has already processed needs no signal. */
  processed: boolean;
}

interface Row {
  event_id: string;
  project_id: string;
  session_id: string;
  sequence: number;
  duplicate: boolean;
  processed: boolean;
}

// hook_event_name values are stored as the route names (session-start, ...); see schema.prisma.
const INGEST_SQL = `
WITH existing AS (
  SELECT id, project_id, session_id, sequence, processed_at
    FROM hook_events WHERE tenant_id = $1 AND idempotency_key = $2 AND NOT $13
  UNION ALL
  -- A body-keyed delivery repeats an event only when it is the same as the session's latest event.
  SELECT h.id, h.project_id, h.session_id, h.sequence, h.processed_at
    FROM sessions s
    JOIN projects p ON p.id = s.project_id AND p.tenant_id = $1 AND p.name = $3
    JOIN hook_events h ON h.tenant_id = $1 AND h.idempotency_key = $2 || ':' || s.event_count
   WHERE $13 AND s.tenant_id = $1 AND s.agent_session_id = $4
), project AS (
  INSERT INTO projects (tenant_id, name, last_seen_at, updated_at)
  SELECT $1, $3, now(), now() WHERE NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT (tenant_id, name) DO UPDATE SET last_seen_at = excluded.last_seen_at
  RETURNING id
), session AS (
  INSERT INTO sessions (tenant_id, project_id, agent_session_id, cwd, transcript_path, event_count, last_event_at, updated_at)
  SELECT $1, project.id, $4, $5, $6, 1, now(), now() FROM project
  ON CONFLICT (tenant_id, project_id, agent_session_id) DO UPDATE
     SET event_count = sessions.event_count + 1, last_event_at = now(), updated_at = now(),
         -- a resumed session (or a late event) is active again until its workflow closes it
         status = 'active', ended_at = NULL
  RETURNING id, project_id, event_count
), inserted AS (
  INSERT INTO hook_events (tenant_id, project_id, session_id, event, sequence, idempotency_key,
                           tool_name, tool_use_id, payload, original_bytes, truncated, request_id)
  SELECT $1, session.project_id, session.id, $7::hook_event_name, session.event_count,
         CASE WHEN $13 THEN $2 || ':' || session.event_count ELSE $2 END,
         $8, $9, $10::jsonb, $11, $12, $14
    FROM session
  RETURNING id, project_id, session_id, sequence
)
SELECT id::text AS event_id, project_id::text, session_id::text, sequence, false AS duplicate, false AS processed FROM inserted
UNION ALL
SELECT id::text, project_id::text, session_id::text, sequence, true, processed_at IS NOT NULL FROM existing`;

const toResult = (r: Row): IngestResult => ({
  eventId: r.event_id,
  projectId: r.project_id,
  sessionId: r.session_id,
  sequence: r.sequence,
  duplicate: r.duplicate,
  processed: r.processed,
});

export async function ingestEvent(pool: PgPool, input: IngestInput): Promise<IngestResult> {
  const params = [
    input.tenantId,
    input.idempotencyKey,
    input.projectName,
    input.agentSessionId,
    input.cwd ?? null,
    input.transcriptPath ?? null,
    input.event,
    input.toolName ?? null,
    input.toolUseId ?? null,
    input.payloadJson,
    input.originalBytes,
    input.truncated,
    // Keys derived from the body alone (no Idempotency-Key header, no tool_use_id): see idempotencyKey().
    input.idempotencyKey.startsWith('b:'),
    input.requestId ?? null,
  ];
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await pool.query<Row>(INGEST_SQL, params);
      if (rows[0]) return toResult(rows[0]);
      throw new Error('ingest statement returned no row');
    } catch (err) {
      // Another delivery of the same event committed first: the next attempt returns it.
      if ((err as { code?: string }).code === '23505' && attempt === 0) continue;
      throw err;
    }
  }
}
