/**
 * What GET /v1/live reads from PostgreSQL each tick: whether the key still stands, the tenant's
 * sessions that changed since a moment (newest first), and the latest items of each, in one
 * statement for all of them (a first tick covers up to 100 sessions).
 */
import type { PgPool } from '../../common/server/pg.js';
import { SESSION_COLUMNS, SESSION_JOINS, type SessionRow as ListedSession } from '../sessions/session-list.js';

const ITEM_TEXT_CHARS = 4000;

export interface SessionRow extends ListedSession {
  changed_at: Date;
}

export interface LiveItem {
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

/** The key has not been revoked (a revoked key's stream ends at the next tick). */
export async function keyIsLive(pool: PgPool, keyId: string): Promise<boolean> {
  const key = await pool.query('SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL', [keyId]);
  return key.rowCount !== 0;
}

/** The tenant's sessions (of one project, or all) that changed after `since`, newest first. */
export async function changedSessions(pool: PgPool, tenantId: string, project: string | undefined, since: Date, limit: number): Promise<SessionRow[]> {
  const { rows } = await pool.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS},
            GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) AS changed_at
       FROM sessions s JOIN projects p ON p.id = s.project_id ${SESSION_JOINS}
      WHERE s.tenant_id = $1 AND ($2::text IS NULL OR p.name = $2)
        AND GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) > $3
      ORDER BY changed_at DESC LIMIT $4`,
    [tenantId, project ?? null, since, limit],
  );
  return rows;
}

/** The latest `items` items of each session, oldest first, by session id. */
export async function latestItems(pool: PgPool, tenantId: string, sessionIds: string[], items: number): Promise<Map<string, LiveItem[]>> {
  const itemsBySession = new Map<string, LiveItem[]>();
  if (sessionIds.length === 0) return itemsBySession;
  const { rows: itemRows } = await pool.query<LiveItem & { session_id: string }>(
    `SELECT session_id::text, id::text, kind::text, "toolName", "toolUseId", "createdAt", sequence, title, text, truncated FROM (
       SELECT o.session_id, o.id, o.kind, o.tool_name AS "toolName", o.tool_use_id AS "toolUseId", o.created_at AS "createdAt", o.sequence, o.title,
              left(o.text, ${ITEM_TEXT_CHARS}) AS text, length(o.text) > ${ITEM_TEXT_CHARS} AS truncated,
              row_number() OVER (PARTITION BY o.session_id ORDER BY o.sequence DESC) AS rn
         FROM observations o WHERE o.session_id = ANY($1::uuid[]) AND o.tenant_id = $2) latest
     WHERE rn <= $3 ORDER BY session_id, sequence`,
    [sessionIds, tenantId, items],
  );
  for (const { session_id, ...item } of itemRows) {
    const list = itemsBySession.get(session_id) ?? [];
    list.push(item);
    itemsBySession.set(session_id, list);
  }
  return itemsBySession;
}
