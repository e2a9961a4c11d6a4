/**
 * Full memory records by id: GET /v1/memories/{id} and POST /v1/memories:batchGet {"ids":[...]}
 * (the colon is literal, as in Google's custom methods; Fastify needs it doubled). An id is looked
 * up in observations, summaries and learnings, always within the caller's tenant.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/db.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { fetchMemories } from '../search/records.js';
import { parseOr400, uuidParam } from '../validation.js';

export interface MemoryRouteDeps {
  prisma: PrismaClient;
}

export const MAX_BATCH_IDS = 100;

export const batchBody = z.object({
  ids: z
    .array(uuidParam, { error: 'required: an array of memory ids' })
    .min(1, 'must hold at least one id')
    .max(MAX_BATCH_IDS, `at most ${MAX_BATCH_IDS} ids per call`),
});

export function registerMemoryRoutes(app: FastifyInstance, deps: MemoryRouteDeps): void {
  app.get<{ Params: { id: string } }>('/v1/memories/:id', async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(z.object({ id: uuidParam }), req.params, 'invalid_path');
    const record = (await fetchMemories(deps.prisma, tenantId, [id.toLowerCase()])).get(id.toLowerCase());
    if (!record) throw new HttpError(404, 'not_found', `no memory '${id}'`);
    return record;
  });

  app.post('/v1/memories::batchGet', async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { ids } = parseOr400(batchBody, req.body, 'invalid_body');
    const wanted = [...new Set(ids.map((id) => id.toLowerCase()))];
    const found = await fetchMemories(deps.prisma, tenantId, wanted);
    // In the order asked; ids this tenant does not hold are listed, not an error.
    return { items: wanted.flatMap((id) => found.get(id) ?? []), notFound: wanted.filter((id) => !found.has(id)) };
  });
}
