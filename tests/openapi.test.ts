/**
 * GET /openapi.json: a valid OpenAPI 3.1 document whose paths and methods are exactly the routes the
 * API registers, generated from the descriptors the routes carry (`config.openapi`, api/openapi-doc.ts):
 * a route registered without one fails here. Served without a key by the real API.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApi } from '../api/app.js';
import { hiddenRoutes, registeredOperations, undocumentedRoutes } from '../api/openapi.js';
import { ApiError, createApiClient } from '../clients/api.js';
import { createLogger } from '../common/server/logger.js';
import { CORPUS, seedCorpus } from './fixtures/retrieval-corpus.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

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

test('every route carries its documentation (config.openapi) unless it is marked hidden', () => {
  assert.deepEqual(undocumentedRoutes(api.app), [], 'routes without documentation: give each documented({...}) where it is registered (api/openapi-doc.ts)');
});

test('its paths and methods are exactly the routes Fastify has registered, hidden ones left out', () => {
  const hidden = new Set(hiddenRoutes(api.app));
  const registered = registeredOperations(api.app).filter((op) => !hidden.has(op)).sort();
  const inDocument = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  assert.ok(registered.length >= 20, `routes seen: ${registered.length}`);
  assert.deepEqual(inDocument, registered, 'documented vs registered routes');
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

// ---------------------------------------------------------------------------------------------
// Answers: what the routes really send must be what the document says (every field documented,
// every required field sent), so a field added to a route without its schema fails here.
// ---------------------------------------------------------------------------------------------

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; enum?: unknown[]; const?: unknown };

/** Where `value` departs from the JSON schema `schema` (the subset zod writes), as paths. */
function departures(value: unknown, schema: Schema, at: string): string[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return branches.some((b) => departures(value, b, at).length === 0) ? [] : [`${at}: matches no alternative (${JSON.stringify(value)?.slice(0, 80)})`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  if ('const' in schema && schema.const !== value) return [`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typeOf = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  if (types.length > 0 && !types.includes(typeOf) && !(typeOf === 'integer' && types.includes('number'))) return [`${at}: a ${typeOf}, documented as ${types.join('|')}`];
  if (typeOf === 'array' && schema.items) return (value as unknown[]).flatMap((v, i) => departures(v, schema.items!, `${at}[${i}]`));
  if (typeOf === 'object' && (schema.properties || schema.additionalProperties !== undefined)) {
    const obj = value as Record<string, unknown>;
    const out = (schema.required ?? []).filter((k) => !(k in obj)).map((k) => `${at}.${k}: required, not sent`);
    for (const [k, v] of Object.entries(obj)) {
      const prop = schema.properties?.[k];
      if (prop) out.push(...departures(v, prop, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${k}: sent, not documented`);
      else if (typeof schema.additionalProperties === 'object') out.push(...departures(v, schema.additionalProperties, `${at}.${k}`));
    }
    return out;
  }
  return [];
}

test('answers: what the routes send is what the document says', async () => {
  const admin = await newTenant(prisma, 'admin');
  await prisma.backup.create({ data: { scope: 'tenant', tenantId: admin.tenantId, status: 'completed', checksum: 'c'.repeat(64), sizeBytes: 10n, completedAt: new Date() } });
  const routes = [
    ['/v1/search', '/v1/search?q=anything'],
    ['/v1/sessions', '/v1/sessions'],
    ['/v1/learnings', '/v1/learnings'],
    ['/v1/context', '/v1/context?project=nothing-here'],
    ['/v1/usage', '/v1/usage'],
    ['/v1/admin/backups', '/v1/admin/backups'],
    ['/v1/admin/retention', '/v1/admin/retention'],
    ['/v1/admin/keys', '/v1/admin/keys'],
    ['/v1/admin/audit', '/v1/admin/audit'],
  ] as const;
  const problems: string[] = [];
  for (const [path, url] of routes) {
    const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin.key}` } });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    const documented = (doc.paths[path]?.get?.responses['200'] as { content?: { 'application/json'?: { schema: Schema } } } | undefined)?.content?.['application/json']?.schema;
    assert.ok(documented, `GET ${path} documents its 200 answer`);
    problems.push(...departures(res.json(), documented, `GET ${path}`));
  }
  assert.deepEqual(problems, []);
});

test('answers with data: every JSON route a client reads sends what the document says, and the typed client parses it', async () => {
  const admin = await newTenant(prisma, 'admin');
  const project = uniqueName('documented');
  const seeded = await seedCorpus(prisma, admin.tenantId, project, CORPUS.slice(0, 3));
  const [s] = seeded.sessions;
  const key = { authorization: `Bearer ${admin.key}` };
  const problems: string[] = [];
  /** Sends one request, checks its answer against the document's schema for (method, path, status); returns the body. */
  async function answerOf(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, url: string, status: number, body?: unknown): Promise<any> {
    const res = await api.app.inject({ method, url, headers: { ...key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    const documented = (doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)] as { content?: { 'application/json'?: { schema: Schema } } } | undefined)?.content?.['application/json']?.schema;
    assert.ok(documented, `${method} ${path} documents its ${status} answer`);
    problems.push(...departures(res.json(), documented, `${method} ${path}`));
    return res.json();
  }

  const search = await answerOf('GET', '/v1/search', `/v1/search?q=Playwright%20checkout&project=${project}&mode=keyword`, 200);
  assert.ok(search.results.length > 0, 'the search found the seeded memories');
  const context = await answerOf('GET', '/v1/context', `/v1/context?project=${project}`, 200);
  assert.ok(context.items.length > 0);
  await answerOf('GET', '/v1/sessions/{id}', `/v1/sessions/${s!.agentSessionId}`, 200);
  await answerOf('GET', '/v1/sessions/{id}/timeline', `/v1/sessions/${s!.agentSessionId}/timeline`, 200);
  await answerOf('GET', '/v1/sessions/{id}/memories', `/v1/sessions/${s!.agentSessionId}/memories`, 200);
  await answerOf('GET', '/v1/memories/{id}', `/v1/memories/${s!.learningId}`, 200);
  await answerOf('POST', '/v1/memories:batchGet', '/v1/memories:batchGet', 200, { ids: [s!.learningId, s!.summaryId, s!.observationIds[0]] });
  const stated = await answerOf('POST', '/v1/memories', `/v1/memories?project=${project}`, 201, { text: 'The storefront deploys from the release branch only.', kind: 'convention' });
  await answerOf('POST', '/v1/memories', `/v1/memories?project=${project}`, 200, { text: 'The storefront deploys from the release branch only.', kind: 'convention' });
  const corrected = await answerOf('POST', '/v1/learnings/{id}/correct', `/v1/learnings/${stated.id}/correct`, 200, { text: 'The storefront deploys from main, tagged.', reason: 'the release branch was retired' });
  await answerOf('POST', '/v1/learnings/{id}/wrong', `/v1/learnings/${corrected.id}/wrong`, 200, { reason: 'tags are made by CI, not by hand' });
  await answerOf('POST', '/v1/learnings/{id}/forget', `/v1/learnings/${seeded.sessions[1]!.learningId}/forget`, 200, { reason: 'no longer true' });
  await answerOf('POST', '/v1/learnings/staleness', '/v1/learnings/staleness', 200, { results: [] });
  await answerOf('PUT', '/v1/admin/retention', '/v1/admin/retention', 200, { rawEventMaxAgeDays: 30 });
  // The review inbox (docs/review.md): a project under review, two extracted learnings waiting.
  await answerOf('PUT', '/v1/projects/{project}/review-policy', `/v1/projects/${project}/review-policy`, 200, { policy: 'review' });
  const waiting = await Promise.all(
    ['Pending one', 'Pending two'].map((title) => prisma.learning.create({ data: { tenantId: admin.tenantId, projectId: seeded.projectId, kind: 'fix', title, body: title, fingerprint: crypto.randomBytes(32).toString('hex') } })),
  );
  assert.equal((await answerOf('GET', '/v1/review', `/v1/review?project=${project}`, 200)).items.length, 2);
  assert.equal((await answerOf('GET', '/v1/review/counts', '/v1/review/counts', 200)).pending, 2);
  await answerOf('GET', '/v1/projects/{project}/review-policy', `/v1/projects/${project}/review-policy`, 200);
  await answerOf('POST', '/v1/review/{id}/edit', `/v1/review/${waiting[0]!.id}/edit`, 200, { text: 'Edited in review.' });
  await answerOf('POST', '/v1/review/decisions', '/v1/review/decisions', 200, { decision: 'reject', ids: [waiting[1]!.id] });
  const created = await answerOf('POST', '/v1/admin/keys', '/v1/admin/keys', 201, { role: 'member', label: 'documented' });
  await answerOf('DELETE', '/v1/admin/keys/{id}', `/v1/admin/keys/${created.keyId}`, 200);
  const backup = await prisma.backup.create({ data: { scope: 'tenant', tenantId: admin.tenantId, status: 'completed', checksum: 'c'.repeat(64), sizeBytes: 10n, completedAt: new Date() } });
  await answerOf('GET', '/v1/admin/backups/{id}', `/v1/admin/backups/${backup.id}`, 200);
  const tombstone = await prisma.erasureTombstone.create({ data: { jobId: `erase-${uniqueName('job')}`, tenantId: admin.tenantId, projectName: 'gone', projectId: crypto.randomUUID(), erasedAt: new Date() } });
  await answerOf('GET', '/v1/jobs/{jobId}', `/v1/jobs/${tombstone.jobId}`, 200);
  assert.deepEqual(problems, []);

  // The typed client reads the same answers with the same schemas (through Fastify inject, as /mcp does).
  const client = createApiClient({
    describe: 'the test API',
    key: admin.key,
    async transport(req) {
      const res = await api.app.inject({ method: req.method, url: req.path, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
      return { status: res.statusCode, text: res.body, headers: { get: (name) => [res.headers[name.toLowerCase()] ?? []].flat()[0]?.toString() ?? null } };
    },
  });
  assert.equal((await client.search({ q: 'Playwright checkout', project, mode: 'keyword' })).results.length, search.results.length);
  assert.equal((await client.session(s!.agentSessionId)).id, s!.agentSessionId);
  assert.ok((await client.timeline(s!.agentSessionId)).items.length > 0);
  assert.equal((await client.memory(s!.summaryId)).type, 'summary');
  assert.equal((await client.erasure(tombstone.jobId)).status, 'erased');
  assert.equal((await client.backups()).items[0]?.id, backup.id);
  assert.equal((await client.reviewCounts()).pending, 0);
  assert.equal((await client.reviewPolicy(project)).policy, 'review');
  const missing = await client.memory('00000000-0000-4000-8000-000000000000').catch((err: unknown) => err);
  assert.ok(missing instanceof ApiError, 'a 404 is an ApiError');
  assert.deepEqual([missing.status, missing.code], [404, 'not_found']);
});
