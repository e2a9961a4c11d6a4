/**
 * Project erasure (admin keys): DELETE /v1/projects/{project} starts eraseProjectWorkflow and
 * answers 202 with its job id at once; GET /v1/jobs/{jobId} (api/jobs/job-routes.ts) reports where the
 * job stands, from its erasure tombstone. The tombstone is written before the workflow starts, so backups and restores
 * skip the project from the moment the request is accepted.
 *
 * Repeats: while an erasure runs, another DELETE of the project joins it (same job id); once it has
 * finished the project is gone and a DELETE answers 404.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrismaClient } from '../../common/server/db.js';
import { InvalidProjectName, normalizeProjectName } from '../../common/workspace/project-naming.js';
import { eraseWorkflowId, type EraseProjectInput } from '../../messages/workflows-v1/erase.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { eraseProjectWorkflow } from '../../workflows/erase/erase-workflow.js';
import { requireAdmin, requirePrincipal } from '../auth.js';
import { accepted, projectIdentity } from '../../messages/api-v1.js';
import { HttpError, startOr503 } from '../errors.js';
import { answer } from '../validation.js';
import { documented, projectHeaders } from '../openapi-doc.js';

export interface ProjectRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

/** A project name from the request, canonical; 400 with `code` naming what is wrong with it. */
export function projectNameOf(raw: string | undefined, code: 'invalid_path' | 'invalid_query'): string {
  if (raw === undefined || raw === '') throw new HttpError(400, code, 'project: required (the name of a project)');
  try {
    return normalizeProjectName(raw);
  } catch (err) {
    if (err instanceof InvalidProjectName) throw new HttpError(400, code, `project: ${err.message}`);
    throw err;
  }
}

/** `?project=` as routes that check it with projectNameOf document it (GET /v1/export too). */
export const projectQuery = z.object({ project: z.string() });
const projectPath = z.object({ project: z.string() });

export function registerProjectRoutes(app: FastifyInstance, deps: ProjectRouteDeps): void {
  const { prisma } = deps;

  // After api/project-key.ts mapped ?project= by the repository's key: what every read will use.
  const identityDoc = documented({
    summary: 'Which project a repository is: the name, mapped by X-Memflow-Project-Key as every read maps it',
    tags: ['data'],
    query: projectQuery,
    headers: projectHeaders,
    answers: { 200: projectIdentity, 400: null },
  });
  app.get<{ Querystring: { project?: string } }>('/v1/projects/identity', identityDoc, async (req) => {
    const principal = requirePrincipal(req);
    const name = projectNameOf(req.query.project ?? '', 'invalid_query');
    const row = await prisma.project.findUnique({ where: { tenantId_name: { tenantId: principal.tenantId, name } }, select: { identity: true } });
    const key = req.headers['x-memflow-project-key'];
    return { project: name, exists: Boolean(row), keyed: Boolean(row?.identity && row.identity === key) };
  });

  const eraseDoc = documented({
    summary: 'Erase a project from PostgreSQL, Weaviate and future backups (admin)',
    tags: ['data'],
    admin: true,
    params: projectPath,
    answers: { 202: accepted, 404: null },
  });
  app.delete<{ Params: { project: string } }>('/v1/projects/:project', eraseDoc, async (req, reply) => {
    const name = projectNameOf(req.params.project, 'invalid_path');
    const principal = requireAdmin(req); // a refusal is audited as project.erase (api/access.ts)
    const project = await prisma.project.findUnique({ where: { tenantId_name: { tenantId: principal.tenantId, name } }, select: { id: true } });
    if (!project) throw new HttpError(404, 'not_found', `no project '${name}'`);

    const jobId = eraseWorkflowId(project.id);
    await prisma.erasureTombstone.upsert({
      where: { jobId },
      create: { jobId, tenantId: principal.tenantId, projectName: name, projectId: project.id },
      update: { error: null },
    });
    const input: EraseProjectInput = { tenantId: principal.tenantId, projectId: project.id, projectName: name, jobId, actorKeyId: principal.keyId, requestId: req.id };
    await startOr503(
      req,
      deps.temporal,
      'the erasure',
      jobId,
      () =>
        deps.temporal.workflow.start<typeof eraseProjectWorkflow>(WorkflowType.eraseProject, {
          workflowId: jobId,
          taskQueue: deps.taskQueue,
          args: [input],
          // A repeated request while the erasure runs is the same job.
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      (err) => prisma.erasureTombstone.updateMany({ where: { jobId, erasedAt: null }, data: { error: `not started: ${err.message}`.slice(0, 2000) } }),
    );
    return reply.code(202).send(answer(accepted, { jobId, status: 'accepted' }));
  });
}
