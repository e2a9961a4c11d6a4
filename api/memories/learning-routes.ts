/**
 * GET /v1/learnings: the tenant's learnings with their sources, newest first, paginated with an
 * opaque cursor. `status` is `active` (default), `superseded`, `all` (both), or one of the review
 * inbox's `pending` and `rejected` (api/review/), which only an explicit ask lists: an agent's `all`
 * never shows what waits for review.
 * POST /v1/learnings/{id}/correct and /forget: "this is wrong" (see ./stated-memories.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { requirePrincipal } from '../auth.js';
import type { Indexer } from './index-now.js';
import { correctLearning, forgetLearning, MAX_MEMORY_CHARS, MAX_REASON_CHARS, MAX_TITLE_CHARS, STATED_KINDS, STATED_ORIGINS } from './stated-memories.js';
import { decodeTimeIdCursor, DEFAULT_LIMIT, encodeCursor } from '../pagination.js';
import { corrected, forgotten, STORABLE_TEXT, learningRecord, markedWrong, page as pageOf, stalenessOutcome, type LearningRecord } from '../../messages/api-v1.js';
import { answer, limitParam, memoryRefParam, parseOr400, projectOfRequest, projectParam } from '../validation.js';
import { HttpError } from '../errors.js';
import { applyStalenessReport, stalenessReportBody } from '../provenance/provenance-staleness.js';
import { memoriesInOrder, resolveMemoryRefs } from './memory-reads.js';
import { documented, projectHeaders } from '../openapi-doc.js';

export interface LearningRouteDeps {
  prisma: PrismaClient;
  indexer: Indexer;
}

const reasonParam = z.string({ error: 'required: why it is wrong' }).trim().min(1, 'must not be empty').max(MAX_REASON_CHARS, `at most ${MAX_REASON_CHARS} characters`).regex(...STORABLE_TEXT);
const originParam = z.enum(STATED_ORIGINS, { error: `must be one of ${STATED_ORIGINS.join(', ')}` }).default('user');

export const correctBody = z.object({
  text: z.string({ error: 'required: what is true instead' }).trim().min(1, 'must not be empty').max(MAX_MEMORY_CHARS, `at most ${MAX_MEMORY_CHARS} characters`).regex(...STORABLE_TEXT),
  reason: reasonParam,
  title: z.string().trim().max(MAX_TITLE_CHARS, `at most ${MAX_TITLE_CHARS} characters`).regex(...STORABLE_TEXT).optional(),
  kind: z.enum(STATED_KINDS, { error: `must be one of ${STATED_KINDS.join(', ')}` }).optional(),
  origin: originParam,
});

export const forgetBody = z.object({ reason: reasonParam, origin: originParam });

const idPath = z.object({ id: memoryRefParam });

/** The full id of the tenant's learning a ref (an id or its prefix) names; 404/409 otherwise. */
async function learningIdOf(prisma: PrismaClient, tenantId: string, ref: string): Promise<string> {
  const { ids, ambiguous } = await resolveMemoryRefs(prisma, tenantId, [ref]);
  if (ambiguous.length) throw new HttpError(409, 'ambiguous', `id prefix '${ref}' names several memories; give more of the id`);
  const id = ids.get(ref);
  if (!id) throw new HttpError(404, 'not_found', `no learning '${ref}'`);
  return id;
}

export const learningsQuery = z.object({
  project: projectParam,
  limit: limitParam(DEFAULT_LIMIT),
  cursor: z.string().optional(),
  status: z.enum(['active', 'superseded', 'all', 'pending', 'rejected'], { error: 'must be one of active, superseded, all, pending, rejected' }).default('active'),
});

const learningsPage = pageOf(learningRecord);

export function registerLearningRoutes(app: FastifyInstance, deps: LearningRouteDeps): void {
  const learningsDoc = documented({ summary: 'Learnings with their sources, newest first', tags: ['retrieval'], query: learningsQuery, headers: projectHeaders, answers: { 200: learningsPage } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/learnings', learningsDoc, async (req) => {
    const { tenantId, projects } = requirePrincipal(req);
    const query = parseOr400(learningsQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    const cursor = decodeTimeIdCursor(query.cursor);
    const after = cursor ? { createdAt: cursor.at, id: cursor.id } : undefined;
    const rows = await deps.prisma.learning.findMany({
      where: {
        tenantId,
        // A key limited to projects, naming none, lists its projects' (api/access.ts: `namedOrListing`).
        ...(query.project ? { project: { name: query.project } } : projects ? { project: { name: { in: [...projects] } } } : {}),
        status: query.status === 'all' ? { in: ['active', 'superseded'] } : query.status,
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      select: { id: true, createdAt: true },
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const items = await memoriesInOrder(deps.prisma, tenantId, page.map((r) => r.id));
    return answer(learningsPage, {
      items: items.filter((r): r is LearningRecord => r.type === 'learning'),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    });
  });

  const correctDoc = documented({
    summary: 'Supersede a wrong learning with what is true, with a reason (kept in its history; audited)',
    tags: ['memory'],
    params: idPath,
    body: correctBody,
    answers: { 200: corrected, 404: null, 409: null },
  });
  app.post<{ Params: { id: string } }>('/v1/learnings/:id/correct', correctDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const { id } = parseOr400(idPath, req.params, 'invalid_path');
    const body = parseOr400(correctBody, req.body, 'invalid_body');
    const done = await correctLearning(deps.prisma, { tenantId, keyId, requestId: req.id, origin: body.origin }, await learningIdOf(deps.prisma, tenantId, id), body);
    const indexed = await deps.indexer.indexNow(tenantId, [done.id, done.supersedes], req.id);
    return answer(corrected, { ...done, indexed });
  });

  // "This is wrong": retracted with the reason, and never revived by a session restating it.
  const wrongDoc = documented({
    summary: '"This is wrong": retract a learning with a reason; a later session restating it does not revive it (audited)',
    tags: ['memory'],
    params: idPath,
    body: forgetBody,
    answers: { 200: markedWrong, 404: null, 409: null },
  });
  app.post<{ Params: { id: string } }>('/v1/learnings/:id/wrong', wrongDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const { id } = parseOr400(idPath, req.params, 'invalid_path');
    const body = parseOr400(forgetBody, req.body, 'invalid_body');
    const done = await forgetLearning(deps.prisma, { tenantId, keyId, requestId: req.id, origin: body.origin }, await learningIdOf(deps.prisma, tenantId, id), body.reason, true);
    const indexed = await deps.indexer.indexNow(tenantId, [done.id], req.id);
    return answer(markedWrong, { ...done, reason: 'wrong', indexed });
  });

  // What a client's staleness check found (common/workspace/recall-staleness.ts): demotes, supersedes ("code changed"), promotes.
  const stalenessDoc = documented({
    summary: 'Report what a client found checking cited items against its working tree: stale learnings are demoted, superseded ("code changed") after 3 reports; merged ones promoted',
    tags: ['memory'],
    body: stalenessReportBody,
    answers: { 200: stalenessOutcome },
  });
  app.post('/v1/learnings/staleness', stalenessDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const body = parseOr400(stalenessReportBody, req.body, 'invalid_body');
    const done = await applyStalenessReport(deps.prisma, { tenantId, keyId, requestId: req.id }, body);
    if (done.superseded.length > 0) await deps.indexer.indexNow(tenantId, done.superseded, req.id);
    return answer(stalenessOutcome, done);
  });

  const forgetDoc = documented({
    summary: 'Retract a wrong learning with a reason: superseded without a successor, never deleted (audited)',
    tags: ['memory'],
    params: idPath,
    body: forgetBody,
    answers: { 200: forgotten, 404: null, 409: null },
  });
  app.post<{ Params: { id: string } }>('/v1/learnings/:id/forget', forgetDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const { id } = parseOr400(idPath, req.params, 'invalid_path');
    const body = parseOr400(forgetBody, req.body, 'invalid_body');
    const done = await forgetLearning(deps.prisma, { tenantId, keyId, requestId: req.id, origin: body.origin }, await learningIdOf(deps.prisma, tenantId, id), body.reason);
    const indexed = await deps.indexer.indexNow(tenantId, [done.id], req.id);
    return answer(forgotten, { ...done, indexed });
  });
}
