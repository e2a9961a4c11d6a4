/**
 * Backup routes (admin keys only; everything scoped to the key's tenant):
 *   POST /v1/admin/backups            start a backup of the tenant      -> 202 {backupId, jobId, status}
 *   GET  /v1/admin/backups            the tenant's backups, newest first
 *   GET  /v1/admin/backups/{id}       one backup, with its manifest's tables
 *   POST /v1/admin/restore            {backupId, project?, includeErased?} -> 202 {jobId, status}
 * A job's progress: GET /v1/admin/jobs/{jobId} (api/jobs/job-routes.ts). Whole-installation backups
 * ("all") are taken by the backup Schedule (workers/schedules.ts), not through a tenant's key.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { backupJobId, restoreJobId, type BackupWorkflowInput, type Manifest, type RestoreWorkflowInput } from '../../messages/workflows-v1/backup.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { backupWorkflow, restoreWorkflow } from '../../workflows/backup/backup-workflow.js';
import { requireAdmin } from '../auth.js';
import { HttpError, startOr503 } from '../errors.js';
import { accepted, backupStarted, backupView as backupAnswer, page } from '../../messages/api-v1.js';
import { answer, parseOr400, projectParam } from '../validation.js';
import { documented } from '../openapi-doc.js';

export interface BackupRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

export const restoreBody = z.object({
  backupId: z.string().uuid('must be a backup id (uuid)'),
  project: projectParam,
  includeErased: z.boolean().default(false),
});

function backupView(b: { id: string; scope: string; status: string; sizeBytes: bigint | null; createdAt: Date; completedAt: Date | null; error: string | null; manifest?: unknown }) {
  const manifest = b.manifest as Manifest | null | undefined;
  return {
    id: b.id,
    scope: b.scope,
    status: b.status,
    sizeBytes: b.sizeBytes === null ? null : Number(b.sizeBytes),
    createdAt: b.createdAt,
    completedAt: b.completedAt,
    error: b.error,
    ...(manifest ? { tables: manifest.tables.map((t) => ({ table: t.table, rows: t.rows, bytes: t.bytes })) } : {}),
  };
}

const backupsPage = page(backupAnswer);
const backupPath = z.object({ id: z.string().uuid('must be a backup id (uuid)') });

export function registerBackupRoutes(app: FastifyInstance, deps: BackupRouteDeps): void {
  const { prisma, temporal } = deps;

  app.post('/v1/admin/backups', documented({ summary: 'Start a backup of the tenant', tags: ['admin'], admin: true, answers: { 202: backupStarted } }), async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const backup = await prisma.backup.create({ data: { scope: 'tenant', tenantId } });
    const id = backupJobId(tenantId, backup.id);
    const input: BackupWorkflowInput = { scope: 'tenant', tenantId, backupId: backup.id, actorKeyId: keyId };
    await startOr503(
      req,
      temporal,
      'the backup',
      id,
      () => temporal.workflow.start<typeof backupWorkflow>(WorkflowType.backup, { taskQueue: deps.taskQueue, workflowId: id, args: [input] }),
      // No workflow will ever complete the row: remove it rather than leave a backup `pending` forever.
      () => prisma.backup.delete({ where: { id: backup.id } }).catch(() => undefined),
    );
    await prisma.backup.update({ where: { id: backup.id }, data: { workflowId: id } });
    return reply.code(202).send(answer(backupStarted, { backupId: backup.id, jobId: id, status: 'pending' }));
  });

  app.get('/v1/admin/backups', documented({ summary: "The tenant's backups, newest first", tags: ['admin'], admin: true, answers: { 200: backupsPage } }), async (req) => {
    const { tenantId } = requireAdmin(req);
    const rows = await prisma.backup.findMany({ where: { tenantId, scope: 'tenant' }, orderBy: { createdAt: 'desc' }, take: 100 });
    return answer(backupsPage, { items: rows.map(backupView), nextCursor: null });
  });

  const backupDoc = documented({ summary: 'One backup with its tables', tags: ['admin'], admin: true, params: backupPath, answers: { 200: backupAnswer, 404: null } });
  app.get<{ Params: { id: string } }>('/v1/admin/backups/:id', backupDoc, async (req) => {
    const { tenantId } = requireAdmin(req);
    const id = parseOr400(backupPath.shape.id, req.params.id, 'invalid_path');
    const row = await prisma.backup.findFirst({ where: { id, tenantId } });
    if (!row) throw new HttpError(404, 'not_found', `no backup '${id}'`);
    return answer(backupAnswer, backupView(row));
  });

  const restoreDoc = documented({ summary: 'Restore from a backup', tags: ['admin'], admin: true, body: restoreBody, answers: { 202: accepted, 404: null, 409: null } });
  app.post('/v1/admin/restore', restoreDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const body = parseOr400(restoreBody, req.body, 'invalid_body');
    // A tenant restores from its own backups, or its own rows of a whole-installation backup.
    const backup = await prisma.backup.findFirst({ where: { id: body.backupId, OR: [{ tenantId }, { scope: 'all' }] } });
    if (!backup) throw new HttpError(404, 'not_found', `no backup '${body.backupId}'`);
    if (backup.status !== 'completed') throw new HttpError(409, 'backup_not_ready', `backup ${backup.id} is ${backup.status}`);
    const id = restoreJobId(tenantId, crypto.randomUUID());
    const input: RestoreWorkflowInput = {
      backupId: backup.id,
      tenantId,
      actorKeyId: keyId,
      ...(body.project ? { project: body.project } : {}),
      ...(body.includeErased ? { includeErased: true } : {}),
    };
    await startOr503(req, temporal, 'the restore', id, () => temporal.workflow.start<typeof restoreWorkflow>(WorkflowType.restore, { taskQueue: deps.taskQueue, workflowId: id, args: [input] }));
    return reply.code(202).send(answer(accepted, { jobId: id, status: 'accepted' }));
  });
}
