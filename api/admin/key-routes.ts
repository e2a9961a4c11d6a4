/**
 * The tenant's API keys, for admins (the web viewer's Admin view; the operator CLI does the same with
 * DATABASE_URL):
 *   GET    /v1/admin/keys        the keys (prefix, role, label, created, last used, revoked), never a secret
 *   POST   /v1/admin/keys        {role?, label?, person?, projects?, readOnly?} -> 201 {key, keyId, prefix, role}: the key is shown this once
 *   DELETE /v1/admin/keys/{id}   revoke (audited); refused on the caller's own key (409)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { createApiKey, keyListing, revokeApiKey } from '../../common/server/tenants.js';
import { requireAdmin } from '../auth.js';
import { HttpError } from '../errors.js';
import { apiKeys, createdKey, keyRole, STORABLE_TEXT, revokedKey } from '../../messages/api-v1.js';
import { answer, parseOr400, projectParam } from '../validation.js';
import { documented } from '../openapi-doc.js';

export interface KeyRouteDeps {
  prisma: PrismaClient;
}

export const createKeyBody = z
  .object({
    role: keyRole.default('member'),
    label: z.string().trim().max(200, 'at most 200 characters').regex(...STORABLE_TEXT).optional(),
    /** The person it acts for (its role is then a ceiling on theirs). */
    person: z.string().uuid('must be a person id (uuid)').optional(),
    /** The projects it may touch; absent: every project. */
    projects: z
      .array(projectParam.refine((p) => p !== undefined, 'must be a project name'))
      .min(1, 'name at least one project (or leave projects out for every project)')
      .max(100, 'at most 100 projects')
      .optional(),
    readOnly: z.boolean().optional(),
  })
  .strict();
const keyPath = z.object({ id: z.string().uuid('must be a key id (uuid)') });

export function registerKeyRoutes(app: FastifyInstance, deps: KeyRouteDeps): void {
  const keysDoc = documented({ summary: "The tenant's API keys (prefix, role, label, dates; never a secret)", tags: ['admin'], admin: true, answers: { 200: apiKeys } });
  app.get('/v1/admin/keys', keysDoc, async (req) => {
    const { tenantId } = requireAdmin(req);
    const keys = await deps.prisma.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: 'desc' }, take: 1000, include: { person: { select: { id: true, name: true } } } });
    return answer(apiKeys, {
      items: keys.map((k) => ({
        ...keyListing(k),
        person: k.person,
        projects: k.projects.length ? k.projects : null,
        readOnly: k.readOnly,
        expiresAt: k.expiresAt,
      })),
    });
  });

  const createDoc = documented({ summary: 'Mint an API key for the tenant; the key is in this answer only', tags: ['admin'], admin: true, body: createKeyBody, answers: { 201: createdKey } });
  app.post('/v1/admin/keys', createDoc, async (req, reply) => {
    const { tenantName, tenantId, keyId } = requireAdmin(req);
    const body = parseOr400(createKeyBody, req.body, 'invalid_body');
    if (body.person && !(await deps.prisma.person.findFirst({ where: { id: body.person, tenantId }, select: { id: true } }))) throw new HttpError(404, 'not_found', `no person '${body.person}'`);
    const created = await createApiKey(deps.prisma, tenantName, {
      role: body.role,
      actorKeyId: keyId,
      ...(body.label ? { label: body.label } : {}),
      ...(body.person ? { personId: body.person } : {}),
      ...(body.projects ? { projects: [...new Set(body.projects as string[])] } : {}),
      ...(body.readOnly ? { readOnly: true } : {}),
    });
    return reply.code(201).send(answer(createdKey, created));
  });

  const revokeDoc = documented({
    summary: "Revoke one of the tenant's keys (audited); refused on the caller's own key",
    tags: ['admin'],
    admin: true,
    params: keyPath,
    answers: { 200: revokedKey, 404: null, 409: null },
  });
  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', revokeDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { id } = parseOr400(keyPath, req.params, 'invalid_path');
    if (id === keyId) throw new HttpError(409, 'conflict', 'this is the key you are signed in with; revoke it with another admin key');
    const key = await deps.prisma.apiKey.findFirst({ where: { id, tenantId } });
    if (!key) throw new HttpError(404, 'not_found', `no key '${id}'`);
    const revoked = await revokeApiKey(deps.prisma, id, keyId);
    return reply.code(200).send(answer(revokedKey, { id, revoked: true, alreadyRevoked: !revoked }));
  });
}
