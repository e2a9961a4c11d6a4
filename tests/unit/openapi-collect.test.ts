/**
 * The OpenAPI document is made of the descriptors routes carry where they are registered
 * (api/openapi-doc.ts), collected by an onRoute hook (api/openapi.ts): on a bare Fastify instance,
 * without the API's servers. tests/openapi.test.ts holds the real API's document to the same rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildOpenApiDocument, collectedRoutes, collectRoutes, hiddenRoutes, registeredOperations, undocumentedRoutes } from '../../api/openapi.js';
import { documented, hidden } from '../../api/openapi-doc.js';

type Operation = { parameters?: { name: string; in: string; required: boolean }[]; security?: unknown[]; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>> };

async function appWith(register: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  collectRoutes(app);
  register(app);
  await app.ready();
  return app;
}

const ok = async () => ({});

test('routes document themselves where they are registered; the undocumented and the hidden are told apart', async () => {
  const app = await appWith((app) => {
    app.get('/health', documented({ summary: 'alive', tags: ['operations'], auth: false, answers: { 200: z.object({ status: z.literal('ok') }) } }), ok);
    // In a plugin registered later, as the /v1 routes are: the root's hook still sees them.
    app.register(async (v1) => {
      v1.get('/v1/things/:id', documented({ summary: 'a thing', tags: ['data'], params: z.object({ id: z.string().uuid() }), query: z.object({ full: z.coerce.boolean().default(false) }), answers: { 200: z.object({ id: z.string() }), 404: null } }), ok);
      v1.post('/v1/things::batchGet', documented({ summary: 'things', tags: ['data'], admin: true, body: z.object({ ids: z.array(z.string()).max(10) }), answers: { 200: z.object({ items: z.array(z.string()) }) } }), ok);
      v1.get('/v1/jobs/*', documented({ summary: 'a job', tags: ['admin'], params: z.object({ jobId: z.string() }), answers: { 200: z.object({}) } }), ok);
      v1.get('/v1/forgotten', ok);
      v1.get('/v1/internal', hidden('a test of hide'), ok);
    });
  });

  assert.deepEqual(undocumentedRoutes(app), ['GET /v1/forgotten']);
  assert.deepEqual(hiddenRoutes(app), ['GET /v1/internal']);
  assert.ok(!registeredOperations(app).some((op) => op.startsWith('HEAD ')), "Fastify's HEAD siblings are not operations");
  assert.deepEqual(registeredOperations(app).sort(), ['GET /health', 'GET /v1/forgotten', 'GET /v1/internal', 'GET /v1/jobs/{jobId}', 'GET /v1/things/{id}', 'POST /v1/things:batchGet']);

  const doc = buildOpenApiDocument(collectedRoutes(app)) as unknown as Doc;
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/health', '/v1/jobs/{jobId}', '/v1/things/{id}', '/v1/things:batchGet'], 'the undocumented and the hidden are not in it');
  const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));

  const thing = doc.paths['/v1/things/{id}']!.get!;
  assert.deepEqual(thing.parameters!.map((p) => [p.name, p.in, p.required]), [['id', 'path', true], ['full', 'query', false]]);
  // Every keyed route may answer 403: the access check (api/access.ts) refuses by role and project.
  assert.deepEqual(Object.keys(thing.responses).sort(), ['200', '400', '401', '403', '404', '429', '503'], 'a keyed route with input: 400, 401, 403, 429, 503 added');
  assert.deepEqual(Object.keys(doc.paths['/v1/things:batchGet']!.post!.responses).sort(), ['200', '400', '401', '403', '429', '503'], 'an admin route: 403');
  assert.deepEqual(doc.paths['/health']!.get!.security, [], 'auth: false needs no key');
  assert.deepEqual(Object.keys(doc.paths['/health']!.get!.responses), ['200']);
  await app.close();
});

test("a descriptor whose path parameters are not the route's stops the server from starting", async () => {
  const wrong = [
    ['/v1/things/:id', z.object({ thingId: z.string() })],
    ['/v1/things/:id', undefined],
    ['/v1/things', z.object({ id: z.string() })],
    ['/v1/jobs/*', undefined],
  ] as const;
  for (const [url, params] of wrong) {
    await assert.rejects(
      appWith((app) => app.get(url, documented({ summary: 's', tags: ['data'], ...(params ? { params } : {}), answers: { 200: null } }), ok)),
      /are not the path's parameters/,
      url,
    );
  }
});
