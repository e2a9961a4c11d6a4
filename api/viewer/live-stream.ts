/**
 * GET /v1/live: the tenant's sessions as they run, as server-sent events (text/event-stream), for the
 * web viewer's Live view (and any client with a key). Every tick (1 s) the stream sends, for each
 * session that changed, one `session` event: the session (status read from its workflow while it
 * runs, with why it is parked) and its latest items (prompts, tool calls with their results folded,
 * stops). The first tick sends the most recent sessions, then a `ready` event (the snapshot is
 * complete: a client may say "no sessions" now). The key is re-checked every tick: a revoked
 * key gets a `revoked` event and the stream ends. A comment line every 15 s keeps proxies from
 * closing an idle stream.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { DEFAULT_TUNING, sessionViewQuery, sessionWorkflowId, type ParkedView, type SessionStatus } from '../../messages/workflows-v1/session.js';
import { SESSION_COLUMNS, SESSION_JOINS, sessionItem, type SessionRow as ListedSession } from '../sessions/session-list.js';
import { requirePrincipal } from '../auth.js';
import { limitParam, parseOr400, projectParam } from '../validation.js';

export interface LiveRouteDeps {
  pool: PgPool;
  temporal: Client;
  /** The session workflow's idle timeout (ms), for when a running session closes by itself. */
  idleTimeoutMs?: number;
  /** Tick period (ms); tests may shorten it. */
  tickMs?: number;
}

export const liveQuery = z.object({ project: projectParam, limit: limitParam(30, 100), items: limitParam(30, 200) });

/** How far back each tick looks again: a group commit can make rows visible after later ones. */
const OVERLAP_MS = 3000;
const ITEM_TEXT_CHARS = 4000;

interface SessionRow extends ListedSession {
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

export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const tickMs = deps.tickMs ?? 1000;
  const idleTimeoutMs = deps.idleTimeoutMs ?? DEFAULT_TUNING.idleTimeoutMs;
  /** Open streams, ended when the server closes (a stream would otherwise hold it open). */
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  async function workflowView(tenantId: string, row: SessionRow): Promise<{ status: SessionStatus; parked: ParkedView | null }> {
    if (row.status !== 'active' && row.status !== 'summarizing') return { status: row.status, parked: null };
    try {
      const handle = deps.temporal.workflow.getHandle(sessionWorkflowId(tenantId, row.project_id, row.agent_session_id));
      const view = await deps.temporal.connection.withDeadline(Date.now() + 1000, () => handle.query(sessionViewQuery));
      return { status: view.status, parked: view.parked };
    } catch {
      return { status: row.status, parked: null };
    }
  }

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/live', async (req, reply) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const query = parseOr400(liveQuery, req.query);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': req.id,
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

    let closed = false;
    let watermark = new Date(0);
    let ticks = 0;
    let lastWrite = Date.now();
    /** What was last sent per session, so the overlap does not resend unchanged sessions. */
    const sent = new Map<string, string>();
    /** Sessions still running and what their workflow said last; re-read every few ticks (parking has no event). */
    const running = new Map<string, { row: SessionRow; view: { status: SessionStatus; parked: ParkedView | null } }>();

    const tick = async () => {
      const key = await deps.pool.query('SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL', [keyId]);
      // A viewer's stream ends with its session (signed out, or past its absolute limit).
      const ended = req.viewerSessionLive ? !req.viewerSessionLive() : false;
      if (key.rowCount === 0 || ended) {
        send('revoked', { message: ended ? 'the viewer session ended; sign in again' : 'the API key was revoked; sign in again' });
        closed = true;
        res.end();
        return;
      }
      const since = new Date(watermark.getTime() - OVERLAP_MS);
      const { rows } = await deps.pool.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS},
                GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) AS changed_at
           FROM sessions s JOIN projects p ON p.id = s.project_id ${SESSION_JOINS}
          WHERE s.tenant_id = $1 AND ($2::text IS NULL OR p.name = $2)
            AND GREATEST(s.updated_at, COALESCE(s.last_event_at, s.started_at), s.started_at) > $3
          ORDER BY changed_at DESC LIMIT $4`,
        [tenantId, query.project ?? null, since, query.limit],
      );
      const changed = new Map(rows.map((r) => [r.id, r]));
      if (ticks % 5 === 0) for (const [id, r] of running) if (!changed.has(id)) changed.set(id, r.row);
      // Oldest change first, so a client that applies them in order ends with the newest on top.
      const ordered = [...changed.values()].reverse();
      for (const row of ordered) if (row.changed_at > watermark) watermark = row.changed_at;
      // First what PostgreSQL says (at once: a running workflow may take up to a second to answer a
      // query), then, for running sessions, what their workflows say when it differs (parked, summarizing).
      const sendSession = (row: SessionRow, view: { status: SessionStatus; parked: ParkedView | null }, items: LiveItem[] | undefined) => {
        if (closed) return;
        send('session', {
          session: { ...sessionItem(row, idleTimeoutMs, view.status), parked: view.parked, changedAt: row.changed_at },
          ...(items ? { items } : {}),
        });
        lastWrite = Date.now();
      };
      const signatureOf = (row: SessionRow, view: { status: SessionStatus; parked: ParkedView | null }) => `${row.event_count}|${row.changed_at.getTime()}|${view.status}|${view.parked?.reason ?? ''}`;
      const dbView = (row: SessionRow) => ({ status: row.status, parked: null });
      const due = ordered.filter((row) => {
        const prev = sent.get(row.id);
        return prev === undefined || !prev.startsWith(`${row.event_count}|${row.changed_at.getTime()}|`);
      });
      // The latest items of every due session in one statement (a first tick covers up to 100 sessions).
      const itemsBySession = new Map<string, LiveItem[]>();
      if (due.length > 0) {
        const { rows: itemRows } = await deps.pool.query<LiveItem & { session_id: string }>(
          `SELECT session_id::text, id::text, kind::text, "toolName", "toolUseId", "createdAt", sequence, title, text, truncated FROM (
             SELECT o.session_id, o.id, o.kind, o.tool_name AS "toolName", o.tool_use_id AS "toolUseId", o.created_at AS "createdAt", o.sequence, o.title,
                    left(o.text, ${ITEM_TEXT_CHARS}) AS text, length(o.text) > ${ITEM_TEXT_CHARS} AS truncated,
                    row_number() OVER (PARTITION BY o.session_id ORDER BY o.sequence DESC) AS rn
               FROM observations o WHERE o.session_id = ANY($1::uuid[]) AND o.tenant_id = $2) latest
           WHERE rn <= $3 ORDER BY session_id, sequence`,
          [due.map((row) => row.id), tenantId, query.items],
        );
        for (const { session_id, ...item } of itemRows) {
          const list = itemsBySession.get(session_id) ?? [];
          list.push(item);
          itemsBySession.set(session_id, list);
        }
      }
      due.forEach((row) => {
        const view = running.get(row.id)?.view ?? dbView(row);
        sent.set(row.id, signatureOf(row, view));
        sendSession(row, view, itemsBySession.get(row.id) ?? []);
      });
      // Workflow queries in parallel: a first tick of 30 running sessions must not take 30 round trips.
      const live = ordered.filter((row) => row.status === 'active' || row.status === 'summarizing');
      const views = await Promise.all(live.map((row) => workflowView(tenantId, row)));
      live.forEach((row, i) => {
        const view = views[i]!;
        if (view.status === 'active' || view.status === 'summarizing') running.set(row.id, { row, view });
        else running.delete(row.id);
        const signature = signatureOf(row, view);
        if (sent.get(row.id) === signature) return;
        sent.set(row.id, signature);
        sendSession(row, view, undefined); // the items went out above (or earlier)
      });
      for (const row of ordered) if (row.status !== 'active' && row.status !== 'summarizing') running.delete(row.id);
      if (Date.now() - lastWrite > 15_000) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      ticks += 1;
    };

    let wake: (() => void) | undefined;
    const end = () => {
      closed = true;
      wake?.();
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    req.raw.on('close', end);
    send('hello', { tickMs });
    while (!closed) {
      try {
        await tick();
        if (ticks === 1 && !closed) send('ready', {});
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, 'live stream tick failed');
        send('error', { message: 'the server could not read the sessions; retrying' });
      }
      if (closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tickMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    open.delete(end);
    if (!res.writableEnded) res.end();
  });
}
