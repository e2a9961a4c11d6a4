/**
 * GET /v1/sessions, /v1/sessions/{id}, /v1/sessions/{id}/timeline. `{id}` is the agent's session_id.
 * GET /v1/sessions/{id}/memories: what the session left behind, its summaries (batch, rolling, final;
 * oldest first, whole) and the learnings whose sources are in it (with sources), for the web viewer.
 * Every query is filtered by the caller's tenant, so another tenant's session is simply not found.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import { DEFAULT_TUNING, sessionViewQuery, sessionWorkflowId, type SessionStatus } from '../../messages/workflows-v1/session.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { decodeCursor, decodeTimeIdCursor, encodeCursor, MAX_LIMIT } from '../pagination.js';
import { findSessionRow, listProjects, listSessions, sessionItem, sessionsQuery } from './session-list.js';
import { page as pageOf, projectsAnswer, session as sessionAnswer, sessionListItem, sessionMemories, timelineItem, type LearningRecord, type SummaryRecord } from '../../messages/api-v1.js';
import { agentSessionIdParam, answer, limitParam, memoryRefParam, parseOr400, projectParam } from '../validation.js';
import { memoriesInOrder, resolveMemoryRefs } from '../memories/memory-reads.js';
import { sessionLedger } from '../capture/capture-ledger.js';
import { documented } from '../openapi-doc.js';

export interface SessionRouteDeps {
  prisma: PrismaClient;
  pool: PgPool;
  temporal: Client;
  /** The session workflow's idle timeout (ms): a running session says when it closes by itself. */
  idleTimeoutMs?: number;
}

type Q = Record<string, string | undefined>;

const oneSessionQuery = z.object({ project: projectParam });
export const projectsQuery = z.object({ limit: limitParam(500, 2000) });
/** `around`: an observation of the session; the page then starts `before` items ahead of it. */
/**
 * A timeline page holds up to 1,000 items (default 100) and about 4 MiB of text: reading a whole session
 * (the web viewer does) takes a few requests, while a page of huge tool outputs stays bounded.
 */
export const TIMELINE_MAX_LIMIT = 1000;
const TIMELINE_PAGE_BYTES = 4 * 1024 * 1024;
const timelineQuery = z.object({ project: projectParam, cursor: z.string().optional(), limit: limitParam(MAX_LIMIT, TIMELINE_MAX_LIMIT) }).extend({
  around: memoryRefParam.optional(),
  before: z.coerce.number().int('must be an integer from 0 to 100').min(0, 'must be an integer from 0 to 100').max(100, 'must be an integer from 0 to 100').default(5),
});
const sessionParams = z.object({ id: agentSessionIdParam });
const sessionsPage = pageOf(sessionListItem);
const timelinePage = pageOf(timelineItem);

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const { prisma } = deps;
  const idleTimeoutMs = deps.idleTimeoutMs ?? DEFAULT_TUNING.idleTimeoutMs;

  /** The live status comes from the workflow while it runs; the row is the fallback and the record. */
  async function liveStatus(tenantId: string, projectId: string, agentSessionId: string, stored: SessionStatus): Promise<SessionStatus> {
    if (stored !== 'active' && stored !== 'summarizing') return stored;
    try {
      const handle = deps.temporal.workflow.getHandle(sessionWorkflowId(tenantId, projectId, agentSessionId));
      const view = await deps.temporal.connection.withDeadline(Date.now() + 1000, () => handle.query(sessionViewQuery));
      return view.status;
    } catch {
      return stored;
    }
  }

  async function findSession(tenantId: string, agentSessionId: string, project: string | undefined) {
    const session = await prisma.session.findFirst({
      where: { tenantId, agentSessionId, ...(project ? { project: { name: project } } : {}) },
      orderBy: { startedAt: 'desc' },
      include: { project: { select: { name: true } } },
    });
    if (!session) throw new HttpError(404, 'not_found', `no session '${agentSessionId}'`);
    return session;
  }

  const sessionsDoc = documented({
    summary: 'Sessions, newest first, each with its title (final summary title, else first prompt); filter by project (exact or a part), agent and words',
    tags: ['sessions'],
    query: sessionsQuery,
    answers: { 200: sessionsPage },
  });
  app.get<{ Querystring: Q }>('/v1/sessions', sessionsDoc, async (req) => {
    const { tenantId, projects } = requirePrincipal(req);
    const query = parseOr400(sessionsQuery, req.query);
    // A key limited to projects, naming none, lists its projects' sessions (api/access.ts: `namedOrListing`).
    const { rows, nextCursor } = await listSessions(deps.pool, tenantId, query, decodeTimeIdCursor(query.cursor), projects);
    return answer(sessionsPage, { items: rows.map((r) => sessionItem(r, idleTimeoutMs)), nextCursor });
  });

  const projectsDoc = documented({ summary: "The tenant's projects, most recently active first, with their session counts and agents", tags: ['sessions'], query: projectsQuery, answers: { 200: projectsAnswer } });
  app.get<{ Querystring: Q }>('/v1/projects', projectsDoc, async (req) => {
    const { tenantId, projects } = requirePrincipal(req);
    const { limit } = parseOr400(projectsQuery, req.query);
    // A key limited to projects sees only those (api/access.ts: `listing`).
    const rows = (await listProjects(deps.pool, tenantId, limit)).filter((r) => !projects || projects.includes(r.name));
    return answer(projectsAnswer, { items: rows.map((r) => ({ name: r.name, sessions: r.sessions, lastActivityAt: r.last_activity_at, agents: r.agents })) });
  });

  const sessionDoc = documented({
    summary: "One session (id: the agent's session_id), with its capture ledger (`capture`) when it has one",
    tags: ['sessions'],
    params: sessionParams,
    query: oneSessionQuery,
    answers: { 200: sessionAnswer, 404: null },
  });
  app.get<{ Params: { id: string }; Querystring: Q }>('/v1/sessions/:id', sessionDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(sessionParams, req.params, 'invalid_path');
    const { project } = parseOr400(oneSessionQuery, req.query);
    const row = await findSessionRow(deps.pool, tenantId, id, project);
    if (!row) throw new HttpError(404, 'not_found', `no session '${id}'`);
    const summary = await prisma.summary.findFirst({
      where: { sessionId: row.id },
      orderBy: { createdAt: 'desc' },
      select: { text: true },
    });
    const [status, capture] = await Promise.all([liveStatus(tenantId, row.project_id, row.agent_session_id, row.status), sessionLedger(deps.pool, tenantId, row.id)]);
    return answer(sessionAnswer, { ...sessionItem(row, idleTimeoutMs, status), summary: summary?.text ?? null, ...(capture ? { capture } : {}) });
  });

  const timelineDoc = documented({
    summary: "A session's events in order; a tool call and its result are one item. A page holds up to `limit` items (at most 1000) and about 4 MiB of text",
    tags: ['sessions'],
    params: sessionParams,
    query: timelineQuery,
    answers: { 200: timelinePage, 404: null },
  });
  app.get<{ Params: { id: string }; Querystring: Q }>('/v1/sessions/:id/timeline', timelineDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(sessionParams, req.params, 'invalid_path');
    const { limit, project, cursor: rawCursor, around, before } = parseOr400(timelineQuery, req.query);
    const s = await findSession(tenantId, id, project);
    const cursor = decodeCursor(rawCursor);
    let afterSeq = cursor ? Number(cursor[0]) : 0;
    if (around && !cursor) {
      const aroundId = (await resolveMemoryRefs(prisma, tenantId, [around])).ids.get(around);
      const anchor = aroundId ? await prisma.observation.findFirst({ where: { id: aroundId, sessionId: s.id, tenantId }, select: { sequence: true } }) : null;
      if (!anchor) throw new HttpError(404, 'not_found', `no observation '${around}' in session '${id}'`);
      afterSeq = Math.max(0, anchor.sequence - before - 1);
    }
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0 || afterSeq > 2_147_483_647) throw new HttpError(400, 'invalid_query', 'cursor: not a cursor returned by this API');
    // Sizes first (the primary key's order, no text read), so the page stops at its byte budget.
    const sizes = await prisma.$queryRaw<{ sequence: number; bytes: number }[]>`
      SELECT sequence, (octet_length(title) + octet_length(text))::int AS bytes FROM observations
       WHERE session_id = ${s.id}::uuid AND tenant_id = ${tenantId}::uuid AND sequence > ${afterSeq} ORDER BY sequence LIMIT ${limit + 1}`;
    let take = 0;
    for (let bytes = 0; take < Math.min(limit, sizes.length); take++) {
      bytes += sizes[take]!.bytes;
      if (bytes > TIMELINE_PAGE_BYTES && take > 0) break;
    }
    const rows = await prisma.observation.findMany({
      where: { sessionId: s.id, tenantId, sequence: { gt: afterSeq } },
      orderBy: { sequence: 'asc' },
      take: take + 1,
      select: { id: true, kind: true, toolName: true, toolUseId: true, createdAt: true, title: true, text: true, sequence: true },
    });
    const page = rows.slice(0, take);
    const last = page.at(-1);
    return answer(timelinePage, {
      items: page.map((o) => ({
        id: o.id,
        kind: o.kind,
        toolName: o.toolName,
        toolUseId: o.toolUseId,
        createdAt: o.createdAt,
        text: !o.text ? o.title : o.text.startsWith(o.title) ? o.text : `${o.title}\n${o.text}`,
      })),
      nextCursor: rows.length > take && last ? encodeCursor([last.sequence]) : null,
    });
  });

  const memoriesDoc = documented({
    summary: 'What a session left behind: its summaries (whole) and the learnings sourced from it',
    tags: ['sessions'],
    params: sessionParams,
    query: oneSessionQuery,
    answers: { 200: sessionMemories, 404: null },
  });
  app.get<{ Params: { id: string }; Querystring: Q }>('/v1/sessions/:id/memories', memoriesDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(sessionParams, req.params, 'invalid_path');
    const { project } = parseOr400(oneSessionQuery, req.query);
    const s = await findSession(tenantId, id, project);
    const [summaryIds, learnings] = await Promise.all([
      prisma.summary.findMany({ where: { sessionId: s.id, tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true }, take: 500 }),
      prisma.learning.findMany({
        where: { tenantId, sources: { some: { OR: [{ observation: { sessionId: s.id } }, { summary: { sessionId: s.id } }] } } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: 500,
        select: { id: true },
      }),
    ]);
    const records = await memoriesInOrder(prisma, tenantId, [...summaryIds, ...learnings].map((r) => r.id));
    return answer(sessionMemories, {
      summaries: records.filter((r): r is SummaryRecord => r.type === 'summary'),
      learnings: records.filter((r): r is LearningRecord => r.type === 'learning'),
    });
  });
}
