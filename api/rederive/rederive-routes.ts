/**
 * Re-derivation of a project's summaries and learnings (docs/rederivation.md):
 * - POST /v1/projects/{project}/rederive (admin): a derivation row, then rederiveProjectWorkflow;
 *   202 with the derivation. `dryRun`: the estimate only (200 with it when it is ready within 30 s).
 *   One derivation of a project builds at a time (409 names the one that does).
 * - GET /v1/projects/{project}/derivations, GET /v1/derivations/{id}: progress, estimate, measured
 *   tokens, what the swap changed (any key of the tenant).
 * - POST /v1/derivations/{id}/cancel and /resume (admin): cancels the workflow (the served
 *   derivation stays), or starts it again with the same id (staged sessions are skipped).
 * Every route is tenant-scoped: another tenant's derivation is a 404.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { derivationList, derivationView, rederiveBody } from '../../messages/rederive-api-v1.js';
import { rederiveWorkflowId, type RederiveInput, type RederiveTuning, type Summarizer } from '../../messages/workflows-v1/rederive.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import type { rederiveProjectWorkflow } from '../../workflows/rederive/rederive-workflow.js';
import { requireAdmin, requirePrincipal } from '../auth.js';
import { projectNameOf } from '../erase/project-routes.js';
import { HttpError, startOr503 } from '../errors.js';
import { documented } from '../openapi-doc.js';
import { parseOr400 } from '../validation.js';
import { viewOf } from './derivation-view.js';

export interface RederiveRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

/**
 * How long a resume waits for the cancelled run's workflow to close: the derivation reads `cancelled` once the
 * workflow has recorded it, a moment before the workflow itself has closed, and a run cannot start under that id
 * until it has (on a busy machine: "Workflow execution already started", answered 503 before).
 */
const CLOSING_WAIT_MS = 15_000;

const projectPath = z.object({ project: z.string() });
const idPath = z.object({ id: z.string().uuid('not a derivation id') });
const resumeBody = rederiveBody.pick({ pageSize: true, budgetRecheckSeconds: true });
/** A dry run's answer is awaited this long; later it is read with GET /v1/derivations/{id}. */
const DRY_RUN_WAIT_MS = 30_000;
const RUNNING = ['estimating', 'building', 'paused'] as const;

function tuningOf(body: { pageSize?: number | undefined; budgetRecheckSeconds?: number | undefined }): RederiveTuning {
  return { ...(body.pageSize ? { pageSize: body.pageSize } : {}), ...(body.budgetRecheckSeconds ? { budgetRecheckMs: body.budgetRecheckSeconds * 1000 } : {}) };
}

export function registerRederiveRoutes(app: FastifyInstance, deps: RederiveRouteDeps): void {
  const { prisma, temporal } = deps;

  async function projectOf(tenantId: string, raw: string) {
    const name = projectNameOf(raw, 'invalid_path');
    const project = await prisma.project.findUnique({ where: { tenantId_name: { tenantId, name } }, select: { id: true, name: true } });
    if (!project) throw new HttpError(404, 'not_found', `no project '${name}'`);
    return project;
  }

  async function derivationOf(req: FastifyRequest, tenantId: string) {
    const { id } = parseOr400(idPath, req.params, 'invalid_path');
    const d = await prisma.derivation.findFirst({ where: { id, tenantId }, include: { project: { select: { name: true } } } });
    if (!d) throw new HttpError(404, 'not_found', `no derivation '${id}'`);
    return d;
  }

  /**
   * Whether the workflow of this id is closed (or none is known), waiting up to CLOSING_WAIT_MS for a run that is
   * closing. Temporal out of reach: true, and the start that follows answers 503.
   */
  async function closed(workflowId: string): Promise<boolean> {
    const handle = temporal.workflow.getHandle(workflowId);
    try {
      if ((await handle.describe()).status.name !== 'RUNNING') return true;
    } catch {
      return true; // none under this id, or Temporal out of reach
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSING_WAIT_MS)));
    try {
      return await Promise.race([handle.result().then(() => true, () => true), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function start(req: FastifyRequest, input: RederiveInput, undo?: () => Promise<unknown>) {
    const workflowId = rederiveWorkflowId(input.tenantId, input.derivationId);
    await startOr503(req, temporal, 'the re-derivation', workflowId, () => temporal.workflow.start<typeof rederiveProjectWorkflow>(WorkflowType.rederiveProject, { taskQueue: deps.taskQueue, workflowId, args: [input] }), undo);
    return workflowId;
  }

  const startDoc = documented({
    summary: "Derive a project's summaries and learnings again with another summarizer, or estimate what it costs (admin)",
    tags: ['data'],
    admin: true,
    params: projectPath,
    body: rederiveBody,
    answers: { 200: derivationView, 202: derivationView, 404: null, 409: null },
  });
  app.post<{ Params: { project: string } }>('/v1/projects/:project/rederive', startDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const body = parseOr400(rederiveBody, req.body, 'invalid_body');
    const project = await projectOf(tenantId, req.params.project);
    if (!body.dryRun) {
      const running = await prisma.derivation.findFirst({ where: { projectId: project.id, dryRun: false, status: { in: [...RUNNING] } }, select: { id: true } });
      if (running) throw new HttpError(409, 'conflict', `derivation ${running.id} of project '${project.name}' is running: cancel it or wait for it`);
    }
    const d = await prisma.derivation.create({ data: { tenantId, projectId: project.id, summarizer: body.summarizer, promptVersion: '', dryRun: body.dryRun ?? false } });
    const input: RederiveInput = { tenantId, projectId: project.id, derivationId: d.id, summarizer: body.summarizer as Summarizer, dryRun: body.dryRun ?? false, ...(keyId ? { actorKeyId: keyId } : {}), tuning: tuningOf(body) };
    const workflowId = await start(req, input, () => prisma.derivation.delete({ where: { id: d.id } }));
    await prisma.derivation.update({ where: { id: d.id }, data: { workflowId } });
    await recordAudit(prisma, { tenantId, actorKeyId: keyId, action: body.dryRun ? 'rederive.estimate' : 'rederive.start', target: `project:${project.name}`, outcome: 'success', requestId: req.id, details: { derivationId: d.id, summarizer: body.summarizer } });
    if (body.dryRun) {
      const handle = temporal.workflow.getHandle(workflowId);
      const finished = await Promise.race([handle.result().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), DRY_RUN_WAIT_MS).unref())]);
      const now = await prisma.derivation.findUniqueOrThrow({ where: { id: d.id } });
      return reply.code(finished && now.status === 'estimated' ? 200 : 202).send(viewOf(now, project.name));
    }
    return reply.code(202).send(viewOf({ ...d, workflowId }, project.name));
  });

  const listDoc = documented({ summary: "A project's derivations, newest first", tags: ['data'], params: projectPath, answers: { 200: derivationList, 404: null } });
  app.get<{ Params: { project: string } }>('/v1/projects/:project/derivations', listDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const project = await projectOf(tenantId, req.params.project);
    const rows = await prisma.derivation.findMany({ where: { tenantId, projectId: project.id }, orderBy: { createdAt: 'desc' }, take: 50 });
    return { items: rows.map((r) => viewOf(r, project.name)) };
  });

  const getDoc = documented({ summary: 'A derivation: its progress, estimate, measured tokens and what its swap changed', tags: ['data'], params: idPath, answers: { 200: derivationView, 404: null } });
  app.get('/v1/derivations/:id', getDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const d = await derivationOf(req, tenantId);
    return viewOf(d, d.project.name);
  });

  const cancelDoc = documented({ summary: 'Cancel a running derivation; the served one stays (admin)', tags: ['data'], admin: true, params: idPath, answers: { 202: derivationView, 404: null, 409: null } });
  app.post('/v1/derivations/:id/cancel', cancelDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const d = await derivationOf(req, tenantId);
    if (!(RUNNING as readonly string[]).includes(d.status) || !d.workflowId) throw new HttpError(409, 'conflict', `derivation ${d.id} is ${d.status}: only a running one can be cancelled`);
    const workflowId = d.workflowId;
    await startOr503(req, temporal, 'the re-derivation', workflowId, () => temporal.workflow.getHandle(workflowId).cancel());
    await recordAudit(prisma, { tenantId, actorKeyId: keyId, action: 'rederive.cancel', target: `project:${d.project.name}`, outcome: 'success', requestId: req.id, details: { derivationId: d.id } });
    return reply.code(202).send(viewOf(d, d.project.name));
  });

  const resumeDoc = documented({
    summary: 'Resume a cancelled or failed derivation: sessions already derived are skipped (admin)',
    tags: ['data'],
    admin: true,
    params: idPath,
    body: resumeBody,
    answers: { 202: derivationView, 404: null, 409: null },
  });
  app.post('/v1/derivations/:id/resume', resumeDoc, async (req, reply) => {
    const { tenantId, keyId } = requireAdmin(req);
    const body = parseOr400(resumeBody.strict(), req.body, 'invalid_body');
    const d = await derivationOf(req, tenantId);
    if (d.dryRun || !['cancelled', 'failed'].includes(d.status)) throw new HttpError(409, 'conflict', `derivation ${d.id} is ${d.dryRun ? 'an estimate' : d.status}: only a cancelled or failed one can be resumed`);
    const running = await prisma.derivation.findFirst({ where: { projectId: d.projectId, dryRun: false, status: { in: [...RUNNING] } }, select: { id: true } });
    if (running) throw new HttpError(409, 'conflict', `derivation ${running.id} of project '${d.project.name}' is running`);
    const input: RederiveInput = { tenantId, projectId: d.projectId, derivationId: d.id, summarizer: d.summarizer as Summarizer, ...(keyId ? { actorKeyId: keyId } : {}), tuning: tuningOf(body) };
    if (!(await closed(rederiveWorkflowId(tenantId, d.id)))) throw new HttpError(409, 'conflict', `derivation ${d.id} is still stopping: resume it again in a moment`);
    await prisma.derivation.update({ where: { id: d.id }, data: { status: d.sessionsTotal === 0 ? 'estimating' : 'building', error: null, completedAt: null } });
    await start(req, input, () => prisma.derivation.update({ where: { id: d.id }, data: { status: d.status } }));
    await recordAudit(prisma, { tenantId, actorKeyId: keyId, action: 'rederive.resume', target: `project:${d.project.name}`, outcome: 'success', requestId: req.id, details: { derivationId: d.id } });
    return reply.code(202).send(viewOf({ ...d, status: 'building' }, d.project.name));
  });
}
