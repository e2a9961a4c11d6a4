/**
 * What the live stream (live-stream.ts) reads on every tick: whether the key still holds, which
 * sessions changed since a moment, their latest items, and what a running session's workflow says.
 */
import type { Client } from '@temporalio/client';
import type { PgPool } from '../../common/server/pg.js';
import { sessionViewQuery, sessionWorkflowId, type ParkedView, type SessionStatus } from '../../messages/workflows-v1/session.js';
import { SESSION_COLUMNS, SESSION_JOINS, type SessionRow as ListedSession } from '../sessions/session-list.js';

const ITEM_TEXT_CHARS = 4000;

export interface ChangedSession extends ListedSession {
  changed_at: Date;
}

export interface LiveItemRow {
  id: string;
  kind: string;
  toolName: string | null;
  toolUseId: string | null;
  createdAt: Date;
  sequence: number;
  title: string;
  text: string;
  truncated: boolean;
}

export interface WorkflowView {
  status: SessionStatus;
  parked: ParkedView | null;
}

/** Whether a key still reads: not revoked, and not past its expiry (a single sign-on's key ends with its sign-in). */
export async function keyIsLive(pool: PgPool, keyId: string): Promise<boolean> {
  const key = await pool.query('SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())', [keyId]);
  return (key.rowCount ?? 0) > 0;
}

/** The tenant's sessions (of one project, or all) that changed after `since`, newest first. */
export async function changedSessions(pool: PgPool, tenantId: string, project: string | undefined, since: Date, limit: number, within?: readonly string[]): Promise<ChangedSession[]> {
  const { rows } = await pool.query<ChangedSession>(
    `SELECT ${SESSION_COLUMNS},
            GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) AS changed_at
       FROM sessions s JOIN projects p ON p.id = s.project_id ${SESSION_JOINS}
      WHERE s.tenant_id = $1 AND ($2::text IS NULL OR p.name = $2) AND ($5::text[] IS NULL OR p.name = ANY($5::text[]))
        AND GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) > $3
      ORDER BY changed_at DESC LIMIT $4`,
    [tenantId, project ?? null, since, limit, within ? [...within] : null],
  );
  return rows;
}

/** The latest `perSession` items of each session, in one statement (a first tick covers up to 100 sessions). */
export async function latestItems(pool: PgPool, tenantId: string, sessionIds: string[], perSession: number): Promise<Map<string, LiveItemRow[]>> {
  const bySession = new Map<string, LiveItemRow[]>();
  if (sessionIds.length === 0) return bySession;
  const { rows } = await pool.query<LiveItemRow & { session_id: string }>(
    `SELECT session_id::text, id::text, kind::text, "toolName", "toolUseId", "createdAt", sequence, title, text, truncated FROM (
       SELECT o.session_id, o.id, o.kind, o.tool_name AS "toolName", o.tool_use_id AS "toolUseId", o.created_at AS "createdAt", o.sequence, o.title,
              left(o.text, ${ITEM_TEXT_CHARS}) AS text, length(o.text) > ${ITEM_TEXT_CHARS} AS truncated,
              row_number() OVER (PARTITION BY o.session_id ORDER BY o.sequence DESC) AS rn
         FROM observations o WHERE o.session_id = ANY($1::uuid[]) AND o.tenant_id = $2) latest
     WHERE rn <= $3 ORDER BY session_id, sequence`,
    [sessionIds, tenantId, perSession],
  );
  for (const { session_id, ...item } of rows) {
    const list = bySession.get(session_id) ?? [];
    list.push(item);
    bySession.set(session_id, list);
  }
  return bySession;
}

/** A running session's status and parking as its workflow says (within a second), else PostgreSQL's. */
export async function workflowView(temporal: Client, tenantId: string, row: ChangedSession): Promise<WorkflowView> {
  if (row.status !== 'active' && row.status !== 'summarizing') return { status: row.status, parked: null };
  try {
    const handle = temporal.workflow.getHandle(sessionWorkflowId(tenantId, row.project_id, row.agent_session_id));
    const view = await temporal.connection.withDeadline(Date.now() + 1000, () => handle.query(sessionViewQuery));
    return { status: view.status, parked: view.parked };
  } catch {
    return { status: row.status, parked: null };
  }
}
