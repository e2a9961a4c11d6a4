/**
 * POST /v1/admin/redaction/rescan (admin key): starts redactionRescanWorkflow for the key's tenant,
 * which re-applies the current redaction rules to everything stored for it (PostgreSQL rows, then
 * Weaviate). Answers 202 with a job id; GET /v1/admin/jobs/{jobId} reports its progress and result.
 * Temporal away: 503 with Retry-After, as every route that starts a job.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import { rescanJobId, type RescanInput } from '../../messages/workflows-v1/redaction-rescan.js';
import type { redactionRescanWorkflow } from '../../workflows/redaction/redaction-rescan-workflow.js';
import { accepted } from '../../messages/api-v1.js';
import { requireAdmin } from '../auth.js';
import { startOr503 } from '../errors.js';
import { answer, parseOr400 } from '../validation.js';
import { documented } from '../openapi-doc.js';

export interface RedactionRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

export const rescanBody = z
  .object({ batchSize: z.number().int().min(1).max(5000).optional().describe('Rows per batch (default 500)') })
  .strict()
  .default({});

export function registerRedactionRoutes(app: FastifyInstance, deps: RedactionRouteDeps): void {
  const rescanDoc = documented({
    summary: 'Re-apply the current redaction rules to everything stored for the tenant (a job)',
    tags: ['admin'],
    admin: true,
    body: rescanBody,
    answers: { 202: accepted },
  });
  app.post('/v1/admin/redaction/rescan', rescanDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    // No body is an empty one; `null`, arrays and unknown fields are refused.
    const body = parseOr400(rescanBody, req.body === undefined ? {} : req.body, 'invalid_body');
    const jobId = rescanJobId(tenantId, crypto.randomUUID());
    const input: RescanInput = { tenantId, jobId, actorKeyId: keyId, requestId: req.id, ...(body.batchSize ? { batchSize: body.batchSize } : {}) };
    await startOr503(req, deps.temporal, 'the redaction rescan', jobId, () =>
      deps.temporal.workflow.start<typeof redactionRescanWorkflow>(WorkflowType.redactionRescan, { taskQueue: deps.taskQueue, workflowId: jobId, args: [input] }),
    );
    await recordAudit(deps.prisma, { tenantId, actorKeyId: keyId, action: 'redaction.rescan.start', target: jobId, outcome: 'success', requestId: req.id });
    return reply.code(202).send(answer(accepted, { jobId, status: 'accepted' }));
  });
}
