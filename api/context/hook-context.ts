/**
 * The memory a hook's answer carries (POST /v1/hooks/{event}, capture/hook-routes.ts): a new
 * session's start context (SessionStart, not a resumed one) and the memory that bears on a prompt
 * (UserPromptSubmit: the prompt's push). Every other event is answered with `{}` and never comes here.
 *
 * Neither depends on the event itself being stored, so for a project memflow knows each is built
 * while the event is stored (begin, before the route's ingest), and the answer waits for the slower
 * of the two, not their sum (answer, after it). A new project has no memory yet: its context is built
 * once the event is stored. The receipt of what was handed over is memflow's accounting, not the
 * agent's: written just after the answer, never waited for, drained before the server closes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { PgPool } from '../../common/server/pg.js';
import { promptPushOutput, sessionStartOutput } from '../../messages/hooks-v1.js';
import { resolveProjectId } from '../search/search-types.js';
import { recordServing } from './context-receipt.js';
import { buildPromptPush, PROMPT_PUSH_TOKENS, warmProjectRules, warmPromptPush, type BuiltPush } from './prompt-push.js';
import { backfillAnchors } from './anchor-backfill.js';
import { buildContext, DEFAULT_CONTEXT_TOKENS, type BuiltContext } from './start-context.js';

/** The default wait for a prompt's push: well above its usual few ms, the relay's budget too (docs/push.md says why). */
export const DEFAULT_PROMPT_PUSH_MS = 300;

export interface HookContextDeps {
  pool: PgPool;
  /**
   * How long a prompt's answer may wait for the memory pushed with it (ms; MEMFLOW_PROMPT_PUSH_MS).
   * Past it the prompt is answered without: the agent is never held up by memflow. 0: no push.
   */
  promptPushMs?: number;
}

/** A SessionStart or UserPromptSubmit, as the route has checked, redacted and named it. */
export interface HookContextRequest {
  req: FastifyRequest;
  tenantId: string;
  keyId: string;
  event: 'session-start' | 'user-prompt-submit';
  /** The payload as received (its `source`, whether it has a prompt). */
  raw: { source?: unknown; prompt?: unknown; session_id: string };
  /** The payload as stored (redacted, cut to fit): the prompt the push reads. */
  payload: Record<string, unknown>;
  projectName: string;
  /** The hook client's view of the repository, when it sent one. */
  git: { branch?: string | null; defaultBranch?: string | null } | undefined;
  /** When the route started (performance.now()): the push's wait counts from there. */
  started: number;
  /** The start context's budget the hook client asked for (`memflowContextTokens`); absent: DEFAULT_CONTEXT_TOKENS. */
  startTokens?: number;
}

/** The event as the route stored it. */
export interface StoredHookEvent {
  projectId: string;
  sessionId: string;
  eventId: string;
  duplicate: boolean;
}

export interface HookContext {
  /** The hook's answer, once the event is stored; `provenance` is awaited before it. */
  answer(stored: StoredHookEvent, provenance: readonly (Promise<unknown> | undefined)[]): Promise<Record<string, unknown>>;
}

/** Projects named in this process's session starts. */
const KNOWN_PROJECTS = 10_000;

/**
 * A project's id by name, remembered once seen (ids never change). Only a guess that lets a start
 * context be built early: the answer checks it against the project the event was stored in.
 */
function createKnownProjects(pool: PgPool) {
  const ids = new LRUCache<string, string>({ max: KNOWN_PROJECTS });
  const keyOf = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;
  return {
    remember(tenantId: string, name: string, id: string): void {
      ids.set(keyOf(tenantId, name), id);
    },
    async idOf(tenantId: string, name: string): Promise<string | undefined> {
      const known = ids.get(keyOf(tenantId, name));
      if (known) return known;
      const id = await resolveProjectId(pool, tenantId, name);
      if (id) ids.set(keyOf(tenantId, name), id);
      return id;
    },
    /** `build` for the project, started before the event is stored, when the project is known. */
    early<T>(tenantId: string, name: string, build: (projectId: string) => Promise<T>): Promise<{ projectId: string; built: T } | undefined> {
      return this.idOf(tenantId, name).then(
        async (projectId) => (projectId ? { projectId, built: await build(projectId) } : undefined),
        () => undefined,
      );
    },
  };
}

/** Writes an answer does not wait for, awaited before the server closes. */
function createAfterAnswer() {
  const pending = new Set<Promise<void>>();
  return {
    add(write: Promise<void>): void {
      pending.add(write);
      void write.finally(() => pending.delete(write));
    },
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/**
 * Registers what the hook context needs on the server (the push's word list loaded once it is up,
 * the receipts drained as it closes) and returns `begin`: for a SessionStart or a UserPromptSubmit,
 * the context or the push started, or undefined when the event gets none (a resumed session, an
 * empty prompt, the push off).
 */
export function registerHookContext(app: FastifyInstance, deps: HookContextDeps): { begin(r: HookContextRequest): HookContext | undefined } {
  const pushMs = deps.promptPushMs ?? DEFAULT_PROMPT_PUSH_MS;
  // What a push loads once (the word frequencies, the token counter, the rule markers: ≈165 ms of one
  // core) loads just after the server is up, rather than on the first prompt that would wait for it
  // past its budget, or on the server's start.
  if (pushMs > 0) {
    // …and then the rules of the recently active projects (warmProjectRules), a few per turn of the event loop.
    const warming = new AbortController();
    app.addHook('onReady', async () => {
      setTimeout(() => {
        warmPromptPush();
        warmProjectRules(deps.pool, { signal: warming.signal })
          .catch((err: Error) => app.log.debug({ err }, 'rules not read ahead'))
          // Then the learnings stored before anchors existed get theirs (the push at the code finds them by those).
          .then(() => backfillAnchors(deps.pool, warming.signal))
          .then((n) => n && app.log.info({ learnings: n }, 'anchored learnings stored before anchors'))
          .catch((err: Error) => app.log.warn({ err }, 'learnings stored before anchors were not anchored'));
      }, 0).unref();
    });
    app.addHook('onClose', async () => warming.abort());
  }
  const afterAnswer = createAfterAnswer();
  const knownProjects = createKnownProjects(deps.pool);
  app.addHook('onClose', () => afterAnswer.drain());
  /** The receipt of what a hook's answer handed over, keyed by the event (a retried delivery writes none again), written after the answer. */
  const recordAfterAnswer = (req: FastifyRequest, tenantId: string, stored: StoredHookEvent, channel: 'session_start' | 'user_prompt', budget: number, built: BuiltContext) =>
    afterAnswer.add(recordServing(deps.pool, req.log, { tenantId, projectId: stored.projectId, sessionId: stored.sessionId, channel, idempotencyKey: `${channel}:${stored.eventId}`, budget }, built));

  function startContext(r: HookContextRequest): HookContext {
    const { req, tenantId, keyId, projectName, git } = r;
    const budget = r.startTokens ?? DEFAULT_CONTEXT_TOKENS;
    const contextOf = (projectId: string) =>
      buildContext(deps.pool, {
        tenantId,
        projectId,
        projectName,
        budget,
        ...(git ? { branch: { current: git.branch ?? null, default: git.defaultBranch ?? null } } : {}),
      }).catch((err: Error) => {
        req.log.warn({ err: err.message, tenantId, keyId }, 'start context unavailable');
        return undefined;
      });
    const early = knownProjects.early(tenantId, projectName, contextOf);
    return {
      async answer(stored, provenance) {
        // The project's memory under the budget asked for, else the default (PostgreSQL only: on the agent's critical path).
        // The phase is what the answer waited for it once the event was stored.
        let t = performance.now();
        const ahead = await early;
        const built = ahead?.projectId === stored.projectId ? ahead.built : await contextOf(stored.projectId);
        knownProjects.remember(tenantId, projectName, stored.projectId);
        req.timings.context = performance.now() - t;
        // Its receipt, keyed by the event: a retried SessionStart (a duplicate delivery) writes none
        // again. It is memflow's accounting, not the agent's: written just after the answer, never
        // waited for (a receipt that cannot be written is logged, as any serving's).
        if (built) recordAfterAnswer(req, tenantId, stored, 'session_start', budget, built);
        t = performance.now();
        await Promise.all(provenance);
        req.timings.record = performance.now() - t;
        // A hook client that sent its git state has the working tree: it checks the cited items
        // against today's code and takes memflowCheck out before Claude Code sees the answer.
        return sessionStartOutput(built?.context ?? '', git && built?.check ? { project: projectName, items: built.check } : undefined);
      },
    };
  }

  function promptPush(r: HookContextRequest, prompt: string): HookContext {
    const { req, tenantId, keyId, projectName } = r;
    const pushOf = (projectId: string): Promise<BuiltPush | undefined> =>
      buildPromptPush(deps.pool, { tenantId, projectId, projectName, prompt, agentSessionId: r.raw.session_id }).catch((err: Error) => {
        req.log.warn({ err: err.message, tenantId, keyId }, 'prompt push unavailable');
        return undefined;
      });
    const early = knownProjects.early(tenantId, projectName, pushOf);
    return {
      async answer(stored, provenance) {
        const t = performance.now();
        // The push waits at most promptPushMs in all (the store included): past it the prompt goes without.
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, pushMs - (performance.now() - r.started)))));
        let built: BuiltPush | undefined;
        try {
          const ahead = await Promise.race([early, deadline]);
          built = ahead === undefined ? undefined : ahead.projectId === stored.projectId ? ahead.built : await Promise.race([pushOf(stored.projectId), deadline]);
        } finally {
          clearTimeout(timer);
        }
        knownProjects.remember(tenantId, projectName, stored.projectId);
        req.timings.push = performance.now() - t;
        await Promise.all(provenance);
        if (!built || built.items.length === 0) return {};
        if (!stored.duplicate) recordAfterAnswer(req, tenantId, stored, 'user_prompt', PROMPT_PUSH_TOKENS, built);
        return promptPushOutput(built.context);
      },
    };
  }

  return {
    begin(r) {
      // A resumed conversation already holds the context it was given at its start.
      if (r.event === 'session-start') return r.raw.source !== 'resume' ? startContext(r) : undefined;
      // A prompt's push (the memory that bears on this task) is read while the event is stored, too.
      const prompt = typeof r.raw.prompt === 'string' ? r.payload.prompt : undefined;
      const wanted = typeof prompt === 'string' && prompt.trim() !== '' && pushMs > 0 && r.req.headers['x-memflow-push'] !== 'off';
      return wanted ? promptPush(r, prompt) : undefined;
    },
  };
}
