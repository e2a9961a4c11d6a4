/**
 * Validation of every route's path, query and body with zod: a bad value is a 400 that
 * names the field, in the API's one error shape.
 */
import { z } from 'zod';
import { InvalidProjectName, normalizeProjectName, resolveProject } from '../common/workspace/project-naming.js';
import { HttpError } from './errors.js';
import { RECORD_TYPES, type RecordType } from '../messages/record-types-v1.js';
import { AGENTS } from '../messages/hooks-v1.js';
import { STORABLE_TEXT, RECEIPT_CHANNEL } from '../messages/api-v1.js';

/** Parses `input` or throws a 400 naming the first offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, code = 'invalid_query'): z.output<S> {
  // No body at all reads as {}; a JSON `null` body is validated as what it is (and refused).
  const parsed = schema.safeParse(input === undefined ? {} : input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new HttpError(400, code, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Refuses a JSON body declared in a charset other than UTF-8 (415). JSON between systems is UTF-8
 * (RFC 8259, section 8.1), and Fastify's parser reads every body as UTF-8 whatever the header says,
 * so a `charset=utf-16` body that happened to parse was taken as something its sender did not mean.
 */
export function requireUtf8Json(contentType: string | undefined): void {
  if (!contentType) return;
  const [type, ...params] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return;
  for (const param of params) {
    const [name, value = ''] = param.split('=');
    if (name!.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new HttpError(415, 'unsupported_media_type', `application/json must be UTF-8, not charset=${charset.slice(0, 40) || '(empty)'}`);
    }
  }
}

/**
 * An answer as its schema (messages/api-v1.ts) writes it: fields it does not name are left out, a
 * Date becomes its ISO string, and a value that does not fit is a bug (500) rather than a silent
 * change of the API. GET /openapi.json documents the same schema. Not used on the hook routes, whose
 * answers are fixed and whose per-request cost counts.
 */
export const answer = <S extends z.ZodType>(schema: S, value: z.input<S>): z.output<S> => schema.parse(value);

/** An optional project name in its canonical form. */
export const projectParam = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw === '') return undefined;
    try {
      return normalizeProjectName(raw);
    } catch (err) {
      if (!(err instanceof InvalidProjectName)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });

/** The project of a request: `?project=` or else the `X-Memflow-Project` header the CLI sends. */
export const projectOfRequest = (query: { project?: unknown }, header: unknown) =>
  query.project !== undefined && query.project !== '' ? query.project : typeof header === 'string' && header !== '' ? header : undefined;

/** The project of a hook's event: an explicit override (header or query) or the hook's cwd. */
export function projectOfHook(header: unknown, query: unknown, cwd: string | undefined): string {
  const explicit = typeof header === 'string' && header ? header : typeof query === 'string' && query ? query : undefined;
  try {
    if (explicit !== undefined) return normalizeProjectName(explicit);
  } catch (err) {
    if (err instanceof InvalidProjectName) throw new HttpError(400, 'invalid_project', err.message);
    throw err;
  }
  if (!cwd) throw new HttpError(400, 'invalid_payload', 'cwd: required unless the project is named by X-Memflow-Project or ?project=');
  return resolveProject(cwd);
}

export const limitParam = (fallback: number, max = 100) =>
  z.coerce.number().int(`must be an integer from 1 to ${max}`).min(1, `must be an integer from 1 to ${max}`).max(max, `must be an integer from 1 to ${max}`).default(fallback);

/** `observation,summary,learning` (any subset, comma-separated); all of them when absent. */
export const typesParam = z
  .string()
  .optional()
  .transform((raw, ctx): RecordType[] => {
    if (raw === undefined || raw.trim() === '') return [...RECORD_TYPES];
    const parts = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
    const bad = parts.find((p) => !(RECORD_TYPES as readonly string[]).includes(p));
    if (bad !== undefined || parts.length === 0) {
      ctx.addIssue({ code: 'custom', message: `unknown type '${bad ?? raw}'; use any of ${RECORD_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return parts as RecordType[];
  });

/** An ISO 8601 date or date-time (`2026-11-01`, `2026-11-01T12:00:00Z`). */
export const instantParam = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw === '') return undefined;
    const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? new Date(raw) : new Date(NaN);
    if (Number.isNaN(at.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or date-time, e.g. 2026-11-01T00:00:00Z' });
      return z.NEVER;
    }
    return at;
  });

/**
 * A memory id, or its first 8+ hex digits as the compact indexes (MCP tools) show them; lower-cased.
 * A prefix names a record when exactly one of the tenant's records starts with it. (Both cases in the
 * pattern rather than an `i` flag: JSON Schema, and so GET /openapi.json, has no flags.)
 */
export const memoryRefParam = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{1,4}){0,3}(?:-[0-9a-fA-F]{1,12})?)$/, 'must be a memory id (a UUID, or its first 8 or more hex digits)')
  .transform((s) => s.toLowerCase());

/** An agent's session id (as hook payloads carry it): printable ASCII without spaces, at most 200. */
export const agentSessionIdParam = z
  .string()
  .min(1, 'required: a session id')
  .max(200, 'at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** A job id as this API hands them out: printable ASCII, at most 500 characters. */
export const jobIdParam = z.string().min(1, 'required: a job id').max(500, 'at most 500 characters').regex(/^[\x21-\x7e]+$/, 'not a job id returned by this API');

/** Free text sent to PostgreSQL: any characters but NUL and lone surrogates (STORABLE_TEXT). */
export const textParam = (max: number) =>
  z.string().max(max, `at most ${max} characters`).regex(...STORABLE_TEXT);

/** `agent`: one of the coding agents memflow captures (GET /v1/search, /v1/context, /v1/sessions). */
export const agentParam = z.enum(AGENTS, { error: () => `must be one of ${AGENTS.join(', ')}` }).optional();

/**
 * `channel` of the routes an MCP tool reads through (search, get): given, the answer writes a receipt
 * (common/server/context-receipts.ts). A prefetch is GET /v1/context's only.
 */
export const channelParam = z
  .string()
  .regex(RECEIPT_CHANNEL, 'must be session_start, api, resource or mcp_tool:<name>')
  .refine((c) => c !== 'prefetch', 'prefetch: only GET /v1/context takes it');
