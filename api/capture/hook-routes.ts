/**
 * POST /v1/hooks/{event}: the Claude Code hook ingress, usable directly as a `type: "http"` hook.
 * The route stays thin: the event is validated, redacted, cut to the stored-size limit, rendered as
 * its timeline item and committed to PostgreSQL with it (group commit with concurrent requests,
 * capture/ingest.ts) before the answer. Everything else happens after it: the dispatcher tells the
 * session workflow what changed, once per turn rather than per event (capture/dispatch.ts), and the
 * sweeper (capture/redispatch.ts) sends what a crash or an outage left owed. SessionStart and
 * UserPromptSubmit are answered with memory (the start context, the prompt's push), built while the
 * event is stored: context/hook-context.ts.
 *
 * First what a hook payload must look like and how it is made safe to store (validated: unknown
 * fields kept, since Claude Code adds fields, but bounded by the body limit; redacted; big strings cut
 * to the stored-size limit; keyed for deduplication) and the project the event belongs to, named by
 * the hook and its repository's key (createProjectIdentities); then the route (registerHookRoutes).
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { redactValue } from '../../common/rules/redact.js';
import type { TenantRules } from '../../common/rules/redact-tenant-rules.js';
import { keyedProjectName, PROJECT_KEY } from '../../common/workspace/repository-key.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import { agentOfPayload, contextTokensOfPayload, EVENT_ROUTE_NAME, HOOK_EVENTS, isEventRouteName, MAX_EVENT_ROUTE_NAME, storedEventOf, TOOL_EVENTS, type HookEventName } from '../../messages/hooks-v1.js';
import { hookAnswer } from '../../messages/api-v1.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import { requirePrincipal } from '../auth.js';
import type { Principal } from '../../common/server/tenants.js';
import { HttpError } from '../errors.js';
import { projectOfHook } from '../validation.js';
import { type IngestBatcher, type IngestInput, type IngestResult, KEY_REVOKED, ingestInputOf } from './ingest.js';
import { registerHookContext } from '../context/hook-context.js';
import { recordSessionAgent } from '../provenance/agent.js';
import { gitOfPayload, recordSessionGit } from '../provenance/git.js';
import { countDuplicateAnswer, countIngested } from '../metrics.js';
import { countDuplicate, duplicateKindOf, ledgerClientOf } from './capture-ledger.js';

// What a hook payload must look like, and how it is made safe to store.

const id = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const hookPayloadSchema = z
  .object({
    session_id: id,
    transcript_path: z.string().max(4096).optional(),
    cwd: z.string().min(1).max(4096).optional(),
    hook_event_name: z.string().max(100).optional(),
    prompt: z.string().optional(),
    tool_name: z.string().min(1).max(200).optional(),
    tool_use_id: id.optional(),
    source: z.string().max(100).optional(),
    reason: z.string().max(100).optional(),
    trigger: z.string().max(100).optional(),
  })
  .passthrough();

export type HookPayload = z.infer<typeof hookPayloadSchema>;

/** Deepest nesting of objects and arrays accepted in a hook payload (Claude Code's are a few levels deep). */
export const MAX_PAYLOAD_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `max` (iterative: no recursion on hostile input). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node as Record<string, unknown>)) if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The payload with every NUL character and lone UTF-16 surrogate (in keys and strings) replaced by
 * U+FFFD: PostgreSQL text and jsonb cannot hold U+0000, jsonb refuses a lone surrogate's escape, and a
 * tool's output may carry either (a binary file read; a host's cut between a surrogate pair's halves).
 * The event is stored, not refused. Every string of every event passes here: the platform's own
 * isWellFormed/toWellFormed (a 200 KB tool output: 0.08 ms, where a regular expression for lone
 * surrogates took 0.43).
 */
export function storablePayload(value: unknown): unknown {
  if (typeof value === 'string') {
    const withoutNul = value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
    return withoutNul.isWellFormed() ? withoutNul : withoutNul.toWellFormed();
  }
  if (Array.isArray(value)) return value.map(storablePayload);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [storablePayload(k) as string, storablePayload(v)]));
  }
  return value;
}

/** Event-specific required fields, checked after the common schema. */
export function eventRuleViolation(event: HookEventName, p: HookPayload): { field: string; message: string } | undefined {
  if (TOOL_EVENTS.has(event) && !p.tool_name) {
    return { field: 'tool_name', message: `tool_name is required for ${event}` };
  }
  if (event === 'user-prompt-submit' && typeof p.prompt !== 'string') {
    return { field: 'prompt', message: 'prompt is required for user-prompt-submit' };
  }
  return undefined;
}

/** Canonical JSON (sorted keys) so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The deduplication key. A client-supplied Idempotency-Key wins (the command client sends one per
 * hook call, so two genuinely identical prompts stay two events); otherwise a tool event is keyed by
 * its tool_use_id and anything else by a hash of its body. Body keys ('b:') cannot tell a retry from
 * a genuine repeat (every Stop of a session has the same body), so ingest treats a body-keyed delivery
 * as a repeat only when it equals the session's latest event, and stores the key with its sequence.
 */
export function idempotencyKey(event: HookEventName, payload: HookPayload, header: string | undefined): string {
  if (header) return `h:${crypto.createHash('sha256').update(`${payload.session_id}\n${header}`).digest('hex')}`;
  if (TOOL_EVENTS.has(event) && payload.tool_use_id) {
    return `t:${crypto.createHash('sha256').update(`${payload.session_id}\n${event}\n${payload.tool_use_id}`).digest('hex')}`;
  }
  return `b:${crypto.createHash('sha256').update(`${event}\n${canonical(payload)}`).digest('hex')}`;
}

/**
 * Cuts the longest strings of `value` until its JSON fits in `maxBytes`, marking each cut.
 * Returns the value unchanged when it already fits, and its JSON (serialized once, for storage).
 */
export function truncateToFit<T>(value: T, maxBytes: number): { value: T; json: string; truncated: boolean } {
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) <= maxBytes) return { value, json, truncated: false };
  const copy = structuredClone(value);
  // Collect string leaves with a setter, then shorten the longest first.
  const leaves: { get: () => string; set: (s: string) => void }[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const holder = node as Record<string, unknown>;
      const v = holder[key];
      if (typeof v === 'string') leaves.push({ get: () => holder[key] as string, set: (s) => (holder[key] = s) });
      else walk(v);
    }
  };
  walk(copy);
  for (let guard = 0; guard < 64 && size(copy) > maxBytes && leaves.length > 0; guard++) {
    leaves.sort((a, b) => b.get().length - a.get().length);
    const longest = leaves[0]!;
    const s = longest.get();
    const excess = size(copy) - maxBytes;
    const keep = Math.max(0, s.length - excess - 64);
    longest.set(`${s.slice(0, keep)}…[memflow: cut ${s.length - keep} of ${s.length} characters]`);
    if (keep === 0) leaves.shift();
  }
  return { value: copy, json: JSON.stringify(copy), truncated: true };
}

/** X-Memflow-Occurred-At may run ahead of the API's clock by this much (clocks of two machines). */
export const OCCURRED_AT_SKEW_MS = 5 * 60_000;
/** Older than this, an X-Memflow-Occurred-At is a broken clock, not a spool that waited. */
export const OCCURRED_AT_MAX_AGE_MS = 90 * 86_400_000;
// ISO 8601 / RFC 3339 date-time with a zone, as Date.prototype.toISOString() writes it.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * When a late-delivered event happened: X-Memflow-Occurred-At, which the hook client sends with
 * the events it delivers from its spool (the entry's time). Absent: it happened now. A value that
 * is not an ISO 8601 instant with a zone, is in the future beyond the skew, or is absurdly old is
 * refused with a message naming the header (the client drops what the API refuses as bad input).
 */
export function occurredAtOf(header: unknown, now = Date.now()): Date | undefined | { error: string } {
  if (header === undefined) return undefined;
  const name = 'X-Memflow-Occurred-At';
  if (typeof header !== 'string' || !ISO_INSTANT.test(header.trim())) {
    return { error: `${name}: must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T14:05:09.123Z` };
  }
  const at = Date.parse(header.trim());
  if (Number.isNaN(at)) return { error: `${name}: not a valid date-time` };
  if (at > now + OCCURRED_AT_SKEW_MS) return { error: `${name}: ${header.trim()} is in the future (more than ${OCCURRED_AT_SKEW_MS / 60_000} minutes ahead of the API's clock)` };
  if (at < now - OCCURRED_AT_MAX_AGE_MS) return { error: `${name}: ${header.trim()} is more than ${OCCURRED_AT_MAX_AGE_MS / 86_400_000} days old` };
  // It cannot have happened after it arrived: a clock a little ahead reads as now.
  return new Date(Math.min(at, now));
}

const CACHE_SIZE = 2000;

/**
 * The project name for a hook that says which repository it comes from (X-Memflow-Project with
 * X-Memflow-Project-Key, sent by the hook client): the project already keyed so; else the project of
 * that name if no other repository holds it (an unkeyed one is claimed); else, when another repository
 * already has the name, the name with the key's first six digits (`shop-1a2b3c`, keyedProjectName).
 * Unrelated repositories named alike stay apart; every worktree and clone of one repository (same
 * remote) is one project. Answers are cached per process: a project's key never changes once set.
 */
export interface ProjectIdentities {
  nameFor(tenantId: string, name: string, key: string): Promise<string>;
}

export function createProjectIdentities(pool: PgPool): ProjectIdentities {
  const cache = new Map<string, string>();
  async function claim(tenantId: string, name: string, key: string): Promise<string | undefined> {
    // Creates the project with this key, or takes over one of this name that has no key yet.
    const { rows } = await pool.query<{ identity: string | null }>(
      `INSERT INTO projects (tenant_id, name, identity, last_seen_at, updated_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (tenant_id, name) DO UPDATE SET identity = COALESCE(projects.identity, excluded.identity)
       RETURNING identity`,
      [tenantId, name, key],
    );
    return rows[0]?.identity === key ? name : undefined;
  }
  return {
    async nameFor(tenantId, name, key) {
      const id = `${tenantId}:${key}`;
      const hit = cache.get(id);
      if (hit !== undefined) return hit;
      const known = await pool.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 AND identity = $2 ORDER BY created_at LIMIT 1', [tenantId, key]);
      const resolved =
        known.rows[0]?.name ?? (await claim(tenantId, name, key)) ?? (await claim(tenantId, keyedProjectName(name, key), key)) ?? name;
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(id, resolved);
      return resolved;
    },
  };
}

// The route.

export interface HookRouteDeps {
  prisma: PrismaClient;
  pool: PgPool;
  ingest: IngestBatcher;
  /** Largest accepted body (413 above). */
  maxBodyBytes: number;
  /** Largest payload stored; longer strings are cut and the event marked truncated. */
  maxStoredBytes: number;
  /** Tenants' own redaction rules (MEMFLOW_REDACTION_RULES). */
  redactionRules?: TenantRules;
  /** The capture ledger's counts (MEMFLOW_CAPTURE_LEDGER; on unless false). */
  ledger?: boolean;
  /** How long a prompt's answer may wait for the memory pushed with it (context/hook-context.ts). */
  promptPushMs?: number;
}

/** What the hook route takes, for GET /openapi.json (the route checks the event and payload by hand, the cheaper way). */
const hookDoc = documented({
  summary: 'Claude Code hook ingress (usable as a `type: "http"` hook); the event is durable before the answer',
  tags: ['capture'],
  params: z.object({
    event: z
      .string()
      .max(MAX_EVENT_ROUTE_NAME)
      .regex(EVENT_ROUTE_NAME)
      .describe(`one of ${HOOK_EVENTS.filter((e) => e !== 'other').join(', ')}, or the kebab-case name of an event a newer Claude Code sends (stored as other)`),
  }),
  query: z.object({ project: z.string().optional() }),
  headers: {
    ...projectHeaders,
    'idempotency-key': { schema: z.string().max(500), description: 'deliveries with the same key (per session) are stored once' },
    'x-memflow-spooled': { schema: z.literal('1'), description: 'set by the hook client when delivering from its spool (counted in /metrics)' },
    'x-memflow-push': { schema: z.literal('off'), description: 'user-prompt-submit: no memory is pushed with the answer (a hook client delivering the prompt after the agent moved on)' },
    'x-memflow-occurred-at': {
      schema: z.string().max(64),
      description: 'when a spooled event happened (ISO 8601 with a zone, at most 5 minutes ahead, at most 90 days old; else 400 invalid_header): its timeline item is dated by it, its sequence stays the order of delivery',
    },
    'x-memflow-project-key': {
      schema: z.string().regex(PROJECT_KEY),
      description: 'which repository the X-Memflow-Project is (the hook client sends a key of its origin remote): repositories named alike become distinct projects',
    },
  },
  body: hookPayloadSchema,
  answers: { 200: hookAnswer, 413: null },
});

/** A hook event's payload, checked: a 400 names what is wrong with it. */
export interface ParsedHook {
  event: HookEventName;
  /** The payload as the hook sent it (an unknown event's name kept in it). */
  raw: HookPayload;
  /** The start context's budget the hook asked for (memflowContextTokens). */
  askedTokens: number | undefined;
}

/** Checks one hook event (its route name and payload) as the hook ingress takes it; throws the 400. */
export function parseHook(routeName: string, body: unknown): ParsedHook {
  // Any kebab-case event name is accepted: one memflow does not know yet (a newer Claude Code's)
  // is stored as `other`, with its name in the payload.
  if (!isEventRouteName(routeName)) {
    throw new HttpError(400, 'invalid_event', 'event: must be a hook event name in kebab-case, e.g. post-tool-use or post-tool-use-failure');
  }
  const event = storedEventOf(routeName);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_payload', 'body: must be a JSON object (the Claude Code hook payload)');
  }
  if (nestedDeeperThan(body, MAX_PAYLOAD_DEPTH)) throw new HttpError(400, 'invalid_payload', `body: nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  const parsed = hookPayloadSchema.safeParse(storablePayload(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new HttpError(400, 'invalid_payload', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  const violation = eventRuleViolation(event, parsed.data);
  if (violation) throw new HttpError(400, 'invalid_payload', `${violation.field}: ${violation.message}`);
  const askedTokens = contextTokensOfPayload(parsed.data as Record<string, unknown>);
  if (askedTokens.error) throw new HttpError(400, 'invalid_payload', askedTokens.error);
  const raw = event === 'other' ? { ...parsed.data, memflow_event: routeName } : parsed.data;
  return { event, raw, askedTokens: askedTokens.tokens };
}

/** The project a hook names (X-Memflow-Project, ?project=, else its cwd), told apart by the repository's key. */
export async function projectOfRequest(identities: ProjectIdentities, tenantId: string, headers: Record<string, unknown>, queryProject: string | undefined, cwd: string | undefined): Promise<string> {
  const named = projectOfHook(headers['x-memflow-project'], queryProject, cwd);
  // The hook client says which repository this is: projects named alike stay apart.
  const key = headers['x-memflow-project-key'];
  return typeof key === 'string' && PROJECT_KEY.test(key) && typeof headers['x-memflow-project'] === 'string' ? identities.nameFor(tenantId, named, key) : named;
}

/** A checked event made safe to store: redacted (nothing below ever sees the secret), cut to the stored size, keyed. */
export function storableHook(
  deps: Pick<HookRouteDeps, 'redactionRules' | 'maxStoredBytes'>,
  principal: Principal,
  hook: ParsedHook,
  at: { projectName: string; idempotencyHeader: string | undefined; originalBytes?: number; requestId: string; occurredAt: Date | undefined; fromLedgerClient: boolean },
): { payload: Record<string, unknown>; idem: string; input: IngestInput } {
  const { value: redacted } = redactValue(hook.raw, deps.redactionRules?.for(principal) ?? []);
  const fitted = truncateToFit(redacted, deps.maxStoredBytes);
  const idem = idempotencyKey(hook.event, redacted, at.idempotencyHeader);
  const input = ingestInputOf({
    tenantId: principal.tenantId,
    keyId: principal.keyId,
    projectName: at.projectName,
    event: hook.event,
    agentSessionId: hook.raw.session_id,
    idempotencyKey: idem,
    fitted,
    // What the hook sent, before redaction and cuts (the request's length on /v1/hooks/{event}).
    originalBytes: at.originalBytes ?? (fitted.truncated ? Buffer.byteLength(JSON.stringify(hook.raw)) : Buffer.byteLength(fitted.json)),
    requestId: at.requestId,
    ...(at.occurredAt ? { occurredAt: at.occurredAt } : {}),
    ...(at.fromLedgerClient ? { fromLedgerClient: true } : {}),
  });
  return { payload: fitted.value as Record<string, unknown>, idem, input };
}

/**
 * What follows a stored event in either route: its count in /metrics, a repeat counted in the session's
 * capture ledger, and the session's agent and git state kept for provenance (written behind the answer).
 */
export function afterStored(
  deps: Pick<HookRouteDeps, 'pool' | 'ledger'>,
  req: FastifyRequest,
  principal: Principal,
  ev: { event: HookEventName; idem: string; payload: Record<string, unknown>; stored: IngestResult; spooled: boolean },
): Promise<unknown>[] {
  const { event, idem, payload, stored } = ev;
  const ledger = deps.ledger !== false;
  const warn = (what: string) => (err: Error) => req.log.warn({ err: err.message, tenantId: principal.tenantId, keyId: principal.keyId }, what);
  countIngested(event, stored.duplicate, ev.spooled);
  const effects: Promise<unknown>[] = [];
  if (stored.duplicate && ledger) {
    // The ledger counts what a repeat matched (rare: a lost answer, a killed client's claim).
    const kind = duplicateKindOf(idem);
    countDuplicateAnswer(kind);
    effects.push(countDuplicate(deps.pool, stored.sessionId, kind).catch(warn('duplicate not counted in the ledger')));
  }
  // Which agent (and version) runs the session: from its first event (the statement stored it
  // with the session's row), and a later start's. The hook client's view of the repository
  // (branch, HEAD): kept on the session for provenance.
  if (!stored.duplicate && stored.sequence > 1 && event === 'session-start') {
    effects.push(recordSessionAgent(deps.pool, stored.sessionId, agentOfPayload(payload)).catch(warn('session agent not recorded')));
  }
  const git = gitOfPayload(payload);
  if (git) effects.push(recordSessionGit(deps.pool, stored.sessionId, git).catch(warn('session git state not recorded')));
  return effects;
}

export function registerHookRoutes(app: FastifyInstance, deps: HookRouteDeps): void {
  const memory = registerHookContext(app, { pool: deps.pool, ...(deps.promptPushMs !== undefined ? { promptPushMs: deps.promptPushMs } : {}) });
  const identities = createProjectIdentities(deps.pool);
  const ledger = deps.ledger !== false;
  app.post<{ Params: { event: string }; Querystring: { project?: string } }>(
    '/v1/hooks/:event',
    { bodyLimit: deps.maxBodyBytes, ...hookDoc },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const started = performance.now();
      const hook = parseHook(req.params.event, req.body);
      const { event, raw } = hook;
      // An event delivered late from a hook client's spool says when it happened.
      const occurredAt = occurredAtOf(req.headers['x-memflow-occurred-at']);
      if (occurredAt && !(occurredAt instanceof Date)) throw new HttpError(400, 'invalid_header', occurredAt.error);
      const projectName = await projectOfRequest(identities, principal.tenantId, req.headers, req.query.project, raw.cwd);
      const originalBytes = Number(req.headers['content-length'] ?? Buffer.byteLength(JSON.stringify(raw)));
      // Redact first: nothing below (key, storage, logs, Temporal) ever sees the secret. The `redact` phase is storableHook
      // whole: the redaction, the cut to the stored size, the key and the timeline item with its token count.
      let t = performance.now();
      const keyHeader = req.headers['idempotency-key'];
      const { payload, idem, input } = storableHook(deps, principal, hook, {
        projectName,
        idempotencyHeader: typeof keyHeader === 'string' ? keyHeader : undefined,
        originalBytes,
        requestId: req.id.slice(0, 200),
        occurredAt,
        fromLedgerClient: ledger && ledgerClientOf(req.headers['x-memflow-client']) !== undefined,
      });
      req.timings.redact = performance.now() - t;

      // SessionStart and UserPromptSubmit are answered with memory (context/hook-context.ts), built
      // while the event is stored; every other event with {}.
      const answering =
        event === 'session-start' || event === 'user-prompt-submit'
          ? memory.begin({ req, tenantId: principal.tenantId, keyId: principal.keyId, event, raw, payload, projectName, git: gitOfPayload(payload), started, ...(hook.askedTokens ? { startTokens: hook.askedTokens } : {}) })
          : undefined;

      t = performance.now();
      const stored = await deps.ingest.ingest(input);
      req.timings.db = performance.now() - t;
      if (stored === KEY_REVOKED) {
        throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { 'www-authenticate': 'Bearer realm="memflow"' });
      }
      const effects = afterStored(deps, req, principal, { event, idem, payload, stored, spooled: req.headers['x-memflow-spooled'] === '1' });
      reply.header('x-memflow-event-id', stored.eventId);
      if (stored.duplicate) reply.header('x-memflow-duplicate', 'true');
      if (answering) return answering.answer(stored, effects);
      await Promise.all(effects);
      return {};
    },
  );
}
