/**
 * Jobs (admin keys; a job is only ever visible to its own tenant): one reader for every long-running
 * job the API starts, under two paths that answer the same document.
 *   GET /v1/admin/jobs/{jobId}   any job (backup, restore and rescan ids contain slashes)
 *   GET /v1/jobs/{jobId}         the same, for ids without a slash (the path DELETE /v1/projects/{p}'s
 *                                answer has always pointed to)
 * A backup, restore or redaction rescan is read from its workflow (Temporal's status name, lower case,
 * and its result once completed); a project erasure from its erasure tombstone, written before its
 * workflow starts and kept after the project is gone.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { anyJobView, type JobView } from '../../messages/api-v1.js';
import { requireAdmin } from '../auth.js';
import { HttpError } from '../errors.js';
import { documented } from '../openapi-doc.js';
import { answer, jobIdParam, parseOr400 } from '../validation.js';

export interface JobRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
}

type EraseJobStatus = 'requested' | 'erased' | 'failed';

const jobPath = z.object({ jobId: jobIdParam });

/** The kind of a workflow job by its id's first segment (ids carry their tenant second). */
const WORKFLOW_KINDS: Record<string, JobView['kind']> = { backup: 'backup', restore: 'restore', redaction: 'redaction.rescan' };

export function registerJobRoutes(app: FastifyInstance, deps: JobRouteDeps): void {
  const { prisma, temporal } = deps;

  /** An erasure job of the tenant, from its tombstone; undefined when the tenant has none by that id. */
  async function erasureJob(jobId: string, tenantId: string): Promise<JobView | undefined> {
    const row = await prisma.erasureTombstone.findFirst({ where: { jobId, tenantId } });
    if (!row) return undefined;
    const status: EraseJobStatus = row.erasedAt ? 'erased' : row.error ? 'failed' : 'requested';
    return {
      jobId: row.jobId,
      kind: 'project.erase',
      project: row.projectName,
      status,
      requestedAt: row.requestedAt.toISOString(),
      erasedAt: row.erasedAt?.toISOString() ?? null,
      error: row.error,
    };
  }

  /** A backup, restore or redaction rescan job of the tenant, by its workflow. */
  async function workflowJob(id: string, kind: JobView['kind']): Promise<JobView> {
    const handle = temporal.workflow.getHandle(id);
    try {
      const d = await handle.describe();
      const status = d.status.name.toLowerCase();
      if (status === 'completed') return { jobId: id, kind, status, error: null, result: await handle.result() };
      if (status === 'failed') {
        const error = await handle.result().then(
          () => null,
          (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
        );
        return { jobId: id, kind, status, error };
      }
      return { jobId: id, kind, status, error: null };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `no job '${id}'`);
      throw err;
    }
  }

  async function readJob(rawId: string, tenantId: string): Promise<JobView> {
    const { jobId: id } = parseOr400(jobPath, { jobId: rawId }, 'invalid_path');
    const [prefix, owner] = id.split('/');
    const kind = prefix === undefined ? undefined : WORKFLOW_KINDS[prefix];
    if (kind && owner === tenantId) return workflowJob(id, kind);
    const erasure = kind ? undefined : await erasureJob(id, tenantId);
    if (!erasure) throw new HttpError(404, 'not_found', `no job '${id}'`);
    return erasure;
  }

  const adminJobDoc = documented({
    summary: 'A backup, restore, redaction rescan or erasure job (a workflow job id contains slashes: backup/<tenant>/<id>)',
    tags: ['admin'],
    admin: true,
    params: jobPath,
    answers: { 200: anyJobView, 404: null },
  });
  app.get<{ Params: { '*': string } }>('/v1/admin/jobs/*', adminJobDoc, async (req) => answer(anyJobView, await readJob(req.params['*'], requireAdmin(req).tenantId)));

  const jobDoc = documented({ summary: 'Where a job stands, by an id without a slash: an erasure (admin)', tags: ['data'], admin: true, params: jobPath, answers: { 200: anyJobView, 404: null } });
  app.get<{ Params: { jobId: string } }>('/v1/jobs/:jobId', jobDoc, async (req) => {
    const principal = requireAdmin(req);
    const { jobId } = parseOr400(jobPath, req.params, 'invalid_path');
    return answer(anyJobView, await readJob(jobId, principal.tenantId));
  });
}
