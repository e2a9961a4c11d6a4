/**
 * Retention policies (admin keys only; scoped to the key's tenant): what the retention Schedule's runs
 * (workflows/retention/retention-workflow.ts) delete, per project or as the tenant's default.
 *   GET  /v1/admin/retention          the tenant's retention policies
 *   PUT  /v1/admin/retention          set the tenant default ({...}) or a project's policy ({project, ...})
 * A project without a row of its own follows its tenant's default; without either, nothing is deleted.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { retentionPolicies, retentionPolicy } from '../../messages/api-v1.js';
import { requireAdmin } from '../auth.js';
import { HttpError } from '../errors.js';
import { documented } from '../openapi-doc.js';
import { answer, parseOr400, projectParam } from '../validation.js';

export interface RetentionRouteDeps {
  prisma: PrismaClient;
}

const days = z.number().int().min(1).max(36_500).nullable().optional();
export const retentionBody = z
  .object({
    project: projectParam,
    rawEventMaxAgeDays: days,
    observationMaxAgeDays: days,
    maxBytes: z.number().int().min(1024).nullable().optional(),
    keepSummaries: z.boolean().optional(),
    keepLearnings: z.boolean().optional(),
  })
  .strict();

export function registerRetentionRoutes(app: FastifyInstance, deps: RetentionRouteDeps): void {
  const { prisma } = deps;

  app.get('/v1/admin/retention', documented({ summary: "The tenant's retention policies", tags: ['admin'], admin: true, answers: { 200: retentionPolicies } }), async (req) => {
    const { tenantId } = requireAdmin(req);
    const rows = await prisma.retentionPolicy.findMany({ where: { tenantId }, include: { project: { select: { name: true } } }, orderBy: { createdAt: 'asc' } });
    return answer(retentionPolicies, {
      items: rows.map((p) => ({
        project: p.project?.name ?? null,
        rawEventMaxAgeDays: p.rawEventMaxAgeDays,
        observationMaxAgeDays: p.observationMaxAgeDays,
        maxBytes: p.maxBytes === null ? null : Number(p.maxBytes),
        keepSummaries: p.keepSummaries,
        keepLearnings: p.keepLearnings,
      })),
    });
  });

  const retentionDoc = documented({ summary: "Set the tenant default or a project's retention policy", tags: ['admin'], admin: true, body: retentionBody, answers: { 200: retentionPolicy, 404: null } });
  app.put('/v1/admin/retention', retentionDoc, async (req) => {
    const { tenantId, keyId } = requireAdmin(req);
    const { project, ...policy } = parseOr400(retentionBody, req.body, 'invalid_body');
    let projectId: string | null = null;
    if (project) {
      const row = await prisma.project.findUnique({ where: { tenantId_name: { tenantId, name: project } } });
      if (!row) throw new HttpError(404, 'not_found', `no project '${project}'`);
      projectId = row.id;
    }
    const data = { ...policy, ...(policy.maxBytes !== undefined ? { maxBytes: policy.maxBytes === null ? null : BigInt(policy.maxBytes) } : {}) };
    // NULLs do not collide in the unique index, so the tenant default is found and updated by hand.
    const existing = await prisma.retentionPolicy.findFirst({ where: { tenantId, projectId } });
    if (existing) await prisma.retentionPolicy.update({ where: { id: existing.id }, data });
    else await prisma.retentionPolicy.create({ data: { tenantId, projectId, ...data } });
    await prisma.auditLog.create({
      data: { tenantId, actorKeyId: keyId, action: 'retention.set', target: project ? `project:${project}` : 'tenant', outcome: 'success', details: JSON.parse(JSON.stringify(policy)) as object, requestId: req.id },
    });
    return answer(retentionPolicy, { project: project ?? null, ...policy });
  });
}
