/**
 * GET /v1/learnings: the tenant's learnings with their sources, newest first, paginated with an
 * opaque cursor. `status` is `active` (default), `superseded` or `all`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/db.js';
import { requirePrincipal } from '../auth.js';
import { decodeTimeIdCursor, DEFAULT_LIMIT, encodeCursor } from '../pagination.js';
import { learningInclude, learningView } from '../search/records.js';
import { limitParam, parseOr400, projectOfRequest, projectParam } from '../validation.js';

export interface LearningRouteDeps {
  prisma: PrismaClient;
}

export const learningsQuery = z.object({
  project: projectParam,
  limit: limitParam(DEFAULT_LIMIT),
  cursor: z.string().optional(),
  status: z.enum(['active', 'superseded', 'all'], { error: 'must be one of active, superseded, all' }).default('active'),
});

export function registerLearningRoutes(app: FastifyInstance, deps: LearningRouteDeps): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/learnings', async (req) => {
    const { tenantId } = requirePrincipal(req);
    const query = parseOr400(learningsQuery, { ...req.query, project: projectOfRequest(req.query, req.headers['x-memflow-project']) });
    const cursor = decodeTimeIdCursor(query.cursor);
    const after = cursor ? { createdAt: cursor.at, id: cursor.id } : undefined;
    const rows = await deps.prisma.learning.findMany({
      where: {
        tenantId,
        ...(query.project ? { project: { name: query.project } } : {}),
        ...(query.status !== 'all' ? { status: query.status } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      include: learningInclude,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(learningView),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  });
}
