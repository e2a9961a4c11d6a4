/**
 * GET /openapi.json: a valid OpenAPI 3.1 document whose paths and methods are exactly the routes the
 * API registers (a route added without documentation fails here), generated from the routes' zod
 * schemas, served without a key by the real API.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApi } from '../api/app.js';
import { documentedOperations, registeredOperations } from '../api/openapi.js';
import { createLogger } from '../common/logger.js';
import { testConfig, testPrisma, uniqueName } from './helpers/env.js';

const prisma = testPrisma();
const api = createApi(testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('openapi') }), prisma, createLogger('test-api', 'warn'));
let doc: { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[]; requestBody?: unknown; security?: unknown[]; responses: Record<string, unknown> }>>; components: Record<string, Record<string, unknown>> };

before(async () => {
  await api.app.ready();
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200, 'served without an API key');
  assert.match(String(res.headers['content-type']), /application\/json/);
  doc = res.json();
});
after(async () => {
  await api.close();
  await prisma.$disconnect();
});

test('the document is valid OpenAPI 3.1', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test('its paths and methods are exactly the routes Fastify has registered', () => {
  const registered = registeredOperations(api.app).sort();
  const inDocument = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  assert.ok(registered.length >= 20, `routes seen: ${registered.length}`);
  assert.deepEqual(inDocument, registered, 'documented vs registered routes');
  assert.deepEqual([...documentedOperations()].sort(), inDocument);
});

test('parameters, bodies, auth and errors come from the routes’ schemas', () => {
  const search = doc.paths['/v1/search']!.get!;
  const q = search.parameters!.find((p) => p.name === 'q' && p.in === 'query');
  assert.equal(q?.required, true, 'q is required by the search schema');
  const mode = search.parameters!.find((p) => p.name === 'mode') as unknown as { required: boolean; schema: { enum?: string[] } };
  assert.equal(mode.required, false, 'a defaulted field is optional on input');
  assert.deepEqual(mode.schema.enum, ['hybrid', 'keyword', 'semantic']);
  const limit = search.parameters!.find((p) => p.name === 'limit') as unknown as { schema: { maximum?: number } };
  assert.equal(limit.schema.maximum, 100);

  const hook = doc.paths['/v1/hooks/{event}']!.post!;
  const event = hook.parameters!.find((p) => p.name === 'event') as unknown as { in: string; schema: { pattern: string; description: string } };
  assert.equal(event.in, 'path');
  assert.ok(new RegExp(event.schema.pattern).test('post-tool-use-failure') && !new RegExp(event.schema.pattern).test('Post_Tool'));
  assert.match(event.schema.description, /session-start, .*post-tool-use-failure/);
  const body = hook.requestBody as { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } };
  assert.deepEqual(body.content['application/json'].schema.required, ['session_id']);
  assert.ok('tool_use_id' in body.content['application/json'].schema.properties);

  const batch = doc.paths['/v1/memories:batchGet']!.post!.requestBody as { content: { 'application/json': { schema: { properties: { ids: { maxItems: number } } } } } };
  assert.equal(batch.content['application/json'].schema.properties.ids.maxItems, 100);

  const audit = doc.paths['/v1/admin/audit']!.get!;
  assert.deepEqual(audit.parameters!.map((p) => p.name).sort(), ['action', 'cursor', 'limit', 'since', 'until']);
  assert.ok('403' in audit.responses, 'admin routes document 403');

  assert.deepEqual(doc.components.securitySchemes!.apiKey, { type: 'http', scheme: 'bearer', description: (doc.components.securitySchemes!.apiKey as { description: string }).description });
  assert.deepEqual(doc.paths['/health']!.get!.security, [], 'health needs no key');
  assert.ok('401' in doc.paths['/v1/sessions']!.get!.responses);
  const error = doc.components.schemas!.Error as { properties: { error: { required: string[] } } };
  assert.deepEqual(error.properties.error.required.sort(), ['code', 'message']);
});
