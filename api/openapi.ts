/**
 * GET /openapi.json: an OpenAPI 3.1 description of the routes Fastify has, generated from the
 * descriptors the routes carry where they are registered (`config.openapi`, api/openapi-doc.ts) and
 * collected here by an `onRoute` hook. Their schemas are the zod schemas the routes validate with,
 * rendered by z.toJSONSchema: request shapes as the routes accept them (`io: 'input'`), answers as
 * they serialize them (the schemas of messages/api-v1.ts, `io: 'output'`), so it cannot drift.
 * tests/openapi.test.ts fails on a route without a descriptor (unless it is `hidden`) and checks that
 * real answers fit the documented schemas.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorAnswer } from '../messages/api-v1.js';
import { documented, TAGS, type HiddenRoute, type RouteDoc } from './openapi-doc.js';

/** A route as Fastify registered it, with the descriptor it carries (if any). */
export interface CollectedRoute {
  method: string;
  /** Fastify's pattern (`:id`, `*`, `::` for a literal colon). */
  url: string;
  doc: RouteDoc | HiddenRoute | undefined;
}

const isHidden = (doc: RouteDoc | HiddenRoute | undefined): doc is HiddenRoute => doc !== undefined && 'hide' in doc;

/** The `:name` parameters of a Fastify pattern (a doubled colon is a literal one). */
const namedParams = (url: string): string[] => [...url.replace(/::/g, '').matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

/**
 * Fastify's route pattern as an OpenAPI path: `:id` -> `{id}`, `::` (a literal colon) -> `:`, and a
 * trailing `*` -> the one path parameter the descriptor names that the pattern does not (`{path}` without).
 */
export function openApiPath(fastifyUrl: string, params: readonly string[] = []): string {
  const named = namedParams(fastifyUrl);
  const wildcard = params.find((name) => !named.includes(name)) ?? 'path';
  return fastifyUrl
    .replace(/::/g, '\u0000')
    .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    .replace(/\*$/, `{${wildcard}}`)
    .replace(/\u0000/g, ':');
}

const paramNames = (doc: RouteDoc | HiddenRoute | undefined): string[] => (doc && !isHidden(doc) && doc.params ? Object.keys(doc.params.shape) : []);

/** Refuses a descriptor whose path parameters are not the pattern's (at registration: the server does not start). */
function checkParams(method: string, url: string, doc: RouteDoc): void {
  const declared = paramNames(doc).sort();
  const named = namedParams(url);
  const expected = url.endsWith('*') ? [...named, declared.find((n) => !named.includes(n)) ?? '(a name for *)'] : named;
  if (declared.join() !== [...expected].sort().join()) {
    throw new Error(`${method} ${url}: its openapi params (${declared.join(', ') || 'none'}) are not the path's parameters (${expected.join(', ') || 'none'})`);
  }
}

const routesOf = new WeakMap<FastifyInstance, CollectedRoute[]>();

/**
 * Collects every route registered on `app` with its descriptor (call before any route is added; the
 * hook reaches the routes of plugins registered later). HEAD and OPTIONS routes (Fastify's siblings
 * of GET routes, CORS preflights) are not operations of their own and are left out.
 */
export function collectRoutes(app: FastifyInstance): void {
  const seen: CollectedRoute[] = [];
  routesOf.set(app, seen);
  app.addHook('onRoute', (route) => {
    const doc = route.config?.openapi;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      if (doc && !isHidden(doc)) checkParams(method, route.url, doc);
      seen.push({ method, url: route.url, doc });
    }
  });
}

/** The routes collected on `app` (collectRoutes). */
export const collectedRoutes = (app: FastifyInstance): CollectedRoute[] => [...(routesOf.get(app) ?? [])];

/** A collected route as `METHOD path` (OpenAPI path syntax). */
const operationName = (r: CollectedRoute) => `${r.method} ${openApiPath(r.url, paramNames(r.doc))}`;

/** The routes registered on `app` as `METHOD path` (OpenAPI path syntax), hidden ones included. */
export const registeredOperations = (app: FastifyInstance): string[] => [...new Set(collectedRoutes(app).map(operationName))];

/** Routes registered on `app` with no descriptor: each one is a gap in the document. */
export const undocumentedRoutes = (app: FastifyInstance): string[] => collectedRoutes(app).filter((r) => r.doc === undefined).map(operationName);

/** Routes registered on `app` and left out of the document on purpose (`hidden`). */
export const hiddenRoutes = (app: FastifyInstance): string[] => collectedRoutes(app).filter((r) => isHidden(r.doc)).map(operationName);

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input (the message names the field)',
  401: 'missing, unknown or revoked API key',
  403: 'the key (or its person) lacks the role this needs in the project, or the project is outside the key\'s projects (api/access.ts)',
  404: 'not found (or another tenant\'s)',
  405: 'method not allowed',
  409: 'conflict',
  413: 'payload over the limit',
  429: 'too many requests; see Retry-After',
  503: 'a dependency is down; see Retry-After',
};

/** The properties of an object schema as parameters `in` the path or the query. */
function propertiesAsParameters(schema: z.ZodType, at: 'path' | 'query'): Json[] {
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, property]) => ({ name, in: at, required: at === 'path' || (s.required ?? []).includes(name), schema: property }));
}

function parametersOf(op: RouteDoc): Json[] {
  const params: Json[] = [];
  if (op.params) params.push(...propertiesAsParameters(op.params, 'path'));
  if (op.query) params.push(...propertiesAsParameters(op.query, 'query'));
  for (const [name, h] of Object.entries(op.headers ?? {})) params.push({ name, in: 'header', required: false, description: h.description, schema: jsonSchema(h.schema, 'input') });
  return params;
}

function operationOf(method: string, path: string, op: RouteDoc): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    const code = Number(status);
    if (answer === null) responses[status] = { description: ERROR_TEXT[code] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    else if ('mediaType' in answer) responses[status] = { description: answer.description, content: { [answer.mediaType]: { schema: {} } } };
    else responses[status] = { description: 'success', content: { 'application/json': { schema: jsonSchema(answer, 'output') } } };
  }
  const errors = [...(op.auth === false ? [] : [401, 403]), ...(op.query || op.body || op.params ? [400] : []), ...(op.auth === false ? [] : [429, 503])];
  for (const code of errors) responses[String(code)] ??= { $ref: `#/components/responses/E${code}` };
  const parameters = parametersOf(op);
  return {
    operationId: `${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    tags: op.tags,
    ...(op.auth === false ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the documented routes among `routes`. */
export function buildOpenApiDocument(routes: readonly CollectedRoute[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (!route.doc || isHidden(route.doc)) continue;
    const method = route.method.toLowerCase();
    const path = openApiPath(route.url, paramNames(route.doc));
    (paths[path] ??= {})[method] = operationOf(method, path, route.doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'memflow API',
      version: '1',
      description: 'Durable memory for AI coding agents. Everything under /v1 needs `Authorization: Bearer <api key>`; the key names the tenant.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: TAGS.map((name) => ({ name })),
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

export function registerOpenApiRoute(app: FastifyInstance): void {
  let doc: string | undefined;
  app.get(
    '/openapi.json',
    documented({ summary: 'This document', tags: ['operations'], auth: false, answers: { 200: { mediaType: 'application/json', description: 'OpenAPI 3.1' } } }),
    async (_req, reply) => {
      // Built on the first request, when every route is registered.
      doc ??= JSON.stringify(buildOpenApiDocument(collectedRoutes(app)));
      return reply.header('content-type', 'application/json; charset=utf-8').send(doc);
    },
  );
}
