/**
 * The review inbox over HTTP (issue 51, docs/review.md):
 *   GET  /v1/review                               pending learnings, oldest first (any key of the tenant)
 *   GET  /v1/review/counts                        how many wait, per project (the viewer's header, doctor)
 *   POST /v1/review/decisions                     {decision: approve|reject, ids[], note?} (maintainer)
 *   POST /v1/review/:id/edit                      {text, title?, note?}: edit and approve (maintainer)
 *   GET  /v1/projects/:project/review-policy      the project's policy and pending count
 *   PUT  /v1/projects/:project/review-policy      {policy: live|review} (admin)
 * Deciding needs a maintainer or admin key; a refusal is audited (api/admin/audit-routes.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { requireAdmin, requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import type { Indexer } from '../memories/index-now.js';
import { resolveMemoryRefs } from '../memories/memory-reads.js';
import { decodeTimeIdCursor, encodeCursor } from '../pagination.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import { answer, limitParam, memoryRefParam, parseOr400, projectOfRequest, projectParam } from '../validation.js';
import {
  reviewCounts,
  reviewDecided,
  reviewDecisionBody,
  reviewEditBody,
  reviewEdited,
  reviewPage,
  reviewPolicyBody,
  reviewPolicyView,
} from '../../messages/review-api-v1.js';
import { decide, editAndApprove, pendingPage, policyOf, reviewCountsOf, setPolicy } from './review-decisions.js';

export interface ReviewRouteDeps {
  prisma: PrismaClient;
  indexer: Indexer;
}

// Deciding needs the maintainer role in the learnings' projects: checked by api/access.ts.

export const reviewQuery = z.object({ project: projectParam, limit: limitParam(50), cursor: z.string().max(500).optional() });
const countsQuery = z.object({ project: projectParam });
const projectPath = z.object({ project: projectParam.refine((p) => p !== undefined, 'required: a project name') });
const idPath = z.object({ id: memoryRefParam });
const idRefs = z.array(memoryRefParam);

/** Full ids of the tenant's learnings named by refs (ids or 8+ hex prefixes); 409 when a prefix is ambiguous. */
async function resolve(prisma: PrismaClient, tenantId: string, refs: string[]): Promise<{ ids: Map<string, string>; notFound: string[] }> {
  const { ids, ambiguous, types } = await resolveMemoryRefs(prisma, tenantId, refs);
  if (ambiguous.length) throw new HttpError(409, 'ambiguous', `id prefix '${ambiguous[0]}' names several memories; give more of the id`);
  for (const [ref, id] of ids) if (types.get(id) !== 'learning') ids.delete(ref);
  return { ids, notFound: refs.filter((ref) => !ids.has(ref)) };
}

export function registerReviewRoutes(app: FastifyInstance, deps: ReviewRouteDeps): void {
  const { prisma, indexer } = deps;

  const listDoc = documented({ summary: 'The review inbox: pending learnings, oldest first, with their age (of the named project, else of every project the key may see)', tags: ['memory'], query: reviewQuery, headers: projectHeaders, answers: { 200: reviewPage } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/review', listDoc, async (req) => {
    const { tenantId, projects } = requirePrincipal(req);
    const q = parseOr400(reviewQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    const cursor = decodeTimeIdCursor(q.cursor);
    // A key limited to projects, naming none, reads the inbox of its projects (api/access.ts: `namedOrListing`).
    const got = await pendingPage(prisma, tenantId, { project: q.project, within: projects, limit: q.limit, after: cursor ? { createdAt: cursor.at, id: cursor.id } : undefined });
    return answer(reviewPage, { items: got.items, nextCursor: got.more && got.last ? encodeCursor([got.last.createdAt.toISOString(), got.last.id]) : null });
  });

  const countsDoc = documented({
    summary: "How many learnings wait for review, per project (policy, count, oldest): of the named project, else of every project the key may see",
    tags: ['memory'],
    query: countsQuery,
    headers: projectHeaders,
    answers: { 200: reviewCounts },
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/review/counts', countsDoc, async (req) => {
    const { tenantId, projects } = requirePrincipal(req);
    const { project } = parseOr400(countsQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    // A key limited to projects counts only those (api/access.ts: `namedOrListing`).
    const seen = (name: string) => (!project || name === project) && (!projects || projects.includes(name));
    const all = await reviewCountsOf(prisma, tenantId);
    const list = all.projects.filter((p) => seen(p.project));
    return answer(reviewCounts, { pending: list.reduce((n, p) => n + p.pending, 0), projects: list });
  });

  const decideDoc = documented({
    summary: 'Approve or reject pending learnings (up to 100 at once; maintainer): approved ones are pushed from the next session, rejected ones kept only in their history (audited)',
    tags: ['memory'],
    body: reviewDecisionBody,
    answers: { 200: reviewDecided, 403: null, 409: null },
  });
  app.post('/v1/review/decisions', decideDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const body = parseOr400(reviewDecisionBody, req.body, 'invalid_body');
    const refs = [...new Set(parseOr400(idRefs, body.ids, 'invalid_body'))];
    const { ids, notFound } = await resolve(prisma, tenantId, refs);
    const full = [...new Set(ids.values())];
    const done = full.length ? await decide(prisma, { tenantId, keyId, requestId: req.id }, body.decision, full, body.note) : { decided: [], notPending: [] };
    const indexed = done.decided.length ? await indexer.indexNow(tenantId, done.decided, req.id) : true;
    const refOf = new Map([...ids].map(([ref, id]) => [id, ref]));
    return answer(reviewDecided, { decision: body.decision, decided: done.decided, notPending: done.notPending.map((id) => refOf.get(id) ?? id), notFound, indexed });
  });

  const editDoc = documented({
    summary: 'Edit a pending learning and approve it: the edited text is what is pushed, attributed to the editor (maintainer; audited)',
    tags: ['memory'],
    params: idPath,
    body: reviewEditBody,
    answers: { 200: reviewEdited, 403: null, 404: null, 409: null },
  });
  app.post<{ Params: { id: string } }>('/v1/review/:id/edit', editDoc, async (req) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const { id: ref } = parseOr400(idPath, req.params, 'invalid_path');
    const body = parseOr400(reviewEditBody, req.body, 'invalid_body');
    const { ids } = await resolve(prisma, tenantId, [ref]);
    const id = ids.get(ref);
    if (!id) throw new HttpError(404, 'not_found', `no learning '${ref}'`);
    const done = await editAndApprove(prisma, { tenantId, keyId, requestId: req.id }, id, body);
    const indexed = await indexer.indexNow(tenantId, [id], req.id);
    return answer(reviewEdited, { id, status: 'active', reviewedBy: done.reviewedBy, editedBy: done.editedBy, indexed });
  });

  const policyDoc = documented({ summary: "A project's review policy (live or review) and how many of its learnings wait", tags: ['memory'], params: projectPath, answers: { 200: reviewPolicyView, 404: null } });
  app.get<{ Params: { project: string } }>('/v1/projects/:project/review-policy', policyDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { project } = parseOr400(projectPath, req.params, 'invalid_path');
    return answer(reviewPolicyView, await policyOf(prisma, tenantId, project!));
  });

  const setPolicyDoc = documented({
    summary: "Set a project's review policy: live (extracted learnings go live at once) or review (they wait for a maintainer), and under review what a rule a person stated in a prompt does (stated: review, the default, or live); admin; audited",
    tags: ['admin'],
    admin: true,
    params: projectPath,
    body: reviewPolicyBody,
    answers: { 200: reviewPolicyView },
  });
  app.put<{ Params: { project: string } }>('/v1/projects/:project/review-policy', setPolicyDoc, async (req) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { project } = parseOr400(projectPath, req.params, 'invalid_path');
    const { policy, stated } = parseOr400(reviewPolicyBody, req.body, 'invalid_body');
    return answer(reviewPolicyView, await setPolicy(prisma, { tenantId, keyId, requestId: req.id }, project!, { policy, stated }));
  });
}
