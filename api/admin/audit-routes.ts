/**
 * The audit trail, readable by the tenant's admins:
 *   GET /v1/admin/audit?action=&since=&until=&cursor=&limit=   newest first, paginated
 * Rows are the tenant's own only (installation-wide rows, tenant null, are not shown to any tenant).
 * Also here: a request the access check refused (api/access.ts) is audited as `auth.denied`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { requireAdmin } from '../auth.js';
import { HttpError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { auditPage } from '../../messages/api-v1.js';
import { answer, instantParam, limitParam, parseOr400 } from '../validation.js';
import { documented } from '../openapi-doc.js';

export interface AuditRouteDeps {
  prisma: PrismaClient;
}

export const auditQuery = z
  .object({
    /** Exact action (`key.create`), or a family with a trailing dot (`key.`). */
    action: z.string().min(1).max(100, 'at most 100 characters').regex(/^[a-z][a-z0-9_.-]*$/, 'must be an action such as key.create (or a family such as key.)').optional(),
    since: instantParam,
    until: instantParam,
    cursor: z.string().max(500).optional(),
    limit: limitParam(50),
  })
  .refine((v) => !v.since || !v.until || v.since < v.until, { path: ['until'], message: 'must be later than since' });

/**
 * Every refusal of the access check (api/access.ts) is audited: `auth.denied` (or the route's own
 * action, `project.erase`) with the reason, the route and the projects it was refused for.
 */
export function registerAuditDenials(app: FastifyInstance, deps: AuditRouteDeps): void {
  app.addHook('onResponse', async (req, reply) => {
    const principal = req.principal;
    const route = req.routeOptions.url;
    const denied = req.accessDenied;
    if (reply.statusCode !== 403 || !principal || !route || !denied) return;
    await recordAudit(deps.prisma, {
      tenantId: principal.tenantId,
      actorKeyId: principal.keyId,
      action: denied.action,
      target: denied.target,
      outcome: 'denied',
      details: { reason: denied.reason, ...(denied.projects !== 'tenant' && denied.projects.length ? { projects: [...denied.projects] } : {}), ...(principal.person ? { personId: principal.person.id } : {}) },
      requestId: req.id,
    }).catch((err: Error) => req.log.warn({ err: err.message }, 'could not audit a denied request'));
  });
}

export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  const auditDoc = documented({ summary: "The tenant's audit trail, newest first", tags: ['admin'], admin: true, query: auditQuery, answers: { 200: auditPage } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/admin/audit', auditDoc, async (req) => {
    const { tenantId } = requireAdmin(req);
    const query = parseOr400(auditQuery, req.query);
    const cursor = decodeCursor(query.cursor);
    const after = cursor ? { createdAt: new Date(String(cursor[0])), id: String(cursor[1]) } : undefined;
    if (after && (Number.isNaN(after.createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(after.id))) {
      throw new HttpError(400, 'invalid_query', 'cursor: not a cursor returned by this API');
    }
    const action = query.action === undefined ? {} : query.action.endsWith('.') ? { action: { startsWith: query.action } } : { action: query.action };
    const rows = await deps.prisma.auditLog.findMany({
      where: {
        tenantId,
        ...action,
        ...(query.since || query.until ? { createdAt: { ...(query.since ? { gte: query.since } : {}), ...(query.until ? { lt: query.until } : {}) } } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    // The person behind each acting key (keys are revoked, never deleted: the link stays).
    const actorIds = [...new Set(page.flatMap((r) => (r.actorKeyId ? [r.actorKeyId] : [])))];
    const actors = new Map(
      (await deps.prisma.apiKey.findMany({ where: { id: { in: actorIds }, tenantId, personId: { not: null } }, select: { id: true, person: { select: { id: true, name: true } } } })).map((k) => [k.id, k.person]),
    );
    return answer(auditPage, {
      items: page.map((r) => ({
        id: r.id,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        actorKeyId: r.actorKeyId,
        actor: (r.actorKeyId && actors.get(r.actorKeyId)) || null,
        details: r.details ?? null,
        requestId: r.requestId,
        createdAt: r.createdAt.toISOString(),
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    });
  });
}
