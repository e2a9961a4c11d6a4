/**
 * GET /openapi.json: an OpenAPI 3.1 description of every route, generated from the same zod schemas
 * the routes validate with (z.toJSONSchema: request shapes as the routes accept them, `io: 'input'`)
 * and serialize with (the answer schemas of messages/api-v1.ts, `io: 'output'`), so it cannot drift.
 * Where a route validates by hand (sessions, hooks' path), a small zod schema here documents it.
 * tests/openapi.test.ts checks that the paths and methods here are exactly the routes Fastify has (a
 * route added without its entry fails the suite) and that real answers fit the documented schemas.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  accepted,
  apiKeys,
  auditPage,
  backupStarted,
  backupView,
  batchGetAnswer,
  contextAnswer,
  corrected,
  createdKey,
  eraseJobView,
  errorAnswer,
  forgotten,
  healthAnswer,
  hookAnswer,
  jobView,
  learningItem,
  markedWrong,
  memoryRecord,
  page,
  readyAnswer,
  retentionPolicies,
  retentionPolicy,
  revokedKey,
  searchAnswer,
  session,
  sessionListItem,
  projectsAnswer,
  sessionMemories,
  stalenessOutcome,
  statedMemory,
  timelineItem,
  usageAnswer,
  viewerSession,
} from '../messages/api-v1.js';
import { HOOK_EVENTS } from '../messages/hooks-v1.js';
import { captureLedger, ledgerReport } from '../messages/capture-ledger-v1.js';
import { hookPayloadSchema } from './capture/payload.js';
import { restoreBody, retentionBody } from './backup/backup-routes.js';
import { rescanBody } from './redaction/redaction-routes.js';
import { auditQuery } from './admin/audit-routes.js';
import { contextQuery } from './context/context-routes.js';
import { correctBody, forgetBody, learningsQuery } from './memories/learning-routes.js';
import { stalenessReportBody } from './provenance/provenance-staleness.js';
import { batchBody, rememberBody } from './memories/memory-routes.js';
import { searchQuery } from './search/search-routes.js';
import { limitParam, projectParam } from './validation.js';
import { createKeyBody } from './admin/key-routes.js';
import { usageQuery } from './admin/usage-routes.js';
import { liveQuery } from './viewer/live-stream.js';
import { projectsQuery } from './sessions/session-routes.js';
import { sessionsQuery } from './sessions/session-list.js';
import { signInBody } from './viewer/viewer-routes.js';

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

interface Operation {
  method: Method;
  /** OpenAPI path ({param} syntax). */
  path: string;
  summary: string;
  tags: string[];
  /** false: no API key (health, readiness, metrics, this document). */
  auth?: boolean;
  admin?: boolean;
  query?: z.ZodType;
  pathParams?: Record<string, z.ZodType>;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: z.ZodType;
  /** Status -> answer schema (JSON), or a media type with a description for non-JSON answers. */
  answers: Record<number, z.ZodType | { mediaType: string; description: string } | null>;
}

/** Wildcard routes (`*`) and the parameter name they document. */
const WILDCARD_NAMES: Record<string, string> = { '/v1/admin/jobs/*': 'jobId' };

/** Fastify's route pattern as an OpenAPI path: `:id` -> `{id}`, `::` (a literal colon) -> `:`. */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl
    .replace(/::/g, '\u0000')
    .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    .replace(/\*$/, `{${WILDCARD_NAMES[fastifyUrl] ?? 'path'}}`)
    .replace(/\u0000/g, ':');
}

// Answer shapes live in messages/api-v1.ts (the routes serialize with them, the client parses with them);
// tests/openapi.test.ts checks that the routes' real answers fit them.
const projectHeader = {
  'x-memflow-project': { schema: z.string().max(512), description: 'the project, when `?project=` is absent' },
  'x-memflow-project-key': {
    schema: z.string().regex(/^[0-9a-f]{16}$/),
    description: "the repository's key: the named project is read as the project of the repository with that key (the name the hooks gave it), when it was derived from that name",
  },
};

const OPERATIONS: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness: the process answers', tags: ['operations'], auth: false, answers: { 200: healthAnswer } },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: each dependency up or down, with latency',
    tags: ['operations'],
    auth: false,
    answers: { 200: readyAnswer, 503: readyAnswer },
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], auth: false, answers: { 200: { mediaType: 'text/plain', description: 'Prometheus text format 0.0.4' } } },
  { method: 'get', path: '/openapi.json', summary: 'This document', tags: ['operations'], auth: false, answers: { 200: { mediaType: 'application/json', description: 'OpenAPI 3.1' } } },
  {
    method: 'post',
    path: '/v1/hooks/{event}',
    summary: 'Claude Code hook ingress (usable as a `type: "http"` hook); the event is durable before the answer',
    tags: ['capture'],
    pathParams: { event: z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/).describe(`one of ${HOOK_EVENTS.filter((e) => e !== 'other').join(', ')}, or the kebab-case name of an event a newer Claude Code sends (stored as other)`) },
    query: z.object({ project: z.string().optional() }),
    headers: {
      ...projectHeader,
      'idempotency-key': { schema: z.string().max(500), description: 'deliveries with the same key (per session) are stored once' },
      'x-memflow-spooled': { schema: z.literal('1'), description: 'set by the hook client when delivering from its spool (counted in /metrics)' },
      'x-memflow-occurred-at': {
        schema: z.string().max(64),
        description: 'when a spooled event happened (ISO 8601 with a zone, at most 5 minutes ahead, at most 90 days old; else 400 invalid_header): its timeline item is dated by it, its sequence stays the order of delivery',
      },
      'x-memflow-project-key': { schema: z.string().regex(/^[0-9a-f]{16}$/), description: 'which repository the X-Memflow-Project is (the hook client sends a key of its origin remote): repositories named alike become distinct projects' },
    },
    body: hookPayloadSchema,
    answers: { 200: hookAnswer, 413: null },
  },
  { method: 'get', path: '/v1/search', summary: 'Hybrid search over memories: a compact index', tags: ['retrieval'], query: searchQuery, headers: projectHeader, answers: { 200: searchAnswer } },
  { method: 'get', path: '/v1/memories/{id}', summary: 'One full memory record (id: a UUID, or its first 8+ hex digits)', tags: ['retrieval'], pathParams: { id: z.string() }, answers: { 200: memoryRecord, 404: null, 409: null } },
  {
    method: 'post',
    path: '/v1/memories:batchGet',
    summary: 'Full memory records by id',
    tags: ['retrieval'],
    body: batchBody,
    answers: { 200: batchGetAnswer },
  },
  {
    method: 'post',
    path: '/v1/memories',
    summary: 'Store a memory a person or an agent states (redacted, embedded, searchable at once); the same text again restates it',
    tags: ['memory'],
    query: z.object({ project: z.string().optional() }),
    headers: projectHeader,
    body: rememberBody,
    answers: { 201: statedMemory, 200: statedMemory, 409: null },
  },
  {
    method: 'get',
    path: '/v1/context',
    summary: "A project's memory within a token budget (tiktoken)",
    tags: ['retrieval'],
    query: contextQuery,
    headers: projectHeader,
    answers: { 200: contextAnswer },
  },
  {
    method: 'get',
    path: '/v1/sessions',
    summary: 'Sessions, newest first, each with its title (final summary title, else first prompt); filter by project (exact or a part), agent and words',
    tags: ['sessions'],
    query: sessionsQuery,
    answers: { 200: page(sessionListItem) },
  },
  { method: 'get', path: '/v1/projects', summary: "The tenant's projects, most recently active first, with their session counts and agents", tags: ['sessions'], query: projectsQuery, answers: { 200: projectsAnswer } },
  { method: 'get', path: '/v1/sessions/{id}', summary: "One session (id: the agent's session_id), with its capture ledger (`capture`) when it has one", tags: ['sessions'], pathParams: { id: z.string() }, query: z.object({ project: projectParam }), answers: { 200: session, 404: null } },
  {
    method: 'post',
    path: '/v1/sessions/{id}/ledger',
    summary: "A hook client's capture ledger for the session (what became of every event it took); idempotent by client id and counter. Answers the session's reconciled ledger",
    tags: ['sessions'],
    pathParams: { id: z.string() },
    query: z.object({ project: projectParam }),
    body: ledgerReport,
    answers: { 200: captureLedger, 404: null },
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/timeline',
    summary: "A session's events in order; a tool call and its result are one item. A page holds up to `limit` items (at most 1000) and about 4 MiB of text",
    tags: ['sessions'],
    pathParams: { id: z.string() },
    query: z.object({ project: projectParam, cursor: z.string().optional(), limit: limitParam(100, 1000) }),
    answers: { 200: page(timelineItem), 404: null },
  },
  {
    method: 'post',
    path: '/v1/learnings/{id}/correct',
    summary: 'Supersede a wrong learning with what is true, with a reason (kept in its history; audited)',
    tags: ['memory'],
    pathParams: { id: z.string() },
    body: correctBody,
    answers: { 200: corrected, 404: null, 409: null },
  },
  {
    method: 'post',
    path: '/v1/learnings/{id}/forget',
    summary: 'Retract a wrong learning with a reason: superseded without a successor, never deleted (audited)',
    tags: ['memory'],
    pathParams: { id: z.string() },
    body: forgetBody,
    answers: { 200: forgotten, 404: null, 409: null },
  },
  {
    method: 'post',
    path: '/v1/learnings/{id}/wrong',
    summary: '"This is wrong": retract a learning with a reason; a later session restating it does not revive it (audited)',
    tags: ['memory'],
    pathParams: { id: z.string() },
    body: forgetBody,
    answers: { 200: markedWrong, 404: null, 409: null },
  },
  {
    method: 'post',
    path: '/v1/learnings/staleness',
    summary: 'Report what a client found checking cited items against its working tree: stale learnings are demoted, superseded ("code changed") after 3 reports; merged ones promoted',
    tags: ['memory'],
    body: stalenessReportBody,
    answers: { 200: stalenessOutcome },
  },
  {
    method: 'post',
    path: '/mcp',
    summary: "memflow's MCP server over Streamable HTTP (stateless, JSON answers); tools as in `memflow mcp`",
    tags: ['memory'],
    headers: projectHeader,
    answers: { 200: { mediaType: 'application/json', description: 'a JSON-RPC answer' } },
  },
  { method: 'get', path: '/mcp', summary: 'Not offered: the MCP endpoint is stateless (405)', tags: ['memory'], answers: { 405: null } },
  { method: 'delete', path: '/mcp', summary: 'Not offered: the MCP endpoint is stateless (405)', tags: ['memory'], answers: { 405: null } },
  { method: 'get', path: '/v1/learnings', summary: 'Learnings with their sources, newest first', tags: ['retrieval'], query: learningsQuery, headers: projectHeader, answers: { 200: page(learningItem) } },
  {
    method: 'get',
    path: '/v1/export',
    summary: 'Everything stored for a project, as NDJSON (audited)',
    tags: ['data'],
    query: z.object({ project: z.string() }),
    answers: { 200: { mediaType: 'application/x-ndjson', description: 'one JSON object per line' }, 404: null, 429: null },
  },
  {
    method: 'delete',
    path: '/v1/projects/{project}',
    summary: 'Erase a project from PostgreSQL, Weaviate and future backups (admin)',
    tags: ['data'],
    admin: true,
    pathParams: { project: z.string() },
    answers: { 202: accepted, 404: null },
  },
  {
    method: 'get',
    path: '/v1/projects/identity',
    summary: 'Which project a repository is: the name, mapped by X-Memflow-Project-Key as every read maps it',
    tags: ['data'],
    query: z.object({ project: z.string() }),
    headers: projectHeader,
    answers: { 200: z.object({ project: z.string(), exists: z.boolean(), keyed: z.boolean() }), 400: null },
  },
  { method: 'get', path: '/v1/jobs/{jobId}', summary: 'Where an erasure job stands (admin)', tags: ['data'], admin: true, pathParams: { jobId: z.string() }, answers: { 200: eraseJobView, 404: null } },
  { method: 'post', path: '/v1/admin/backups', summary: 'Start a backup of the tenant', tags: ['admin'], admin: true, answers: { 202: backupStarted } },
  { method: 'get', path: '/v1/admin/backups', summary: "The tenant's backups, newest first", tags: ['admin'], admin: true, answers: { 200: page(backupView) } },
  { method: 'get', path: '/v1/admin/backups/{id}', summary: 'One backup with its tables', tags: ['admin'], admin: true, pathParams: { id: z.string().uuid() }, answers: { 200: backupView, 404: null } },
  { method: 'post', path: '/v1/admin/redaction/rescan', summary: 'Re-apply the current redaction rules to everything stored for the tenant (a job)', tags: ['admin'], admin: true, body: rescanBody, answers: { 202: accepted } },
  { method: 'post', path: '/v1/admin/restore', summary: 'Restore from a backup', tags: ['admin'], admin: true, body: restoreBody, answers: { 202: accepted, 404: null, 409: null } },
  {
    method: 'get',
    path: '/v1/admin/jobs/{jobId}',
    summary: 'A backup, restore or redaction rescan job (the id contains slashes: backup/<tenant>/<id>)',
    tags: ['admin'],
    admin: true,
    pathParams: { jobId: z.string() },
    answers: { 200: jobView, 404: null },
  },
  { method: 'get', path: '/v1/admin/retention', summary: "The tenant's retention policies", tags: ['admin'], admin: true, answers: { 200: retentionPolicies } },
  { method: 'put', path: '/v1/admin/retention', summary: "Set the tenant default or a project's retention policy", tags: ['admin'], admin: true, body: retentionBody, answers: { 200: retentionPolicy, 404: null } },
  {
    method: 'get',
    path: '/v1/admin/audit',
    summary: "The tenant's audit trail, newest first",
    tags: ['admin'],
    admin: true,
    query: auditQuery,
    answers: { 200: auditPage },
  },
  {
    method: 'get',
    path: '/v1/admin/keys',
    summary: "The tenant's API keys (prefix, role, label, dates; never a secret)",
    tags: ['admin'],
    admin: true,
    answers: { 200: apiKeys },
  },
  { method: 'post', path: '/v1/admin/keys', summary: 'Mint an API key for the tenant; the key is in this answer only', tags: ['admin'], admin: true, body: createKeyBody, answers: { 201: createdKey } },
  {
    method: 'delete',
    path: '/v1/admin/keys/{id}',
    summary: "Revoke one of the tenant's keys (audited); refused on the caller's own key",
    tags: ['admin'],
    admin: true,
    pathParams: { id: z.string().uuid() },
    answers: { 200: revokedKey, 404: null, 409: null },
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/memories',
    summary: "What a session left behind: its summaries (whole) and the learnings sourced from it",
    tags: ['sessions'],
    pathParams: { id: z.string() },
    query: z.object({ project: projectParam }),
    answers: { 200: sessionMemories, 404: null },
  },
  { method: 'get', path: '/v1/usage', summary: 'LLM tokens and cost per day and per project, with the daily budgets', tags: ['operations'], query: usageQuery, answers: { 200: usageAnswer } },
  {
    method: 'get',
    path: '/v1/live',
    summary: "The tenant's sessions as they run (server-sent events: hello, session, ready after the first snapshot, revoked, error)",
    tags: ['sessions'],
    query: liveQuery,
    answers: { 200: { mediaType: 'text/event-stream', description: '`session` events: {session:{id,project,status,parked,startedAt,endedAt,eventCount,changedAt},items:[...]}' } },
  },
  { method: 'get', path: '/ui', summary: 'The web viewer (HTML; strict Content-Security-Policy)', tags: ['viewer'], auth: false, answers: { 200: { mediaType: 'text/html', description: 'the single page' }, 503: null } },
  {
    method: 'get',
    path: '/ui/assets/{file}',
    summary: "The viewer's script and stylesheet (content-hashed names, cached)",
    tags: ['viewer'],
    auth: false,
    pathParams: { file: z.string() },
    answers: { 200: { mediaType: 'text/javascript', description: 'or text/css' }, 404: null },
  },
  {
    method: 'post',
    path: '/ui/session',
    summary: 'Sign in to the viewer with an API key: sets an HttpOnly, SameSite=Strict session cookie (the key is not kept)',
    tags: ['viewer'],
    auth: false,
    body: signInBody,
    answers: { 200: viewerSession, 401: null, 429: null },
  },
  { method: 'get', path: '/ui/session', summary: 'The signed-in viewer session (by its cookie)', tags: ['viewer'], auth: false, answers: { 200: viewerSession, 401: null } },
  { method: 'delete', path: '/ui/session', summary: 'Sign out of the viewer (x-csrf-token)', tags: ['viewer'], auth: false, answers: { 204: { mediaType: 'text/plain', description: 'signed out; the cookie is cleared (no body)' }, 403: null } },
];

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input (the message names the field)',
  401: 'missing, unknown or revoked API key',
  403: 'this needs an admin API key',
  404: 'not found (or another tenant\'s)',
  405: 'method not allowed',
  409: 'conflict',
  413: 'payload over the limit',
  429: 'too many requests; see Retry-After',
  503: 'a dependency is down; see Retry-After',
};

function parametersOf(op: Operation): Json[] {
  const params: Json[] = [];
  for (const [name, schema] of Object.entries(op.pathParams ?? {})) params.push({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') });
  if (op.query) {
    const q = jsonSchema(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      params.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
  }
  for (const [name, h] of Object.entries(op.headers ?? {})) params.push({ name, in: 'header', required: false, description: h.description, schema: jsonSchema(h.schema, 'input') });
  return params;
}

function operationOf(op: Operation): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    const code = Number(status);
    if (answer === null) responses[status] = { description: ERROR_TEXT[code] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    else if ('mediaType' in answer) responses[status] = { description: answer.description, content: { [answer.mediaType]: { schema: {} } } };
    else responses[status] = { description: 'success', content: { 'application/json': { schema: jsonSchema(answer, 'output') } } };
  }
  const errors = [...(op.auth === false ? [] : [401]), ...(op.admin ? [403] : []), ...(op.query || op.body || op.pathParams ? [400] : []), ...(op.auth === false ? [] : [429, 503])];
  for (const code of errors) responses[String(code)] ??= { $ref: `#/components/responses/E${code}` };
  const parameters = parametersOf(op);
  return {
    operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    tags: op.tags,
    ...(op.auth === false ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document (built once). */
export function buildOpenApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationOf(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'memflow API',
      version: '1',
      description: 'Durable memory for AI coding agents. Everything under /v1 needs `Authorization: Bearer <api key>`; the key names the tenant.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: ['capture', 'retrieval', 'sessions', 'data', 'admin', 'operations', 'viewer'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a memflow API key (mf_...), made with `memflow keys create`' } },
      schemas: { Error: jsonSchema(errorAnswer, 'output') },
      responses: Object.fromEntries(
        [400, 401, 403, 429, 503].map((code) => [
          `E${code}`,
          {
            description: ERROR_TEXT[code],
            ...(code === 429 || code === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } } : {}),
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}

/** The documented operations as `METHOD path` (the test compares them with Fastify's routes). */
export const documentedOperations = (): string[] => OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`);

const routesOf = new WeakMap<FastifyInstance, string[]>();

/** Records each route registered on `app` (call before any route is added). */
export function trackRoutes(app: FastifyInstance): void {
  const seen: string[] = [];
  routesOf.set(app, seen);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) seen.push(`${method} ${openApiPath(route.url)}`);
  });
}

/** The routes registered on `app` as `METHOD path` (OpenAPI path syntax), HEAD and OPTIONS left out. */
export const registeredOperations = (app: FastifyInstance): string[] =>
  [...new Set(routesOf.get(app) ?? [])].filter((op) => !/^(HEAD|OPTIONS) /.test(op));

export function registerOpenApiRoute(app: FastifyInstance): void {
  let doc: string | undefined;
  app.get('/openapi.json', async (_req, reply) => {
    doc ??= JSON.stringify(buildOpenApiDocument());
    return reply.header('content-type', 'application/json; charset=utf-8').send(doc);
  });
}
