/**
 * The search service behind GET /v1/search. The keyword leg (PostgreSQL) and the vector leg
 * (embedding + Weaviate) run in parallel; the vector leg is bounded in time and, after a failure,
 * skipped for a short cool-down so an outage costs one failed attempt, not one per request. When it
 * is missing, the answer comes from PostgreSQL alone and says so (`degraded`, with the reason).
 * In hybrid mode the legs are standardised and blended by weight (fusion.ts: zScoreFusion), then hydrated from
 * PostgreSQL; every mode's page is then deduplicated and held to a per-session quota (diversify).
 */
import type { Logger } from '../../common/server/logger.js';
import type { AgentName } from '../../messages/hooks-v1.js';
import type { PgPool } from '../../common/server/pg.js';
import { commonTermsReader } from './common-terms.js';
import { aboveVectorFloor, diversify, zScoreFusion } from './fusion.js';
import { hydrateResults } from './hydrate.js';
import { keywordSearch, windowSearch } from './keyword.js';
import { resolveProjectId } from './project-lookup.js';
import { vectorSearch } from './semantic.js';
import { timeWindowOf } from './temporal.js';
import { refKey, type RankedRef, type RecordType, type SearchMode, type SearchResult, type SearchScope } from './search-types.js';
import type { VectorBackend } from './vector-backend.js';

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

  type VectorLeg = { refs: RankedRef[] } | { failed: string };

  async function vectorLeg(query: string, scope: SearchScope, depth: number): Promise<VectorLeg> {
    if (!deps.vectors) return { failed: 'vector search is not configured' };
    if (Date.now() < downUntil) return { failed: `${downReason} (retrying in ${Math.ceil((downUntil - Date.now()) / 1000)}s)` };
    const vectors = deps.vectors;
    try {
      const refs = await withTimeout(
        (async () => {
          const [client, vector] = await Promise.all([vectors.client(), vectors.embedQuery(query)]);
          return vectorSearch(client, { vector, scope, depth });
        })(),
        timeoutMs,
      );
      return { refs };
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
        req.mode === 'keyword' ? Promise.resolve(undefined) : timed('vector', vectorLeg(req.query, scope, depth)),
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
      const results = await timed('hydrate', hydrateResults(deps.pool, ranked.slice(0, hydrateDepth(req.limit)), scope, req.query));
      return done(diversify(results, req.limit), degradedReason);
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
