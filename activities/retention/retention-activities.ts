/**
 * Retention: per-tenant and per-project policies applied in bounded batches. A project's policy is
 * its own row, else its tenant's default row; no policy means keep everything. What may go:
 * - raw hook events older than rawEventMaxAgeDays, once processed (an unprocessed event is never lost);
 * - observations older than observationMaxAgeDays, with their vectors;
 * - batch and rolling summaries of that age when keepSummaries is off (final summaries always stay);
 * - superseded learnings of that age when keepLearnings is off (active learnings always stay);
 * - over maxBytes (raw payloads and observation text, as stored), the oldest processed raw events,
 *   then the oldest observations, until the project fits.
 * Each call deletes at most `limit` rows of one kind and returns the ids whose vectors must go, so a
 * run is resumable and its transactions short. Weaviate deletions are the workflow's next activity.
 */
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import type { RecordType } from '../../messages/record-types-v1.js';
import { withFailureMapping } from '../failures.js';
import type { RetentionScope, RetentionStep, RetentionStepResult } from '../../messages/workflows-v1/retention.js';

const OBSERVATION_BYTES = 'octet_length(text)';
const EVENT_BYTES = 'octet_length(payload::text)';

export function createRetentionActivities(deps: { prisma: PrismaClient; pool: PgPool }) {
  // Database work only: an error the classifier does not know is permanent, not retried forever.
  return withFailureMapping(retentionActivities(deps));
}

function retentionActivities({ prisma, pool }: { prisma: PrismaClient; pool: PgPool }) {
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

  /** Deletes up to `limit` rows chosen by `select` (which returns ids) and reports them. */
  async function deleteChosen(table: string, select: string, params: unknown[], limit: number): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(`DELETE FROM ${table} WHERE id IN (${select} LIMIT ${limit}) RETURNING id::text`, params);
    return ids(rows);
  }

  /** Bytes over the cap for the project, or 0. */
  async function excessBytes(s: RetentionScope): Promise<number> {
    if (s.maxBytes === null) return 0;
    const { rows } = await pool.query<{ total: string }>(
      `SELECT (SELECT coalesce(sum(${EVENT_BYTES}), 0) FROM hook_events WHERE project_id = $1)
            + (SELECT coalesce(sum(${OBSERVATION_BYTES}), 0) FROM observations WHERE project_id = $1) AS total`,
      [s.projectId],
    );
    return Math.max(0, Number(rows[0]!.total) - s.maxBytes);
  }

  return {
    /** Every project with a policy (its own or its tenant's default), optionally for one tenant. */
    async listRetentionScopes(input: { tenantId?: string }): Promise<RetentionScope[]> {
      const { rows } = await pool.query<RetentionScope & { maxBytes: string | null }>(
        `SELECT p.tenant_id::text AS "tenantId", p.id::text AS "projectId",
                coalesce(pp.raw_event_max_age_days, CASE WHEN pp.id IS NULL THEN tp.raw_event_max_age_days END) AS "rawEventMaxAgeDays",
                coalesce(pp.observation_max_age_days, CASE WHEN pp.id IS NULL THEN tp.observation_max_age_days END) AS "observationMaxAgeDays",
                coalesce(pp.max_bytes, CASE WHEN pp.id IS NULL THEN tp.max_bytes END)::text AS "maxBytes",
                coalesce(pp.keep_summaries, tp.keep_summaries, true) AS "keepSummaries",
                coalesce(pp.keep_learnings, tp.keep_learnings, true) AS "keepLearnings"
           FROM projects p
           LEFT JOIN retention_policies pp ON pp.tenant_id = p.tenant_id AND pp.project_id = p.id
           LEFT JOIN retention_policies tp ON tp.tenant_id = p.tenant_id AND tp.project_id IS NULL
          WHERE (pp.id IS NOT NULL OR tp.id IS NOT NULL) AND ($1::uuid IS NULL OR p.tenant_id = $1::uuid)
          ORDER BY p.tenant_id, p.id`,
        [input.tenantId ?? null],
      );
      return rows.map((r) => ({ ...r, maxBytes: r.maxBytes === null ? null : Number(r.maxBytes) }));
    },

    async applyRetentionStep(input: { scope: RetentionScope; step: RetentionStep; limit: number }): Promise<RetentionStepResult> {
      const s = input.scope;
      const limit = input.limit;
      const done = (deleted: string[], recordType: RecordType | null): RetentionStepResult => ({
        deleted: deleted.length,
        vectors: recordType && deleted.length > 0 ? { recordType, ids: deleted } : null,
        more: deleted.length === limit,
      });
      const age = (days: number | null) => (days === null ? null : `now() - make_interval(days => ${Math.floor(days)})`);
      switch (input.step) {
        case 'rawEvents': {
          const before = age(s.rawEventMaxAgeDays);
          if (!before) return done([], null);
          return done(await deleteChosen('hook_events', `SELECT id FROM hook_events WHERE project_id = $1 AND processed_at IS NOT NULL AND received_at < ${before}`, [s.projectId], limit), null);
        }
        case 'observations': {
          const before = age(s.observationMaxAgeDays);
          if (!before) return done([], null);
          return done(await deleteChosen('observations', `SELECT id FROM observations WHERE project_id = $1 AND created_at < ${before}`, [s.projectId], limit), 'observation');
        }
        case 'summaries': {
          const before = age(s.observationMaxAgeDays);
          if (!before || s.keepSummaries) return done([], null);
          return done(await deleteChosen('summaries', `SELECT id FROM summaries WHERE project_id = $1 AND kind <> 'final' AND created_at < ${before}`, [s.projectId], limit), 'summary');
        }
        case 'learnings': {
          const before = age(s.observationMaxAgeDays);
          if (!before || s.keepLearnings) return done([], null);
          return done(
            await deleteChosen('learnings', `SELECT id FROM learnings WHERE project_id = $1 AND status = 'superseded' AND updated_at < ${before}`, [s.projectId], limit),
            'learning',
          );
        }
        case 'sizeRawEvents':
        case 'sizeObservations': {
          const excess = await excessBytes(s);
          if (excess === 0) return done([], null);
          const raw = input.step === 'sizeRawEvents';
          const [table, bytes, order, extra] = raw
            ? ['hook_events', EVENT_BYTES, 'received_at, id', 'AND processed_at IS NOT NULL']
            : ['observations', OBSERVATION_BYTES, 'created_at, id', ''];
          // The oldest rows whose cumulative size covers the excess (the row that crosses it included).
          const deleted = await deleteChosen(
            table,
            `SELECT id FROM (SELECT id, sum(${bytes}) OVER (ORDER BY ${order}) - ${bytes} AS before FROM ${table}
               WHERE project_id = $1 ${extra}) s WHERE before < $2`,
            [s.projectId, excess],
            limit,
          );
          return { ...done(deleted, raw ? null : 'observation'), more: deleted.length > 0 && (await excessBytes(s)) > 0 };
        }
      }
    },

    async recordRetentionRun(input: { tenantId: string; counts: Record<string, number> }): Promise<void> {
      await prisma.auditLog.create({
        data: { tenantId: input.tenantId, action: 'retention.run', target: `tenant:${input.tenantId}`, outcome: 'success', details: input.counts },
      });
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
