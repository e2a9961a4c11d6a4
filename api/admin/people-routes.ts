/**
 * People of the tenant and their roles (issue 51), for admins; and who the caller is, for anyone:
 *   GET    /v1/me                                     the key's tenant, person, roles and scope
 *   DELETE /v1/me/keys/{id}                           revoke one of your own keys (`memflow logout`: the calling one)
 *   GET    /v1/admin/people                           the tenant's people with their roles
 *   POST   /v1/admin/people                           {name, email?, role?} -> 201: a person (where there is no
 *                                                     OpenID provider, or ahead of their first sign-in by email)
 *   PUT    /v1/admin/people/{id}                      {role?, disabled?}: a disabled person's keys stop at once
 *   PUT    /v1/admin/people/{id}/projects/{project}   {role}: their role in that project
 *   DELETE /v1/admin/people/{id}/projects/{project}   back to their tenant role there
 * Every change is audited (person.create, person.update, person.project_role).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { keyRole, STORABLE_TEXT, people, personView, revokedKey, whoAmI } from '../../messages/api-v1.js';
import { revokeApiKey } from '../../common/server/tenants.js';
import { requireAdmin, requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { documented } from '../openapi-doc.js';
import { answer, parseOr400, projectParam } from '../validation.js';

export interface PeopleRouteDeps {
  prisma: PrismaClient;
}

export const createPersonBody = z
  .object({
    name: z.string({ error: 'required: their name' }).trim().min(1, 'must not be empty').max(200, 'at most 200 characters').regex(...STORABLE_TEXT),
    email: z.string().trim().max(320).regex(...STORABLE_TEXT).email('must be an email address').optional(),
    role: keyRole.default('member'),
  })
  .strict();
export const updatePersonBody = z
  .object({ role: keyRole.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, { message: 'give role or disabled' });
export const projectRoleBody = z.object({ role: keyRole }).strict();
const personPath = z.object({ id: z.string().uuid('must be a person id (uuid)') });
const keyPath = z.object({ id: z.string().uuid('must be a key id (uuid)') });
const personProjectPath = z.object({
  id: z.string().uuid('must be a person id (uuid)'),
  project: projectParam.refine((p) => p !== undefined, 'required: a project name'),
});

type PersonRow = { id: string; name: string; email: string | null; role: z.output<typeof keyRole>; subject: string | null; createdAt: Date; disabledAt: Date | null; projectRoles: { project: string; role: z.output<typeof keyRole> }[] };

const viewOf = (p: PersonRow) => ({
  id: p.id,
  name: p.name,
  email: p.email,
  role: p.role,
  projectRoles: Object.fromEntries(p.projectRoles.map((r) => [r.project, r.role])),
  signIn: p.subject !== null,
  createdAt: p.createdAt,
  disabledAt: p.disabledAt,
});

export function registerPeopleRoutes(app: FastifyInstance, deps: PeopleRouteDeps): void {
  const { prisma } = deps;

  const meDoc = documented({ summary: 'Who the key is: tenant, person, role, project roles and scope', tags: ['admin'], answers: { 200: whoAmI } });
  app.get('/v1/me', meDoc, async (req) => {
    const p = requirePrincipal(req);
    return answer(whoAmI, {
      tenant: p.tenantName,
      keyId: p.keyId,
      role: p.role,
      person: p.person ?? null,
      projects: p.projects ? [...p.projects] : null,
      projectRoles: { ...(p.projectRoles ?? {}) },
      expiresAt: p.expiresAt ? new Date(p.expiresAt).toISOString() : null,
    });
  });

  const revokeOwnDoc = documented({
    summary: "Revoke one of your own keys: the calling key (`memflow logout`) or another key of the same person (audited)",
    tags: ['admin'],
    params: keyPath,
    answers: { 200: revokedKey, 404: null },
  });
  app.delete<{ Params: { id: string } }>('/v1/me/keys/:id', revokeOwnDoc, async (req) => {
    const p = requirePrincipal(req);
    const { id } = parseOr400(keyPath, req.params, 'invalid_path');
    const own = id === p.keyId || (p.person !== undefined && (await prisma.apiKey.findFirst({ where: { id, tenantId: p.tenantId, personId: p.person.id }, select: { id: true } })) !== null);
    if (!own) throw new HttpError(404, 'not_found', `no key '${id}' of yours`);
    const revoked = await revokeApiKey(prisma, id, p.keyId);
    return answer(revokedKey, { id, revoked: true, alreadyRevoked: !revoked });
  });

  const listDoc = documented({ summary: "The tenant's people, with their roles", tags: ['admin'], admin: true, answers: { 200: people } });
  app.get('/v1/admin/people', listDoc, async (req) => {
    const { tenantId } = requireAdmin(req);
    const rows = await prisma.person.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' }, take: 1000, include: { projectRoles: true } });
    return answer(people, { items: rows.map(viewOf) });
  });

  const createDoc = documented({ summary: 'Add a person (their first sign-in with this email links them to the OpenID provider)', tags: ['admin'], admin: true, body: createPersonBody, answers: { 201: personView } });
  app.post('/v1/admin/people', createDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const body = parseOr400(createPersonBody, req.body, 'invalid_body');
    const created = await prisma.$transaction(async (tx) => {
      const person = await tx.person.create({ data: { tenantId, name: body.name, email: body.email?.toLowerCase() ?? null, role: body.role }, include: { projectRoles: true } });
      await recordAudit(tx, { tenantId, actorKeyId: keyId, action: 'person.create', target: `person:${person.id}`, outcome: 'success', details: { name: person.name, role: person.role }, requestId: req.id });
      return person;
    });
    return reply.code(201).send(answer(personView, viewOf(created)));
  });

  const updateDoc = documented({ summary: "Change a person's tenant role, or shut them out (their keys stop at once)", tags: ['admin'], admin: true, params: personPath, body: updatePersonBody, answers: { 200: personView, 404: null } });
  app.put<{ Params: { id: string } }>('/v1/admin/people/:id', updateDoc, async (req) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { id } = parseOr400(personPath, req.params, 'invalid_path');
    const body = parseOr400(updatePersonBody, req.body, 'invalid_body');
    const updated = await prisma.$transaction(async (tx) => {
      const { count } = await tx.person.updateMany({
        where: { id, tenantId },
        data: { ...(body.role ? { role: body.role } : {}), ...(body.disabled !== undefined ? { disabledAt: body.disabled ? new Date() : null } : {}) },
      });
      if (count === 0) throw new HttpError(404, 'not_found', `no person '${id}'`);
      await recordAudit(tx, { tenantId, actorKeyId: keyId, action: 'person.update', target: `person:${id}`, outcome: 'success', details: { ...body }, requestId: req.id });
      return tx.person.findUniqueOrThrow({ where: { id }, include: { projectRoles: true } });
    });
    return answer(personView, viewOf(updated));
  });

  const roleDoc = documented({ summary: "A person's role in one project (instead of their tenant role there)", tags: ['admin'], admin: true, params: personProjectPath, body: projectRoleBody, answers: { 200: personView, 404: null } });
  app.put<{ Params: { id: string; project: string } }>('/v1/admin/people/:id/projects/:project', roleDoc, async (req) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { id, project } = parseOr400(personProjectPath, req.params, 'invalid_path');
    const { role } = parseOr400(projectRoleBody, req.body, 'invalid_body');
    const person = await prisma.$transaction(async (tx) => {
      if (!(await tx.person.findFirst({ where: { id, tenantId }, select: { id: true } }))) throw new HttpError(404, 'not_found', `no person '${id}'`);
      await tx.projectRole.upsert({ where: { personId_project: { personId: id, project: project! } }, create: { personId: id, project: project!, role }, update: { role } });
      await recordAudit(tx, { tenantId, actorKeyId: keyId, action: 'person.project_role', target: `person:${id}`, outcome: 'success', details: { project, role }, requestId: req.id });
      return tx.person.findUniqueOrThrow({ where: { id }, include: { projectRoles: true } });
    });
    return answer(personView, viewOf(person));
  });

  const unroleDoc = documented({ summary: 'Remove a project role: the person has their tenant role there again', tags: ['admin'], admin: true, params: personProjectPath, answers: { 200: personView, 404: null } });
  app.delete<{ Params: { id: string; project: string } }>('/v1/admin/people/:id/projects/:project', unroleDoc, async (req) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { id, project } = parseOr400(personProjectPath, req.params, 'invalid_path');
    const person = await prisma.$transaction(async (tx) => {
      if (!(await tx.person.findFirst({ where: { id, tenantId }, select: { id: true } }))) throw new HttpError(404, 'not_found', `no person '${id}'`);
      await tx.projectRole.deleteMany({ where: { personId: id, project: project! } });
      await recordAudit(tx, { tenantId, actorKeyId: keyId, action: 'person.project_role', target: `person:${id}`, outcome: 'success', details: { project, role: null }, requestId: req.id });
      return tx.person.findUniqueOrThrow({ where: { id }, include: { projectRoles: true } });
    });
    return answer(personView, viewOf(person));
  });
}
