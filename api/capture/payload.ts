/**
 * What a hook payload must look like, and how it is made safe to store: validated (unknown fields kept,
 * since Claude Code adds fields, but bounded by the body limit), redacted, big strings cut to the
 * stored-size limit, and keyed for deduplication; then the project the event belongs to, named by the
 * hook and mapped to its id (createProjectIdentities).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { TOOL_EVENTS, type HookEventName } from '../../messages/hooks-v1.js';
import type { PgPool } from '../../common/server/pg.js';
import { MAX_PROJECT_NAME_LENGTH } from '../../common/workspace/project-naming.js';

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
 * The payload with every NUL character (in keys and strings) replaced by U+FFFD: PostgreSQL text and
 * jsonb cannot hold U+0000, and a tool's output (a binary file read, say) may contain it. The event is
 * stored, not refused.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
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

/**
 * The project name for a hook that says which repository it comes from (X-Memflow-Project with
 * X-Memflow-Project-Key, sent by the hook client): the project already keyed so; else the project of
 * that name if no other repository holds it (an unkeyed one is claimed); else, when another repository
 * already has the name, the name with the key's first six digits (`shop-1a2b3c`). Unrelated
 * repositories named alike stay apart; every worktree and clone of one repository (same remote) is
 * one project. Answers are cached per process: a project's key never changes once set.
 */
export const PROJECT_KEY = /^[0-9a-f]{16}$/;

/** The name a repository gets when another repository already holds its folder's name: `shop-1a2b3c`. */
export const keyedProjectName = (name: string, key: string) => `${name.slice(0, MAX_PROJECT_NAME_LENGTH - 7)}-${key.slice(0, 6)}`;
const CACHE_SIZE = 2000;

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
