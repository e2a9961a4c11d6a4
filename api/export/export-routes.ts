/**
 * GET /v1/export?project=<name>: everything stored for one of the caller's tenant's projects, as
 * NDJSON (api/export/export-tables.ts lists the lines), streamed from one read-only snapshot. The response
 * is a stream read page by page: a slow client slows the reading down (backpressure) instead of
 * the server buffering the project. Each export is audited (export.project) before its first byte.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import { CHUNK_BYTES, exportChunks } from './export-stream.js';
import { PROJECT_COLUMNS } from './export-tables.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { projectNameOf, projectQuery } from '../erase/project-routes.js';
import { documented } from '../openapi-doc.js';

export interface ExportRouteDeps {
  prisma: PrismaClient;
  pool: PgPool;
  /** Exports this process streams at once; each holds a pooled connection for its duration. */
  maxConcurrent?: number;
}

export function registerExportRoutes(app: FastifyInstance, deps: ExportRouteDeps): void {
  const maxConcurrent = deps.maxConcurrent ?? 2;
  let running = 0;

  const exportDoc = documented({
    summary: 'Everything stored for a project, as NDJSON (audited)',
    tags: ['data'],
    query: projectQuery,
    answers: { 200: { mediaType: 'application/x-ndjson', description: 'one JSON object per line' }, 404: null, 429: null },
  });
  app.get<{ Querystring: { project?: string } }>('/v1/export', exportDoc, async (req, reply) => {
    const principal = requirePrincipal(req);
    const name = projectNameOf(req.query.project, 'invalid_query');
    // A slow client keeps its connection for as long as it reads: leave the pool to the hot paths.
    if (running >= maxConcurrent) {
      throw new HttpError(429, 'too_many_exports', `at most ${maxConcurrent} exports run at once; retry later`, { 'retry-after': '30' });
    }
    running++;
    const db = await deps.pool.connect().catch((err: unknown) => {
      running--;
      throw err;
    });
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      running--;
      try {
        await db.query('ROLLBACK');
        db.release();
      } catch (err) {
        db.release(err as Error);
      }
    };

    let project: Record<string, unknown> & { id: string };
    try {
      // One snapshot for the whole export: rows written meanwhile are either all in or all out.
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await db.query<Record<string, unknown> & { id: string }>(
        `SELECT ${PROJECT_COLUMNS} FROM projects t WHERE t.tenant_id = $1 AND t.name = $2`,
        [principal.tenantId, name],
      );
      if (!rows[0]) throw new HttpError(404, 'not_found', `no project '${name}'`);
      project = rows[0];
      await recordAudit(deps.prisma, {
        tenantId: principal.tenantId,
        actorKeyId: principal.keyId,
        action: 'export.project',
        target: `project:${name}`,
        outcome: 'success',
        details: { projectId: project.id },
        requestId: req.id,
      });
    } catch (err) {
      await release();
      throw err;
    }

    const counts: Record<string, number> = {};
    let started = false;
    const lines = async function* () {
      started = true;
      try {
        yield* exportChunks(db, project, counts);
        req.log.info({ project: name, counts }, 'export streamed');
      } finally {
        await release();
      }
    };
    const body = Readable.from(lines(), { objectMode: false, highWaterMark: CHUNK_BYTES });
    // Destroyed before the first read (client gone at once): the generator never runs its finally.
    body.on('close', () => {
      if (!started) void release();
    });
    const exportedAt = new Date().toISOString();
    return reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${encodeURIComponent(name)}.ndjson"`)
      .header('x-memflow-exported-at', exportedAt)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
