/**
 * POST /v1/hooks:batch: several hook events of one project, stored in the order given, with one
 * request's overhead. A relay delivers a session's events this way when several waited in its spool
 * (the agent was busy: a burst of tool calls), instead of one request each; every event is checked,
 * redacted, keyed and stored exactly as /v1/hooks/{event} would (hook-routes.ts), and all of them go
 * into the same ingest statement, numbered in the order sent (ingest.ts `ingestAll`).
 *
 * What a batch answers: a result per event, in order — 200 stored (a repeat: stored before), or the
 * 4xx that /v1/hooks/{event} would have answered for that event alone (it is not stored; the others
 * are). A fault of the whole request (no key, the project, the body's shape, the rate limit, a
 * database error) is answered as a whole and stores nothing a retry would not store once.
 *
 * Not in a batch: SessionStart and UserPromptSubmit, whose answer is the memory handed to the agent.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { hookBatchAnswer, hookBatchBody, type HookBatchResult } from '../../messages/api-v1.js';
import { UNBATCHED_HOOK_EVENTS } from '../../messages/hooks-v1.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import { parseOr400 } from '../validation.js';
import { PROJECT_KEY } from '../../common/workspace/repository-key.js';
import { countHookBatch } from '../metrics.js';
import { HOOK_BATCH_ROUTE } from '../limits.js';
import { ledgerClientOf } from './capture-ledger.js';
import { afterStored, createProjectIdentities, occurredAtOf, parseHook, projectOfRequest, storableHook, type HookRouteDeps } from './hook-routes.js';
import { KEY_REVOKED, type IngestInput } from './ingest.js';

const batchDoc = documented({
  summary: 'Several hook events of one project stored in the order given, each as POST /v1/hooks/{event} would store it; the events are durable before the answer',
  tags: ['capture'],
  query: z.object({ project: z.string().optional() }),
  headers: {
    ...projectHeaders,
    'x-memflow-spooled': { schema: z.literal('1'), description: 'set by a hook client delivering from its spool (counted in /metrics)' },
    'x-memflow-project-key': { schema: z.string().regex(PROJECT_KEY), description: 'which repository the X-Memflow-Project is, as on /v1/hooks/{event}' },
  },
  body: hookBatchBody,
  answers: { 200: hookBatchAnswer, 413: null },
});

/** The 4xx of one event, as its result. */
const refusal = (err: HttpError, index: number): HookBatchResult => ({ status: err.statusCode, error: { code: err.code, message: `events[${index}]: ${err.message}` } });

export function registerHookBatchRoute(app: FastifyInstance, deps: HookRouteDeps): void {
  const identities = createProjectIdentities(deps.pool);
  const ledger = deps.ledger !== false;
  app.post<{ Querystring: { project?: string } }>(HOOK_BATCH_ROUTE, { bodyLimit: deps.maxBodyBytes, ...batchDoc }, async (req) => {
    const principal = requirePrincipal(req);
    const body = parseOr400(hookBatchBody, req.body, 'invalid_body');
    if (typeof req.headers['x-memflow-project'] !== 'string' && !req.query.project) {
      throw new HttpError(400, 'invalid_header', 'X-Memflow-Project: required on a batch (or ?project=): every event of a batch is of that project');
    }
    const projectName = await projectOfRequest(identities, principal.tenantId, req.headers, req.query.project, undefined);
    const fromLedgerClient = ledger && ledgerClientOf(req.headers['x-memflow-client']) !== undefined;
    const spooled = req.headers['x-memflow-spooled'] === '1';
    const results: (HookBatchResult | undefined)[] = [];
    const ready: { index: number; event: ReturnType<typeof parseHook>['event']; idem: string; payload: Record<string, unknown>; input: IngestInput }[] = [];
    body.events.forEach((e, index) => {
      try {
        if (UNBATCHED_HOOK_EVENTS.has(e.event)) {
          throw new HttpError(400, 'invalid_event', `event: ${e.event} is answered with memory: post it to /v1/hooks/${e.event}`);
        }
        const hook = parseHook(e.event, e.payload);
        const occurredAt = occurredAtOf(e.occurredAt);
        if (occurredAt && !(occurredAt instanceof Date)) throw new HttpError(400, 'invalid_payload', `occurredAt: ${occurredAt.error.replace(/^X-Memflow-Occurred-At: /, '')}`);
        const stored = storableHook(deps, principal, hook, { projectName, idempotencyHeader: e.idempotencyKey, requestId: req.id.slice(0, 200), occurredAt, fromLedgerClient });
        ready.push({ index, event: hook.event, ...stored });
        results.push(undefined);
      } catch (err) {
        if (!(err instanceof HttpError) || err.statusCode >= 500) throw err;
        results.push(refusal(err, index));
      }
    });
    countHookBatch(body.events.length);
    const outcomes = await deps.ingest.ingestAll(ready.map((r) => r.input));
    if (outcomes.includes(KEY_REVOKED)) {
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { 'www-authenticate': 'Bearer realm="memflow"' });
    }
    const effects: Promise<unknown>[] = [];
    ready.forEach((r, k) => {
      const stored = outcomes[k]!;
      if (stored === KEY_REVOKED) return;
      results[r.index] = { status: 200, eventId: stored.eventId, duplicate: stored.duplicate };
      effects.push(...afterStored(deps, req, principal, { event: r.event, idem: r.idem, payload: r.payload, stored, spooled }));
    });
    await Promise.all(effects);
    return { results };
  });
}
