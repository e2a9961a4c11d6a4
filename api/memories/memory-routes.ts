/**
 * Full memory records by id: GET /v1/memories/{id} and POST /v1/memories:batchGet {"ids":[...]}
 * (the colon is literal, as in Google's custom methods; Fastify needs it doubled). An id is looked
 * up in observations, summaries and learnings, always within the caller's tenant.
 * POST /v1/memories stores a memory a person or an agent states (see ./stated-memories.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import type { Indexer } from './index-now.js';
import { MAX_MEMORY_CHARS, MAX_TITLE_CHARS, STATED_KINDS, STATED_ORIGINS, stateMemory } from './stated-memories.js';
import { pgRunner, readMemories } from './memory-reads.js';
import { batchGetAnswer, memoryRecord, STORABLE_TEXT, statedMemory } from '../../messages/api-v1.js';
import { answer, channelParam, memoryRefParam, parseOr400, projectOfRequest, projectParam } from '../validation.js';
import { documented, projectHeaders } from '../openapi-doc.js';
import { recordServedRecords } from '../../common/server/context-receipts.js';

export interface MemoryRouteDeps {
  prisma: PrismaClient;
  /** Reads go through node-postgres: one statement, without Prisma's per-query overhead. */
  pool: PgPool;
  indexer: Indexer;
}

const tagParam = z.string().regex(/^[\w.:/-]{1,40}$/, 'a tag is 1-40 letters, digits or . _ : / -');

export const rememberBody = z.object({
  text: z.string({ error: 'required: the memory, in words' }).trim().min(1, 'must not be empty').max(MAX_MEMORY_CHARS, `at most ${MAX_MEMORY_CHARS} characters`).regex(...STORABLE_TEXT),
  kind: z.enum(STATED_KINDS, { error: `must be one of ${STATED_KINDS.join(', ')}` }).default('fact'),
  project: projectParam,
  title: z.string().trim().max(MAX_TITLE_CHARS, `at most ${MAX_TITLE_CHARS} characters`).regex(...STORABLE_TEXT).optional(),
  tags: z.array(tagParam).max(10, 'at most 10 tags').optional(),
  /** Who states it: a person (default) or an agent's tool; ranks it (a person's word counts more). */
  origin: z.enum(STATED_ORIGINS, { error: `must be one of ${STATED_ORIGINS.join(', ')}` }).default('user'),
});

const projectOnly = z.object({ project: projectParam });
const memoryPath = z.object({ id: memoryRefParam });

export const MAX_BATCH_IDS = 100;

/** Set by the MCP get tool (mcp_tool:get): the records are an injection, and get a receipt in their project. */
const batchQuery = z.object({ channel: channelParam.optional() });

export const batchBody = z.object({
  ids: z
    .array(memoryRefParam, { error: 'required: an array of memory ids' })
    .min(1, 'must hold at least one id')
    .max(MAX_BATCH_IDS, `at most ${MAX_BATCH_IDS} ids per call`),
});

export function registerMemoryRoutes(app: FastifyInstance, deps: MemoryRouteDeps): void {
  const sql = pgRunner(deps.pool);
  const memoryDoc = documented({
    summary: 'One full memory record (id: a UUID, or its first 8+ hex digits)',
    tags: ['retrieval'],
    params: memoryPath,
    answers: { 200: memoryRecord, 404: null, 409: null },
  });
  app.get<{ Params: { id: string } }>('/v1/memories/:id', memoryDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id: ref } = parseOr400(memoryPath, req.params, 'invalid_path');
    const { records, ambiguous } = await readMemories(sql, tenantId, [ref]);
    if (ambiguous.length) throw new HttpError(409, 'ambiguous', `id prefix '${ref}' names several memories; give more of the id`);
    const record = records.get(ref);
    if (!record) throw new HttpError(404, 'not_found', `no memory '${ref}'`);
    return answer(memoryRecord, record);
  });

  const rememberDoc = documented({
    summary: 'Store a memory a person or an agent states (redacted, embedded, searchable at once); the same text again restates it',
    tags: ['memory'],
    query: projectOnly,
    headers: projectHeaders,
    body: rememberBody,
    answers: { 201: statedMemory, 200: statedMemory, 409: null },
  });
  app.post<{ Querystring: Record<string, string | undefined> }>('/v1/memories', rememberDoc, async (req, reply) => {
    const { tenantId, keyId } = requirePrincipal(req);
    const body = parseOr400(rememberBody, req.body, 'invalid_body');
    const project = body.project ?? parseOr400(projectOnly, { project: projectOfRequest(req.query, req.headers['x-memflow-project']) }).project;
    if (!project) throw new HttpError(400, 'invalid_body', 'project: required (in the body, ?project= or the X-Memflow-Project header)');
    const actor = { tenantId, keyId, requestId: req.id, origin: body.origin };
    const stated = await stateMemory(deps.prisma, actor, { project, text: body.text, kind: body.kind, title: body.title, tags: body.tags });
    const indexed = await deps.indexer.indexNow(tenantId, [stated.id], req.id);
    return reply.code(stated.status === 'created' ? 201 : 200).send(answer(statedMemory, { ...stated, indexed }));
  });

  const batchDoc = documented({ summary: 'Full memory records by id', tags: ['retrieval'], query: batchQuery, body: batchBody, answers: { 200: batchGetAnswer } });
  app.post<{ Querystring: Record<string, string | undefined> }>('/v1/memories::batchGet', batchDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { channel } = parseOr400(batchQuery, req.query);
    const { ids: refs } = parseOr400(batchBody, req.body, 'invalid_body');
    const wanted = [...new Set(refs)];
    const { records, ambiguous } = await readMemories(sql, tenantId, wanted);
    const at = (ref: string) => records.get(ref);
    if (channel) {
      const served = [...records.values()].map((r, i) => ({ id: r.id, type: r.type, project: typeof r.project === 'string' ? r.project : undefined, text: JSON.stringify(r), score: 0, reason: `asked for by id (${i + 1} of ${records.size})` }));
      await recordServedRecords(deps.pool, req.log, tenantId, channel, served);
    }
    // In the order asked; refs this tenant does not hold are listed, not an error.
    return answer(batchGetAnswer, {
      items: [...new Map(wanted.flatMap((ref) => (at(ref) ? [[at(ref)!.id, at(ref)!] as const] : []))).values()],
      notFound: wanted.filter((ref) => !at(ref) && !ambiguous.includes(ref)),
      ...(ambiguous.length ? { ambiguous } : {}),
    });
  });
}
