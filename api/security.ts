/**
 * Defaults of a JSON API that browsers should never render or embed: security headers
 * (@fastify/helmet), CORS closed unless origins are configured (@fastify/cors), and no caching of
 * answers (they carry a tenant's memory).
 */
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

export interface SecurityOptions {
  /** Exact origins (scheme://host[:port]) allowed to call the API from a browser; none by default. */
  corsOrigins?: readonly string[];
}

/** Registers the headers and CORS on the root instance; call it before any route is added. */
export function installSecurity(app: FastifyInstance, opts: SecurityOptions = {}): void {
  app.register(fastifyHelmet, {
    global: true,
    // Nothing here is HTML: forbid every fetch, frame and form a browser might attempt.
    contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // The API listens on plain HTTP on 127.0.0.1 by default; HSTS belongs to the TLS proxy in front of it.
    strictTransportSecurity: false,
  });

  // Without configured origins the plugin is not registered at all: no answer (preflights included)
  // ever carries access-control-* headers, so browsers refuse cross-origin reads.
  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    app.register(fastifyCors, {
      origin: [...opts.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-memflow-project', 'x-memflow-project-key', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id', 'x-memflow-event-id', 'x-memflow-duplicate'],
      maxAge: 600,
      strictPreflight: true,
    });
  }

  app.addHook('onSend', async (_req, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}

/** MEMFLOW_CORS_ORIGINS: comma-separated exact origins; blanks ignored. */
export const parseCorsOrigins = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Errors Fastify raises before routing (a URL that is not valid percent-encoding, a path parameter
 * over maxParamLength), in the API's error shape instead of Fastify's own.
 */
export function frameworkErrors(error: Error & { statusCode?: number }, _req: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.code(status).send(errorBody(status === 414 ? 'uri_too_long' : 'bad_request', error.message));
}
