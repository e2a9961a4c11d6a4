/**
 * GET /v1/live: the tenant's sessions as they run, as server-sent events (text/event-stream), for the
 * web viewer's Live view (and any client with a key). Every tick (1 s) the stream sends, for each
 * session that changed, one `session` event: the session (status read from its workflow while it
 * runs, with why it is parked) and its latest items (prompts, tool calls with their results folded,
 * stops). The first tick sends the most recent sessions, then a `ready` event (the snapshot is
 * complete: a client may say "no sessions" now). The key is re-checked every tick: a revoked
 * key (or a sign-in's key past its expiry) gets a `revoked` event and the stream ends. A comment line every 15 s keeps proxies from
 * closing an idle stream.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { DEFAULT_TUNING } from '../../messages/workflows-v1/session.js';
import { sessionItem } from '../sessions/session-list.js';
import { requirePrincipal } from '../auth.js';
import { limitParam, parseOr400, projectParam } from '../validation.js';
import { documented } from '../openapi-doc.js';
import { changedSessions, keyIsLive, latestItems, workflowView, type ChangedSession, type LiveItemRow, type WorkflowView } from './live-reads.js';

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

export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const tickMs = deps.tickMs ?? 1000;
  const idleTimeoutMs = deps.idleTimeoutMs ?? DEFAULT_TUNING.idleTimeoutMs;
  /** Open streams, ended when the server closes (a stream would otherwise hold it open). */
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  const liveDoc = documented({
    summary: "The tenant's sessions as they run (server-sent events: hello, session, ready after the first snapshot, revoked, error)",
    tags: ['sessions'],
    query: liveQuery,
    answers: { 200: { mediaType: 'text/event-stream', description: '`session` events: {session:{id,project,status,parked,startedAt,endedAt,eventCount,changedAt},items:[...]}' } },
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/live', liveDoc, async (req, reply) => {
    const { tenantId, keyId, projects } = requirePrincipal(req);
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
    const running = new Map<string, { row: ChangedSession; view: WorkflowView }>();

    const tick = async () => {
      const keyLive = await keyIsLive(deps.pool, keyId);
      // A viewer's stream ends with its session (signed out, or past its absolute limit).
      const ended = req.viewerSessionLive ? !req.viewerSessionLive() : false;
      if (!keyLive || ended) {
        send('revoked', { message: ended ? 'the viewer session ended; sign in again' : 'the API key was revoked or its sign-in ended; sign in again' });
        closed = true;
        res.end();
        return;
      }
      const since = new Date(watermark.getTime() - OVERLAP_MS);
      // A key limited to projects, naming none, follows its projects' sessions (api/access.ts: `namedOrListing`).
      const rows = await changedSessions(deps.pool, tenantId, query.project, since, query.limit, projects);
      const changed = new Map(rows.map((r) => [r.id, r]));
      if (ticks % 5 === 0) for (const [id, r] of running) if (!changed.has(id)) changed.set(id, r.row);
      // Oldest change first, so a client that applies them in order ends with the newest on top.
      const ordered = [...changed.values()].reverse();
      for (const row of ordered) if (row.changed_at > watermark) watermark = row.changed_at;
      // First what PostgreSQL says (at once: a running workflow may take up to a second to answer a
      // query), then, for running sessions, what their workflows say when it differs (parked, summarizing).
      const sendSession = (row: ChangedSession, view: WorkflowView, items: LiveItemRow[] | undefined) => {
        if (closed) return;
        send('session', {
          session: { ...sessionItem(row, idleTimeoutMs, view.status), parked: view.parked, changedAt: row.changed_at },
          ...(items ? { items } : {}),
        });
        lastWrite = Date.now();
      };
      const signatureOf = (row: ChangedSession, view: WorkflowView) => `${row.event_count}|${row.changed_at.getTime()}|${view.status}|${view.parked?.reason ?? ''}`;
      const dbView = (row: ChangedSession): WorkflowView => ({ status: row.status, parked: null });
      const due = ordered.filter((row) => {
        const prev = sent.get(row.id);
        return prev === undefined || !prev.startsWith(`${row.event_count}|${row.changed_at.getTime()}|`);
      });
      const itemsBySession = await latestItems(deps.pool, tenantId, due.map((row) => row.id), query.items);
      due.forEach((row) => {
        const view = running.get(row.id)?.view ?? dbView(row);
        sent.set(row.id, signatureOf(row, view));
        sendSession(row, view, itemsBySession.get(row.id) ?? []);
      });
      // Workflow queries in parallel: a first tick of 30 running sessions must not take 30 round trips.
      const live = ordered.filter((row) => row.status === 'active' || row.status === 'summarizing');
      const views = await Promise.all(live.map((row) => workflowView(deps.temporal, tenantId, row)));
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
