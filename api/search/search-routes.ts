/**
 * GET /v1/search: the search service and its route. The keyword leg (PostgreSQL) and the vector leg
 * (embedding + Weaviate) run in parallel; the vector leg is bounded in time and, after a failure,
 * skipped for a short cool-down so an outage costs one failed attempt, not one per request. When it
 * is missing, the answer comes from PostgreSQL alone and says so (`degraded`, with the reason).
 * In hybrid mode the legs are standardised and blended by weight (fusion.ts: zScoreFusion), then hydrated from
 * PostgreSQL; every mode's page is then deduplicated and held to a per-session quota (diversify).
 * The route (registerSearchRoutes) comes after the service.
 */
import type { Logger } from '../../common/server/logger.js';
import type { AgentName } from '../../messages/hooks-v1.js';
import type { PgPool } from '../../common/server/pg.js';
import { commonTermsReader, keywordSearch, timeWindowOf, windowSearch } from './keyword.js';
import { aboveVectorFloor, bySessionEvidence, diversify, hydrateResults, nearestTurnBySession, SESSION_WEIGHTS, zScoreFusion, type LearningPlaces, type SessionWeights } from './fusion.js';
import { vectorSearchWide, type VectorBackend } from './semantic.js';
import { setAsideTurns, TURN_SIMILARITY_DEPTH, withCarriedTurns } from './turns.js';
import { refKey, resolveProjectId, type RankedRef, type RecordType, type SearchMode, type SearchResult, type SearchScope, SEARCH_MODES } from './search-types.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requirePrincipal } from '../auth.js';
import { searchAnswer } from '../../messages/api-v1.js';
import { agentParam, answer as serialize, channelParam, instantParam, limitParam, parseOr400, projectOfRequest, projectParam, textParam, typesParam } from '../validation.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import { recordServedRecords } from '../../common/server/context-receipts.js';

export interface SearchRequest {
  tenantId: string;
  /** Project name; absent searches all of the tenant's projects. */
  project?: string;
  query: string;
  mode: SearchMode;
  types: readonly RecordType[];
  since?: Date;
  until?: Date;
  limit: number;
  agent?: AgentName;
  /** Learnings waiting for review too, marked (a person's search); a precision cut-off (memory pushed unasked) ignores it. */
  includePending?: boolean;
}

export interface SearchServiceAnswer {
  results: SearchResult[];
  tookMs: number;
  mode: SearchMode;
  /** True when the vector leg was wanted but missing: the results come from PostgreSQL alone. */
  degraded: boolean;
  degradedReason?: string;
  /** Where the time went (ms): keyword, vector, hydrate. For Server-Timing, not part of the answer body. */
  phases: Record<string, number>;
}

export interface SearchServiceDeps {
  pool: PgPool;
  /** Absent: keyword search only (every semantic/hybrid answer is degraded). */
  vectors?: VectorBackend;
  /** Longest wait for the vector leg (embedding + Weaviate) before answering without it. */
  vectorTimeoutMs?: number;
  /** After a vector-leg failure, how long to answer from PostgreSQL without trying Weaviate. */
  cooldownMs?: number;
  logger?: Logger;
  /**
   * The page's session evidence (fusion.ts: bySessionEvidence): false, the sessions in their best
   * record's order alone; or other weights than SESSION_WEIGHTS. For a benchmark's before/after over one fill.
   */
  sessionEvidence?: boolean | SessionWeights;
  /** How a session's learnings take places on the page (fusion.ts diversify); default `hold`. For bench:retrieval's --page-ab. */
  learningPlaces?: LearningPlaces;
}

export const DEFAULT_VECTOR_TIMEOUT_MS = 1500;
export const DEFAULT_COOLDOWN_MS = 5000;

/** How many candidates each leg contributes to fusion: deeper than the page, so both legs can vote. */
export const candidateDepth = (limit: number) => Math.min(100, Math.max(30, limit * 2));

/**
 * References hydrated beyond the page, for what hydration and diversify drop. 25: with the title
 * quota a crowded top 5 can set aside more than 15 (bench:search's buried questions at 10k: hybrid
 * over HTTP found one fewer than the same ranking replayed over all candidates).
 */
const SPARE = 25;

class VectorLegTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VectorLegTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One ranking, two cut-offs. `recall` (search, MCP search): every candidate both legs found, in
 * fused order — a paraphrased question often has only the vector leg, and a floor there cost
 * recall on every query. `precision` (what is pushed unasked: the per-prompt push, the start
 * context): the same ranking with the vector relevance floor (fusion.ts: aboveVectorFloor) and,
 * when given, a minimum fused score.
 */
export type RankCutoff = { kind: 'recall' } | { kind: 'precision'; minScore?: number };

export interface SearchService {
  search(req: SearchRequest): Promise<SearchServiceAnswer>;
  /** The ranking behind search with a chosen cut-off (search is rank(req, { kind: 'recall' })). */
  rank(req: SearchRequest, cutoff: RankCutoff): Promise<SearchServiceAnswer>;
}

/**
 * Ranks a project's records for a query with a cut-off: the entry point for pushed memory (one
 * ranking, two cut-offs: search keeps recall, a push keeps precision).
 */
export function rankProjectRecords(service: SearchService, req: SearchRequest, cutoff: RankCutoff = { kind: 'precision' }): Promise<SearchServiceAnswer> {
  return service.rank(req, cutoff);
}

/**
 * How many fused references are hydrated per page: one record per session reaches the page, so a
 * session whose records crowd the candidates must not empty it.
 */
const hydrateDepth = (limit: number) => limit * 3 + SPARE;

export function createSearchService(deps: SearchServiceDeps): SearchService {
  const timeoutMs = deps.vectorTimeoutMs ?? DEFAULT_VECTOR_TIMEOUT_MS;
  const cooldownMs = deps.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  let downUntil = 0;
  let downReason = '';
  const commonTerms = commonTermsReader(deps.pool);
  const keyword = async (query: string, scope: SearchScope, depth: number) => keywordSearch(deps.pool, query, scope, depth, await commonTerms());

  /** `observations`: the similarity of the observations the leg returned, `wide` deep (the turns a hit carries are scored with it). */
  type VectorLeg = { refs: RankedRef[]; observations: Map<string, number> } | { failed: string };

  async function vectorLeg(query: string, scope: SearchScope, depth: number, wide = depth): Promise<VectorLeg> {
    if (!deps.vectors) return { failed: 'vector search is not configured' };
    if (Date.now() < downUntil) return { failed: `${downReason} (retrying in ${Math.ceil((downUntil - Date.now()) / 1000)}s)` };
    const vectors = deps.vectors;
    try {
      return await withTimeout(
        (async () => {
          const [client, vector] = await Promise.all([vectors.client(), vectors.embedQuery(query)]);
          return vectorSearchWide(client, { vector, scope, depth }, wide);
        })(),
        timeoutMs,
      );
    } catch (err) {
      const message = (err as Error).message.split('\n')[0] ?? 'unknown error';
      if (err instanceof VectorLegTimeout) return { failed: `weaviate timeout: ${message}` };
      downUntil = Date.now() + cooldownMs;
      downReason = `weaviate unavailable: ${message}`;
      deps.logger?.warn({ err: message }, 'vector search unavailable; answering from PostgreSQL');
      return { failed: downReason };
    }
  }

  const service: SearchService = {
    search: (req) => service.rank(req, { kind: 'recall' }),
    async rank(req, cutoff) {
      const t0 = performance.now();
      const phases: Record<string, number> = {};
      const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
        const start = performance.now();
        try {
          return await work;
        } finally {
          phases[name] = performance.now() - start;
        }
      };
      const done = (results: SearchResult[], degradedReason?: string): SearchServiceAnswer => ({
        results,
        tookMs: Number((performance.now() - t0).toFixed(2)),
        mode: req.mode,
        degraded: degradedReason !== undefined,
        ...(degradedReason !== undefined ? { degradedReason } : {}),
        phases,
      });
      let projectId: string | undefined;
      if (req.project !== undefined) {
        projectId = await resolveProjectId(deps.pool, req.tenantId, req.project);
        if (!projectId) return done([]);
      }
      const scope: SearchScope = {
        tenantId: req.tenantId,
        types: req.types,
        ...(projectId ? { projectId } : {}),
        ...(req.since ? { since: req.since } : {}),
        ...(req.until ? { until: req.until } : {}),
        ...(req.agent ? { agent: req.agent } : {}),
        // What is pushed unasked (precision) goes to agents: never what waits for review.
        ...(req.includePending && cutoff.kind === 'recall' ? { includePending: true } : {}),
      };
      const depth = candidateDepth(req.limit);
      const wantsKeyword = req.mode !== 'semantic';
      // A time the question names ("3 days ago", "last week", "on November 14"), unless the caller set one.
      const window = req.since || req.until ? undefined : timeWindowOf(req.query);
      const [keywordRefs, vector, windowRefs] = await Promise.all([
        wantsKeyword ? timed('keyword', keyword(req.query, scope, depth)) : Promise.resolve(undefined),
        req.mode === 'keyword' ? Promise.resolve(undefined) : timed('vector', vectorLeg(req.query, scope, depth, cutoff.kind === 'recall' ? TURN_SIMILARITY_DEPTH : depth)),
        window ? timed('window', windowSearch(deps.pool, window.rest || req.query, { ...scope, since: window.since, until: window.until }, depth)) : Promise.resolve(undefined),
      ]);
      const precise = cutoff.kind === 'precision';

      let ranked: RankedRef[];
      let degradedReason: string | undefined;
      if (vector && 'failed' in vector) {
        degradedReason = vector.failed;
        // Semantic mode still answers, from the keyword leg, rather than failing the caller.
        ranked = keywordRefs ?? (await timed('keyword', keyword(req.query, scope, depth)));
      } else if (req.mode === 'hybrid') {
        const fused = zScoreFusion(keywordRefs ?? [], vector?.refs ?? []);
        ranked = precise ? aboveVectorFloor(fused, vector?.refs ?? [], keywordRefs ?? []) : fused;
      } else if (req.mode === 'semantic') {
        ranked = precise ? aboveVectorFloor(vector?.refs ?? [], vector?.refs ?? []) : (vector?.refs ?? []);
      } else {
        ranked = keywordRefs ?? [];
      }
      // The records of the time the question names come first, in their keyword order, then the rest.
      if (windowRefs && windowRefs.length > 0) ranked = inWindowFirst(windowRefs, ranked);
      if (precise && cutoff.minScore !== undefined) ranked = ranked.filter((r) => r.score >= cutoff.minScore!);
      // Spare references: hydration drops any the vector leg returned that PostgreSQL no longer
      // holds, and diversify sets aside duplicates and a crowding session's extra records.
      const similarity = vector && 'observations' in vector ? vector.observations : undefined;
      // A search's session order counts each session's evidence across its records (fusion.ts:
      // bySessionEvidence): hybrid only, and not when the question names a time (its records lead).
      const weights = typeof deps.sessionEvidence === 'object' ? deps.sessionEvidence : SESSION_WEIGHTS;
      const bySession = deps.sessionEvidence !== false && !precise && req.mode === 'hybrid' && similarity !== undefined && !(windowRefs && windowRefs.length > 0);
      const [hydrated, nearest] = await Promise.all([
        timed('hydrate', hydrateResults(deps.pool, ranked.slice(0, hydrateDepth(req.limit)), scope, req.query)),
        // The sessions' nearest turns are read only when they weigh (SESSION_WEIGHTS.nearest is 0: see fusion.ts).
        bySession && weights.nearest !== 0 ? timed('sessions', nearestTurnBySession(deps.pool, similarity, scope)) : Promise.resolve(bySession ? new Map<string, number>() : undefined),
      ]);
      const results = nearest ? bySessionEvidence(hydrated, nearest, keywordRefs?.[0], weights) : hydrated;
      const page = diversify(results, req.limit, deps.learningPlaces);
      // A search's hits carry their sessions' best-matching turns (turns.ts); what is pushed unasked does not.
      if (cutoff.kind !== 'recall') return done(page, degradedReason);
      const found = ranked.filter((r) => r.type === 'observation').map((r) => r.id);
      return done(await timed('turns', withCarriedTurns(deps.pool, page, found, scope, req.query, (await commonTerms()).observation, similarity, setAsideTurns(results, page))), degradedReason);
    },
  };
  return service;
}

/** `window`'s references ahead of the others (scored just above the best of them), each once. */
function inWindowFirst(window: readonly RankedRef[], ranked: readonly RankedRef[]): RankedRef[] {
  const top = Math.max(0, ...ranked.map((r) => r.score));
  const seen = new Set(window.map(refKey));
  const n = window.length;
  return [...window.map((r, i) => ({ type: r.type, id: r.id, score: top + 1 + (n - i) / n })), ...ranked.filter((r) => !seen.has(refKey(r)))];
}

/**
 * GET /v1/search: hybrid retrieval over the caller's memories (PostgreSQL full-text and Weaviate,
 * fused by rank). The answer is a compact index — id, type, title, snippet, score, sessionId,
 * createdAt — whose details are fetched by id (GET /v1/memories/{id}, POST /v1/memories:batchGet).
 * Learnings waiting for review are found only when a person asks (includePending=true), marked
 * `status: 'pending'`; never with a channel (an agent's tool), and never in what is pushed.
 */
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
