/**
 * GET /v1/search: hybrid retrieval over the caller's memories (PostgreSQL full-text and Weaviate,
 * fused by rank). The answer is a compact index — id, type, title, snippet, score, sessionId,
 * createdAt — whose details are fetched by id (GET /v1/memories/{id}, POST /v1/memories:batchGet).
 * Learnings waiting for review are found only when a person asks (includePending=true), marked
 * `status: 'pending'`; never with a channel (an agent's tool), and never in what is pushed.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requirePrincipal } from '../auth.js';
import { searchAnswer } from '../../messages/api-v1.js';
import { agentParam, answer as serialize, instantParam, limitParam, parseOr400, projectOfRequest, projectParam, textParam, typesParam } from '../validation.js';
import type { SearchService } from './search-service.js';
import { SEARCH_MODES } from './search-types.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import type { PgPool } from '../../common/server/pg.js';
import { channelParam, recordServedRecords } from '../context/context-receipt.js';

export interface SearchRouteDeps {
  search: SearchService;
  /** Where the injection receipts of MCP searches go. */
  pool: PgPool;
}

export const searchQuery = z
  .object({
    q: z.string({ error: 'required: the text to search for' }).trim().min(1, 'required: the text to search for').pipe(textParam(1000)),
    project: projectParam,
    limit: limitParam(10),
    types: typesParam,
    since: instantParam,
    until: instantParam,
    mode: z.enum(SEARCH_MODES, { error: `must be one of ${SEARCH_MODES.join(', ')}` }).default('hybrid'),
    agent: agentParam.describe('only what sessions of this agent produced (a learning: any of its sources)'),
    channel: channelParam.optional().describe('set by the MCP search tool (mcp_tool:search): the hits are an injection, and get a receipt in the project'),
    includePending: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .optional()
      .describe("true: learnings waiting for review are listed too, each marked status 'pending' (a person's search: the viewer, memflow search --pending); never with a channel"),
  })
  .refine((v) => !v.since || !v.until || v.since < v.until, { path: ['until'], message: 'must be later than since' })
  // A channel means the hits are handed to an agent, and no agent gets what waits for review.
  .refine((v) => !(v.channel && v.includePending === 'true'), { path: ['includePending'], message: "not with a channel: what is handed to an agent never includes learnings waiting for review" });

export function registerSearchRoutes(app: FastifyInstance, deps: SearchRouteDeps): void {
  const searchDoc = documented({ summary: 'Hybrid search over memories: a compact index', tags: ['retrieval'], query: searchQuery, headers: projectHeaders, answers: { 200: searchAnswer } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/search', searchDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const query = parseOr400(searchQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    const answer = await deps.search.search({
      tenantId,
      query: query.q,
      mode: query.mode,
      types: query.types,
      limit: query.limit,
      ...(query.project ? { project: query.project } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.until ? { until: query.until } : {}),
      ...(query.agent ? { agent: query.agent } : {}),
      ...(query.includePending === 'true' ? { includePending: true } : {}),
    });
    if (answer.degraded) req.log.info({ reason: answer.degradedReason }, 'search degraded');
    if (query.channel) {
      const served = answer.results.map((r, i) => ({ id: r.id, type: r.type, project: query.project, text: `${r.title} ${r.snippet}`, score: r.score, reason: `search hit ${i + 1} for "${query.q.slice(0, 80)}"` }));
      await recordServedRecords(deps.pool, req.log, tenantId, query.channel, served);
    }
    const { phases, ...body } = answer;
    Object.assign(req.timings, phases);
    // The project answered for, once the repository's key mapped its folder name (api/project-key.ts).
    return serialize(searchAnswer, { ...body, ...(query.project ? { project: query.project } : {}) });
  });
}
