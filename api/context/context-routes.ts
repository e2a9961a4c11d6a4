/**
 * GET /v1/context: the compact, token-budgeted memory of a project for a new session (what the
 * session-start hook returns as additionalContext). `tokens` is counted with tiktoken and the
 * answer is never above it.
 */
import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { buildContext, DEFAULT_CONTEXT_TOKENS, MAX_CONTEXT_TOKENS, type BuiltContext } from './start-context.js';
import { buildPromptPush, PROMPT_PUSH_TOKENS } from './prompt-push.js';
import { buildFilePush, FILE_PUSH_TOKENS, MAX_ANCHORS, MAX_FILE_PATH, readFileNames } from './file-push.js';
import { resolveProjectId } from '../search/search-types.js';
import { randomUUID } from 'node:crypto';
import { contextAnswer, fileNamesAnswer, RECEIPT_CHANNEL } from '../../messages/api-v1.js';
import { drainOffers, offerServing, recordServing, sessionOfAgentId } from './context-receipt.js';
import { agentParam, agentSessionIdParam, answer, parseOr400, projectOfRequest, projectParam, textParam } from '../validation.js';
import { documented, projectHeaders } from '../openapi-doc.js';

export interface ContextRouteDeps {
  pool: PgPool;
}

/** A comma-separated list of code names (for=file's anchors and focus): each a name as code writes it, at most MAX_ANCHORS. */
const anchorNamesParam = z
  .string()
  .max(MAX_ANCHORS * 101, `at most ${MAX_ANCHORS} names of at most 100 characters`)
  .transform((s) => s.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean))
  .refine((names) => names.length <= MAX_ANCHORS && names.every((n) => n.length <= 100 && /^[\p{L}\p{N}_$.-]+$/u.test(n)), `must be at most ${MAX_ANCHORS} comma-separated code names (letters, digits, _ $ . -), each at most 100 characters`);

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
  /** Optional: where the context goes (its injection receipt's channel) and the session receiving it. */
  channel: z.string().regex(RECEIPT_CHANNEL, 'must be session_start, user_prompt, file_touch, api, resource, prefetch or mcp_tool:<name>').default('api').describe("the injection receipt's channel: api (default), resource, mcp_tool:<name>; prefetch (the hook relay's fetch, held until a SessionStart: no receipt; that SessionStart writes it)"),
  session: agentSessionIdParam.optional().describe("the agent's session id receiving the context, when the caller knows it"),
  explain: z.enum(['true', 'false']).optional().describe("true: the answer's explain lists each item's tokens and why it was chosen, then what uptake left out"),
  for: z
    .enum(['start', 'prompt', 'file'])
    .default('start')
    .describe('start (default): the start context a new session gets; prompt: the memory pushed with the prompt `q` (what UserPromptSubmit answers; `tokens` at most 600 by default), with explain: why each item was pushed and each near candidate was not; file: what was decided or learned about the file `path` (what PreToolUse answers when the agent first touches it; `tokens` at most 400 by default)'),
  /** With for=file: the file the agent is about to read or change. */
  path: textParam(MAX_FILE_PATH).optional().describe('with for=file: the file, relative to the agent\'s working folder (or absolute)'),
  /** With for=file: the names the file defines or imports that the project's anchors hold (the relay's parse). */
  anchors: anchorNamesParam.optional().describe(`with for=file: names the file defines or imports that GET /v1/context/files listed in identifiers, comma-separated, at most ${MAX_ANCHORS} (lower-cased; the relay parses the file locally, its content is never sent)`),
  /** With for=file: those of them the session met already (its prompts named them, a file it touched imports them). */
  focus: anchorNamesParam.optional().describe('with for=file: the names of anchors that this session met before (a prompt named them, an earlier file imports them): pushed first'),
});

const fileNamesQuery = z.object({ project: projectParam });

export function registerContextRoutes(app: FastifyInstance, deps: ContextRouteDeps): void {
  // What the relay holds to answer a file touch without asking (common/rules/file-names.ts).
  const filesDoc = documented({
    summary: "Names that any file the project's memory is about holds (file names, and the words of its learnings that hold a path): a file none of them contains gets nothing from for=file",
    tags: ['retrieval'],
    query: fileNamesQuery,
    headers: projectHeaders,
    answers: { 200: fileNamesAnswer },
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/context/files', filesDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const query = parseOr400(fileNamesQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    if (!query.project) throw new HttpError(400, 'invalid_query', 'project: required (or send X-Memflow-Project)');
    const projectId = await resolveProjectId(deps.pool, tenantId, query.project);
    return answer(fileNamesAnswer, projectId ? await readFileNames(deps.pool, tenantId, projectId) : { names: [], complete: true, identifiers: [] });
  });

  const contextDoc = documented({
    summary: "A project's memory within a token budget (tiktoken); each answer writes an injection receipt",
    tags: ['retrieval'],
    query: contextQuery,
    headers: {
      ...projectHeaders,
      'idempotency-key': { schema: z.string().max(200), description: 'requests with the same key write one injection receipt' },
      'x-memflow-receipt': { schema: z.enum(['on-delivery']), description: "on-delivery: the receipt is written when the caller confirms it handed the context over (POST /v1/context/receipts/{receipt}/delivered with the answer's `receipt`); the hook relay's pushes" },
    },
    answers: { 200: contextAnswer },
  });
  // The offers written behind their answers, before the server closes its pool.
  app.addHook('onClose', () => drainOffers());
  const projects = createProjectIds(deps.pool);
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/context', contextDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const query = parseOr400(contextQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    if (!query.project) throw new HttpError(400, 'invalid_query', 'project: required (or send X-Memflow-Project)');
    if (query.for === 'prompt' && !query.q) throw new HttpError(400, 'invalid_query', 'q: required with for=prompt (the prompt whose memory is asked for)');
    if (query.for === 'file' && !query.path?.trim()) throw new HttpError(400, 'invalid_query', 'path: required with for=file (the file whose memory is asked for)');
    const pushDefault = query.for === 'prompt' ? PROMPT_PUSH_TOKENS : query.for === 'file' ? FILE_PUSH_TOKENS : undefined;
    const tokens = pushDefault !== undefined && req.query.tokens === undefined ? pushDefault : query.tokens;
    const build = (projectId: string): Promise<BuiltContext> =>
      query.for === 'prompt'
        ? buildPromptPush(deps.pool, { tenantId, projectId, projectName: query.project!, prompt: query.q!, agentSessionId: query.session, budget: tokens })
        : query.for === 'file'
        ? buildFilePush(deps.pool, { tenantId, projectId, projectName: query.project!, path: query.path!, agentSessionId: query.session, budget: tokens, anchors: query.anchors ?? [], focus: query.focus ?? [] })
        : buildContext(deps.pool, {
          tenantId,
          projectId,
          projectName: query.project!,
          budget: query.tokens,
          ...(query.q ? { query: query.q } : {}),
          ...(query.agent ? { agent: query.agent } : {}),
          ...(query.branch || query.defaultBranch ? { branch: { current: query.branch ?? null, default: query.defaultBranch ?? null } } : {}),
        });
    const t0 = performance.now();
    const found = await projects.build(tenantId, query.project, build, req.timings);
    req.timings.context = performance.now() - t0;
    if (!found) return answer(contextAnswer, { context: '', tokens: 0, items: [] });
    const { projectId, built } = found;
    const key = req.headers['idempotency-key'];
    // A file's push that found nothing writes no receipt (the relay asks at every file an agent first touches), nor looks up its session.
    let offer: string | undefined;
    if (query.channel !== 'prefetch' && !(query.for === 'file' && built.items.length === 0)) {
      const offered = req.headers['x-memflow-receipt'] === 'on-delivery' && built.items.length > 0;
      const serving = {
        tenantId,
        projectId,
        // An offer finds its session when it is delivered (deliverOffer): one statement less before the agent's answer,
        // and by then the relay has delivered the session's start more often than not.
        sessionId: offered ? null : await sessionOfAgentId(deps.pool, tenantId, projectId, query.session),
        agentSessionId: query.session ?? null,
        channel: query.channel,
        idempotencyKey: `${query.channel}:${typeof key === 'string' && key ? key.slice(0, 200) : randomUUID()}`,
        budget: tokens,
      };
      // The relay's pushes: an offer, written behind the answer, a receipt once the relay says the agent got it (context-receipt.ts).
      if (offered) offer = offerServing(deps.pool, req.log, serving, built);
      else await recordServing(deps.pool, req.log, serving, built);
    }
    const { served, ...rest } = built;
    return answer(contextAnswer, { ...rest, ...(offer ? { receipt: offer } : {}), ...(query.explain === 'true' && served ? { explain: served } : {}) });
  });
}

/** Project ids remembered per process, at most (a guess each: every request resolves its project again). */
const KNOWN_PROJECTS = 10_000;

/**
 * A request's project, resolved by name on every request (a project erased and made again under its name
 * has another id), and its context built. A project this process has seen is built at once under the id it
 * had, while its name is resolved beside it: the answer waits for the slower of the two statements, not
 * their sum. Should the name now resolve to another id (or none), what was built under the old one is
 * dropped and the context built again under the new one (or none answered).
 */
function createProjectIds(pool: PgPool) {
  const ids = new LRUCache<string, string>({ max: KNOWN_PROJECTS });
  return {
    async build<T>(tenantId: string, name: string, build: (projectId: string) => Promise<T>, timings: Record<string, number>): Promise<{ projectId: string; built: T } | undefined> {
      const key = `${tenantId}\u0000${name}`;
      const guess = ids.get(key);
      const t0 = performance.now();
      const resolving = resolveProjectId(pool, tenantId, name).finally(() => (timings.project = performance.now() - t0));
      // Settled either way: a build under a stale id may fail (its project is gone), and is then not the answer.
      const early = guess ? build(guess).then((built) => ({ built }), (err: unknown) => ({ err })) : undefined;
      const projectId = await resolving;
      if (!projectId) {
        ids.delete(key);
        return undefined;
      }
      ids.set(key, projectId);
      if (projectId !== guess) return { projectId, built: await build(projectId) };
      const ahead = (await early)!;
      if ('err' in ahead) throw ahead.err;
      return { projectId, built: ahead.built };
    },
  };
}
