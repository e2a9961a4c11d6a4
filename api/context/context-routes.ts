/**
 * GET /v1/context: the compact, token-budgeted memory of a project for a new session (what the
 * session-start hook returns as additionalContext). `tokens` is counted with tiktoken and the
 * answer is never above it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { buildContext, DEFAULT_CONTEXT_TOKENS, MAX_CONTEXT_TOKENS } from './start-context.js';
import { resolveProjectId } from '../search/project-lookup.js';
import { contextAnswer } from '../../messages/api-v1.js';
import { agentParam, answer, parseOr400, projectOfRequest, projectParam, textParam } from '../validation.js';
import { documented, projectHeaders } from '../openapi-doc.js';

export interface ContextRouteDeps {
  pool: PgPool;
}

export const contextQuery = z.object({
  project: projectParam,
  tokens: z.coerce
    .number()
    .int(`must be an integer from 1 to ${MAX_CONTEXT_TOKENS}`)
    .min(1, `must be an integer from 1 to ${MAX_CONTEXT_TOKENS}`)
    .max(MAX_CONTEXT_TOKENS, `must be an integer from 1 to ${MAX_CONTEXT_TOKENS}`)
    .default(DEFAULT_CONTEXT_TOKENS),
  /** Optional: what the session is about; ranks the matching memories first. */
  q: textParam(2000).optional(),
  /** Optional: the caller's branch and the repository's default branch (branch-aware ranking). */
  branch: textParam(300).optional(),
  defaultBranch: textParam(300).optional(),
  /** Optional: only what sessions of this agent produced. */
  agent: agentParam.describe('only what sessions of this agent produced (a learning: any of its sources)'),
});

export function registerContextRoutes(app: FastifyInstance, deps: ContextRouteDeps): void {
  const contextDoc = documented({ summary: "A project's memory within a token budget (tiktoken)", tags: ['retrieval'], query: contextQuery, headers: projectHeaders, answers: { 200: contextAnswer } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/context', contextDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const query = parseOr400(contextQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    if (!query.project) throw new HttpError(400, 'invalid_query', 'project: required (or send X-Memflow-Project)');
    const projectId = await resolveProjectId(deps.pool, tenantId, query.project);
    if (!projectId) return answer(contextAnswer, { context: '', tokens: 0, items: [] });
    const t0 = performance.now();
    const built = await buildContext(deps.pool, {
      tenantId,
      projectId,
      projectName: query.project,
      budget: query.tokens,
      ...(query.q ? { query: query.q } : {}),
      ...(query.agent ? { agent: query.agent } : {}),
      ...(query.branch || query.defaultBranch ? { branch: { current: query.branch ?? null, default: query.defaultBranch ?? null } } : {}),
    });
    req.timings.context = performance.now() - t0;
    return answer(contextAnswer, built);
  });
}
