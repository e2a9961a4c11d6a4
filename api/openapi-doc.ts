/**
 * How a route documents itself in GET /openapi.json: where it is registered, in its options'
 * `config` (Fastify hands route options, `config` included, to the `onRoute` hook):
 *
 *   app.get('/v1/usage', documented({ summary: '…', tags: ['operations'], query: usageQuery, answers: { 200: usageAnswer } }), handler);
 *
 * The schemas are the zod schemas the route parses with (parseOr400) and answers with (`answer`,
 * messages/api-v1.ts). api/openapi.ts collects the descriptors as Fastify registers the routes and
 * renders the document; tests/openapi.test.ts fails on a route that has none (unless `hidden`).
 * This module is the low one every route module imports: types, two helpers and the shared headers.
 */
import { z } from 'zod';
import { PROJECT_KEY } from '../common/workspace/repository-key.js';

/** The document's tags, in its order. */
export const TAGS = ['capture', 'retrieval', 'memory', 'sessions', 'data', 'admin', 'operations', 'viewer'] as const;
export type Tag = (typeof TAGS)[number];

/** An answer: its JSON schema, a non-JSON media type, or `null` for the error shape. */
export type Answer = z.ZodType | { mediaType: string; description: string } | null;

export interface HeaderDoc {
  schema: z.ZodType;
  description: string;
}

export interface RouteDoc {
  summary: string;
  tags: Tag[];
  /** false: no API key (health, readiness, metrics, this document, the viewer's own routes). */
  auth?: false;
  /** Admin keys only (documents 403). */
  admin?: true;
  /** Path parameters by name: every `:name` of the URL, and the name of a trailing `*`. */
  params?: z.ZodObject;
  query?: z.ZodType;
  headers?: Record<string, HeaderDoc>;
  body?: z.ZodType;
  /** Status -> answer. 401, 429 and 503 (keyed routes), 403 (admin) and 400 (any input) are added. */
  answers: Record<number, Answer>;
}

/** A route left out of the document on purpose, with why. */
export interface HiddenRoute {
  hide: true;
  why: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's OpenAPI description (api/openapi-doc.ts). */
    openapi?: RouteDoc | HiddenRoute;
  }
}

/** Route options that carry the route's documentation. */
export const documented = (doc: RouteDoc) => ({ config: { openapi: doc } });

/** Route options that leave the route out of the document (tests/openapi.test.ts accepts it). */
export const hidden = (why: string) => ({ config: { openapi: { hide: true, why } satisfies HiddenRoute } });

/** The project headers the CLI, the MCP entry and the hook client send. */
export const projectHeaders: Record<string, HeaderDoc> = {
  'x-memflow-project': { schema: z.string().max(512), description: 'the project, when `?project=` is absent' },
  'x-memflow-project-key': {
    schema: z.string().regex(PROJECT_KEY),
    description:
      "the repository's key: the named project is read as the project of the repository with that key (the name the hooks gave it), when it was derived from that name",
  },
};
