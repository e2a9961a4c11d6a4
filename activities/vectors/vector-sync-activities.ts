/**
 * Activities that keep Weaviate a faithful copy of PostgreSQL's searchable records (observations,
 * summaries, learnings). PostgreSQL is the truth; Weaviate and vector_sync_states are derived:
 * - syncSessionVectors: after the session workflow stored something, embed and upsert what is new
 *   or changed (the session's observations and summaries, the project's changed learnings);
 * - syncLearningVectors: named learnings at once (a memory just stated, a correction);
 * - reconcileVectors: one bounded, resumable step of the reconciliation workflow (./vector-reconcile.ts);
 * - deleteVectors / deleteProjectVectors: deletions reach Weaviate.
 * Every write is idempotent (object uuid = record id, sync rows upserted on (record_type,
 * record_id)), so Temporal may retry any of them. A provider that rejects the request (bad key,
 * bad model) and a database that rejects a statement fail without retries; outages are retried.
 * The Weaviate side (client, schema, objects, sync rows) is common/server/weaviate/.
 */
import { deleteObjects, deleteProjectObjects } from '../../common/server/weaviate/objects.js';
import { changedLearningIds, orphanStates } from '../../common/server/weaviate/sync-state.js';
import type { RecordType } from '../../messages/record-types-v1.js';
import { toActivityFailure } from '../failures.js';
import { progressHeartbeat } from '../heartbeating.js';
import { createVectorContext, type VectorDeps } from './vector-deps.js';
import { MIN_UUID, reconcileStep, removeOrphanStates, type ReconcileInput, type ReconcileStep } from './vector-reconcile.js';
import { loadRecords } from './vector-objects.js';
import { syncIfNeeded } from './vector-writer.js';

export type { VectorDeps } from './vector-deps.js';
export type { ReconcileInput, ReconcileStep } from './vector-reconcile.js';

export interface SyncCounts {
  /** Objects embedded and written to Weaviate. */
  upserted: number;
  /** Session records (observations, summaries) already in sync; unchanged learnings are not even read. */
  skipped: number;
  /** Objects (and their sync rows) removed because their record is gone. */
  deleted: number;
}

/** Session records looked at per page. */
const PAGE = 500;

export function createVectorActivities(deps: VectorDeps) {
  const ctx = createVectorContext(deps);
  const { prisma } = ctx;

  async function syncRecords(tenantId: string, type: RecordType, ids: string[]): Promise<SyncCounts> {
    try {
      const records = await loadRecords(prisma, type, { tenantId, ids }, ids.length);
      const [upserted, skipped] = await syncIfNeeded(ctx, records);
      return { upserted, skipped, deleted: 0 };
    } catch (err) {
      toActivityFailure(err, 'retry');
    }
  }

  return {
    /**
     * Embeds and upserts what the session stored and Weaviate lacks: its observations and summaries,
     * and its project's learnings that changed since their last sync (superseded ones included, so
     * their status reaches search). Records whose sync row is current are skipped, so a repeat
     * writes nothing. Also removes the objects of the project's learnings that were deleted.
     */
    async syncSessionVectors(input: { tenantId: string; projectId: string; sessionId: string }): Promise<SyncCounts> {
      try {
        const counts: SyncCounts = { upserted: 0, skipped: 0, deleted: 0 };
        const add = ([u, s]: [number, number]) => {
          counts.upserted += u;
          counts.skipped += s;
        };
        for (const type of ['observation', 'summary'] as const) {
          let afterId: string | undefined;
          for (;;) {
            const page = await loadRecords(prisma, type, { tenantId: input.tenantId, sessionId: input.sessionId, ...(afterId ? { afterId } : {}) }, PAGE);
            add(await syncIfNeeded(ctx, page));
            progressHeartbeat(counts);
            if (page.length < PAGE) break;
            afterId = page.at(-1)!.id;
          }
        }
        let afterId = MIN_UUID;
        for (;;) {
          const ids = await changedLearningIds(prisma, ctx.embeddings(), input.tenantId, input.projectId, afterId, PAGE);
          if (ids.length === 0) break;
          add(await syncIfNeeded(ctx, await loadRecords(prisma, 'learning', { tenantId: input.tenantId, ids }, PAGE)));
          progressHeartbeat(counts);
          if (ids.length < PAGE) break;
          afterId = ids.at(-1)!;
        }
        const gone = await orphanStates(prisma, 'learning', { tenantId: input.tenantId, projectId: input.projectId }, MIN_UUID, PAGE);
        if (gone.length) counts.deleted += await removeOrphanStates(ctx, gone, 'learning');
        return counts;
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },

    /**
     * Embeds and upserts the named learnings of a tenant (a memory just stated, a correction and
     * the learning it superseded), so they are searchable by meaning right away instead of at the
     * project's next session sync. Current ones are skipped; ids of no learning are ignored.
     */
    syncLearningVectors: (input: { tenantId: string; ids: string[] }): Promise<SyncCounts> => syncRecords(input.tenantId, 'learning', input.ids),

    /**
     * Embeds and upserts the named records of one type (a re-derivation's new summaries and the
     * learnings it changed); current ones are skipped, ids of no record are ignored.
     */
    syncRecordVectors: (input: { tenantId: string; recordType: RecordType; ids: string[] }): Promise<SyncCounts> => syncRecords(input.tenantId, input.recordType, input.ids),

    /**
     * One bounded step of reconciliation (see ReconcileCursor for the phases). Call again with the
     * returned cursor until none is returned. `rebuild` rewrites every record.
     */
    async reconcileVectors(input: ReconcileInput): Promise<ReconcileStep> {
      try {
        return await reconcileStep(ctx, input);
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },

    /** Removes records' objects from Weaviate and their sync rows (the records may already be gone). */
    async deleteVectors(input: { tenantId: string; recordType: RecordType; ids: string[] }): Promise<{ deleted: number }> {
      try {
        let deleted = 0;
        for (let i = 0; i < input.ids.length; i += 1000) {
          const ids = input.ids.slice(i, i + 1000);
          deleted += await deleteObjects(await ctx.weaviate(), input.recordType, input.tenantId, ids);
          await prisma.vectorSyncState.deleteMany({ where: { tenantId: input.tenantId, recordType: input.recordType, recordId: { in: ids } } });
        }
        return { deleted };
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },

    /** Removes every object of a project from Weaviate and its sync rows (project erasure). */
    async deleteProjectVectors(input: { tenantId: string; projectId: string }): Promise<{ deleted: number }> {
      try {
        const deleted = await deleteProjectObjects(await ctx.weaviate(), input.tenantId, input.projectId, (n) => progressHeartbeat({ deleted: n }));
        await prisma.vectorSyncState.deleteMany({ where: { tenantId: input.tenantId, projectId: input.projectId } });
        return { deleted };
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },
  };
}

export type VectorActivities = ReturnType<typeof createVectorActivities>;
