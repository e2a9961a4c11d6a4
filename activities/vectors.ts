/**
 * Activities that keep Weaviate a faithful copy of PostgreSQL's searchable records (observations,
 * summaries, learnings). PostgreSQL is the truth; Weaviate and vector_sync_states are derived:
 * - syncSessionVectors: after the session workflow stored something, embed and upsert what is new
 *   or changed (the session's observations and summaries, the project's changed learnings);
 * - reconcileVectors: one bounded, resumable step of the reconciliation workflow: re-embed what is
 *   missing or stale in Weaviate (also when vector_sync_states claims it is synced, e.g. after
 *   Weaviate was wiped), delete orphans (objects and sync rows whose record is gone);
 * - deleteVectors / deleteProjectVectors: deletions reach Weaviate.
 * Every write is idempotent (object uuid = record id, sync rows upserted on (record_type,
 * record_id)), so Temporal may retry any of them. A provider that rejects the request (bad key,
 * bad model) and a database that rejects a statement fail without retries; outages are retried.
 */
import { Context } from '@temporalio/activity';
import type { Config } from '../common/config.js';
import type { PrismaClient } from '../common/db.js';
import { createEmbeddingProvider, type EmbeddingProvider } from '../common/embeddings/index.js';
import {
  COLLECTIONS,
  VECTOR_NAME,
  connectWeaviate,
  ensureVectorSchema,
  tenantCollection,
  tenantIdOfWeaviateTenant,
  type WeaviateClient,
} from '../common/vector-schema.js';
import { RECORD_TYPES, type RecordType } from '../messages/records/v1.js';
import type { ReconcileCursor } from '../messages/workflows/v1/reconcile.js';
import { toActivityFailure } from './failures.js';
import { TABLES, existingIds, loadRecords, type VectorRecord } from './vector-records.js';

export interface VectorDeps {
  prisma: PrismaClient;
  config: Config;
  /** Defaults to the configured provider (MEMFLOW_EMBEDDINGS). */
  provider?: EmbeddingProvider;
  /** A client, or how to make one; default: connectWeaviate(config) on first use. */
  weaviate?: WeaviateClient | (() => Promise<WeaviateClient>);
}

export interface SyncCounts {
  /** Objects embedded and written to Weaviate. */
  upserted: number;
  /** Session records (observations, summaries) already in sync; unchanged learnings are not even read. */
  skipped: number;
  /** Objects (and their sync rows) removed because their record is gone. */
  deleted: number;
}

export interface ReconcileInput {
  /** Only this memflow tenant; all tenants when absent. */
  tenantId?: string;
  cursor?: ReconcileCursor;
  /** Records or objects looked at in this step. */
  limit?: number;
  /** Re-embed and rewrite every record, whatever its state. */
  rebuild?: boolean;
}

export interface ReconcileStep {
  checked: number;
  upserted: number;
  deleted: number;
  /** Where to continue; absent when the run is complete. */
  cursor?: ReconcileCursor;
}

/** Records embedded and written per Weaviate batch, and the text one batch may carry (gRPC caps messages). */
const WRITE_CHUNK = 250;
/** Weaviate batches in flight at once (see write()). */
const WRITE_CONCURRENCY = 4;
const WRITE_CHUNK_CHARS = 2_000_000;

/** Consecutive chunks of at most WRITE_CHUNK records and about WRITE_CHUNK_CHARS characters. */
function chunks(records: VectorRecord[]): VectorRecord[][] {
  const out: VectorRecord[][] = [];
  let current: VectorRecord[] = [];
  let chars = 0;
  for (const r of records) {
    const size = r.properties.text.length + r.embedInput.length;
    if (current.length > 0 && (current.length >= WRITE_CHUNK || chars + size > WRITE_CHUNK_CHARS)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(r);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
/** Session records looked at per page. */
const PAGE = 500;

/** Heartbeats when running as an activity (tests also call these functions directly). */
function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}


/**
 * Weaviate's answer for a tenant or collection that does not exist (yet), or that Weaviate's
 * auto-schema made without multi-tenancy from a write that raced a wipe (ensureVectorSchema repairs it).
 */
const isNotFound = (err: unknown) =>
  /tenant not found|tenant .*(does not exist|not found)|could not find class|class .* not found|collection .* not found|no such class|multi-tenancy disabled/i.test(String((err as Error)?.message ?? err));

interface SyncState {
  recordId: string;
  status: string;
  contentHash: string;
  provider: string;
  model: string | null;
  dimension: number;
}

export function createVectorActivities(deps: VectorDeps) {
  const { prisma } = deps;
  let provider = deps.provider;
  const embeddings = () => (provider ??= createEmbeddingProvider(deps.config));

  // Connected on first use, so a worker starts while Weaviate is briefly down; a failed connect is
  // forgotten so the next attempt tries again.
  let client: Promise<WeaviateClient> | undefined;
  const weaviate = (): Promise<WeaviateClient> => {
    if (!client) {
      const make = typeof deps.weaviate === 'function' ? deps.weaviate : deps.weaviate ? () => Promise.resolve(deps.weaviate as WeaviateClient) : () => connectWeaviate(deps.config);
      client = make();
      client.catch(() => (client = undefined));
    }
    return client;
  };
  // Schema checked once per process, and again after Weaviate reported a missing collection.
  let schemaReady: Promise<void> | undefined;
  const schema = async (fresh = false): Promise<WeaviateClient> => {
    const c = await weaviate();
    if (fresh || !schemaReady) {
      schemaReady = ensureVectorSchema(c, embeddings());
      schemaReady.catch(() => (schemaReady = undefined));
    }
    await schemaReady;
    return c;
  };

  const isCurrent = (state: SyncState | undefined, rec: VectorRecord) => {
    const p = embeddings();
    return !!state && state.status === 'synced' && state.contentHash === rec.properties.contentHash && state.provider === p.name && state.model === p.model && state.dimension === p.dimension;
  };

  async function syncStates(type: RecordType, ids: string[]): Promise<Map<string, SyncState>> {
    if (ids.length === 0) return new Map();
    const rows = await prisma.vectorSyncState.findMany({
      where: { recordType: type, recordId: { in: ids } },
      select: { recordId: true, status: true, contentHash: true, provider: true, model: true, dimension: true },
    });
    return new Map(rows.map((r) => [r.recordId, r]));
  }

  /** Records the outcome of writes in vector_sync_states, one statement per outcome. */
  async function recordOutcome(records: VectorRecord[], error?: string): Promise<void> {
    if (records.length === 0) return;
    const p = embeddings();
    const cols = {
      tenant: records.map((r) => r.tenantId),
      project: records.map((r) => r.projectId),
      type: records.map((r) => r.type),
      id: records.map((r) => r.id),
      hash: records.map((r) => r.properties.contentHash),
    };
    // attempts counts consecutive failures of the current content; a success resets it.
    await prisma.$executeRaw`
      INSERT INTO vector_sync_states (tenant_id, project_id, record_type, record_id, provider, model, dimension, content_hash,
                                      weaviate_id, status, attempts, error, synced_at, updated_at)
      SELECT t.tenant_id, t.project_id, t.record_type::vector_record_type, t.record_id, ${p.name}, ${p.model}, ${p.dimension}, t.hash,
             t.record_id, ${error === undefined ? 'synced' : 'failed'}::vector_sync_status, ${error === undefined ? 0 : 1}, ${error ?? null},
             ${error === undefined ? new Date() : null}::timestamptz, now()
      FROM unnest(${cols.tenant}::uuid[], ${cols.project}::uuid[], ${cols.type}::text[], ${cols.id}::uuid[], ${cols.hash}::text[])
        AS t(tenant_id, project_id, record_type, record_id, hash)
      ON CONFLICT (record_type, record_id) DO UPDATE SET
        provider = EXCLUDED.provider, model = EXCLUDED.model, dimension = EXCLUDED.dimension,
        content_hash = EXCLUDED.content_hash, weaviate_id = EXCLUDED.weaviate_id, status = EXCLUDED.status,
        attempts = CASE WHEN EXCLUDED.status = 'synced' THEN 0 ELSE vector_sync_states.attempts + 1 END,
        error = EXCLUDED.error, synced_at = COALESCE(EXCLUDED.synced_at, vector_sync_states.synced_at), updated_at = now()`;
  }

  /** Writes one embedded chunk (all of one type) to Weaviate and records each outcome; returns the failures. */
  async function writeChunk(chunk: VectorRecord[], vectors: number[][]): Promise<{ ok: number; failed: { rec: VectorRecord; message: string }[] }> {
    const c = await schema();
    const byTenant = new Map<string, number[]>();
    chunk.forEach((r, k) => byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), k]));
    const ok: VectorRecord[] = [];
    const failed: { rec: VectorRecord; message: string }[] = [];
    for (const [tenantId, positions] of byTenant) {
      const objects = positions.map((k) => ({ id: chunk[k]!.id, properties: { ...chunk[k]!.properties }, vectors: { [VECTOR_NAME]: vectors[k]! } }));
      const insert = async (client: WeaviateClient) => tenantCollection(client, chunk[0]!.type, tenantId).data.insertMany(objects);
      let result = await insert(c).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!result || result.hasErrors) {
        // Weaviate was wiped, or another process migrated the schema: check it again, retry once
        // (upserts, so rewriting the objects that did succeed is harmless).
        result = await insert(await schema(true));
      }
      positions.forEach((k, j) => {
        const e = result.errors[j];
        if (e) failed.push({ rec: chunk[k]!, message: e.message });
        else ok.push(chunk[k]!);
      });
    }
    await recordOutcome(ok);
    for (const f of failed) await recordOutcome([f.rec], f.message.slice(0, 1000));
    return { ok: ok.length, failed };
  }

  /**
   * Embeds and upserts records (all of one type), and records each outcome. Throws (after
   * recording) when Weaviate refused some objects, so the activity is retried.
   *
   * Weaviate's side — indexing each vector into HNSW — is most of the cost (~1-3 ms an object
   * here, against ~0.1-0.4 ms to embed one with the local provider), and one batch request keeps
   * one of its cores busy: WRITE_CONCURRENCY batches are in flight at once, while the next chunk
   * is embedded. Embedding happens before Weaviate is touched: a provider that refuses us must
   * not migrate the schema.
   */
  async function write(records: VectorRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const p = embeddings();
    let written = 0;
    const inFlight = new Set<Promise<void>>();
    const failures: { rec: VectorRecord; message: string }[] = [];
    let error: unknown;
    try {
      for (const chunk of chunks(records)) {
        if (error !== undefined) break;
        const vectors = await p.embed(chunk.map((r) => r.embedInput), 'document');
        const job: Promise<void> = writeChunk(chunk, vectors)
          .then(({ ok, failed }) => {
            written += ok;
            failures.push(...failed);
            heartbeat({ written });
          })
          .catch((err: unknown) => {
            error ??= err;
          })
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
        if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
      }
    } finally {
      // Also when embedding failed: no write outlives the activity attempt.
      await Promise.all(inFlight);
    }
    if (error !== undefined) throw error;
    if (failures.length > 0) {
      schemaReady = undefined;
      throw new Error(`Weaviate refused ${failures.length} of ${records.length} ${records[0]!.type} objects: ${failures[0]!.message}`);
    }
    return written;
  }

  /** Writes those of `records` whose sync row is missing or out of date; returns [upserted, skipped]. */
  async function syncIfNeeded(records: VectorRecord[]): Promise<[number, number]> {
    if (records.length === 0) return [0, 0];
    const states = await syncStates(records[0]!.type, records.map((r) => r.id));
    const stale = records.filter((r) => !isCurrent(states.get(r.id), r));
    return [await write(stale), records.length - stale.length];
  }

  /** Deletes objects by id from one tenant's collection; a missing tenant or collection holds nothing. */
  async function deleteObjects(type: RecordType, tenantId: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const c = await weaviate();
    try {
      const col = tenantCollection(c, type, tenantId);
      const res = await col.data.deleteMany(col.filter.byId().containsAny(ids));
      return res.successful;
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
  }

  /** Learning ids of a project whose sync row is missing, failed, older than the row, or of another space. */
  async function changedLearningIds(tenantId: string, projectId: string, afterId: string, limit: number): Promise<string[]> {
    const p = embeddings();
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      SELECT l.id::text AS id FROM learnings l
      LEFT JOIN vector_sync_states s ON s.record_type = 'learning' AND s.record_id = l.id
      WHERE l.tenant_id = ${tenantId}::uuid AND l.project_id = ${projectId}::uuid AND l.id > ${afterId}::uuid
        AND (s.id IS NULL OR s.status <> 'synced' OR s.synced_at IS NULL OR l.updated_at > s.synced_at
             OR s.provider <> ${p.name} OR s.model IS DISTINCT FROM ${p.model} OR s.dimension <> ${p.dimension})
      ORDER BY l.id LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** Sync rows of one type (in scope) whose record no longer exists, by id, at most `limit`. */
  async function orphanStates(type: RecordType, scope: { tenantId?: string; projectId?: string }, afterId: string, limit: number) {
    // TABLES holds constants; everything else is a bound parameter.
    return prisma.$queryRawUnsafe<{ id: string; tenantId: string; recordId: string }[]>(
      `SELECT s.id::text AS id, s.tenant_id::text AS "tenantId", s.record_id::text AS "recordId"
       FROM vector_sync_states s
       WHERE s.record_type = $1::vector_record_type AND s.id > $2::uuid
         AND ($3::uuid IS NULL OR s.tenant_id = $3::uuid) AND ($4::uuid IS NULL OR s.project_id = $4::uuid)
         AND NOT EXISTS (SELECT 1 FROM ${TABLES[type]} r WHERE r.id = s.record_id)
       ORDER BY s.id LIMIT $5`,
      type,
      afterId,
      scope.tenantId ?? null,
      scope.projectId ?? null,
      limit,
    );
  }

  /** Removes orphaned sync rows and their objects; returns how many and the last row id. */
  async function removeOrphanStates(rows: { id: string; tenantId: string; recordId: string }[], type: RecordType): Promise<number> {
    const byTenant = new Map<string, string[]>();
    for (const r of rows) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.recordId]);
    for (const [tenantId, ids] of byTenant) await deleteObjects(type, tenantId, ids);
    await prisma.vectorSyncState.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    return rows.length;
  }

  const MIN_UUID = '00000000-0000-0000-0000-000000000000';

  /** Phase records: one page of PostgreSQL rows checked against Weaviate itself and written if needed. */
  async function reconcileRecords(input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
    const type = cursor.recordType;
    const records = await loadRecords(prisma, type, { ...(input.tenantId ? { tenantId: input.tenantId } : {}), ...(cursor.afterId ? { afterId: cursor.afterId } : {}) }, limit);
    let stale: VectorRecord[];
    if (input.rebuild) {
      stale = records;
    } else {
      const states = await syncStates(type, records.map((r) => r.id));
      const inWeaviate = await weaviateHashes(type, records);
      stale = records.filter((r) => !isCurrent(states.get(r.id), r) || inWeaviate.get(r.id) !== r.properties.contentHash);
    }
    const upserted = await write(stale);
    const last = records.at(-1);
    const next: ReconcileCursor | undefined = records.length === limit && last ? { ...cursor, afterId: last.id } : nextType(cursor, 'records');
    return { checked: records.length, upserted, deleted: 0, ...(next ? { cursor: next } : {}) };
  }

  /** contentHash of each record's object in Weaviate (absent: no object). */
  async function weaviateHashes(type: RecordType, records: VectorRecord[]): Promise<Map<string, string>> {
    const c = await schema();
    const out = new Map<string, string>();
    const byTenant = new Map<string, string[]>();
    for (const r of records) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.id]);
    for (const [tenantId, ids] of byTenant) {
      const col = tenantCollection(c, type, tenantId);
      try {
        const res = await col.query.fetchObjects({ filters: col.filter.byId().containsAny(ids), limit: ids.length, returnProperties: ['contentHash'] });
        for (const o of res.objects) out.set(o.uuid, String((o.properties as { contentHash?: unknown }).contentHash ?? ''));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  /** Phase states: sync rows whose record is gone; their objects and rows are deleted. */
  async function reconcileStates(input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
    const rows = await orphanStates(cursor.recordType, input.tenantId ? { tenantId: input.tenantId } : {}, cursor.afterId ?? MIN_UUID, limit);
    const deleted = rows.length ? await removeOrphanStates(rows, cursor.recordType) : 0;
    const next = rows.length === limit ? { ...cursor, afterId: rows.at(-1)!.id } : nextType(cursor, 'states');
    return { checked: rows.length, upserted: 0, deleted, ...(next ? { cursor: next } : {}) };
  }

  /**
   * Phase objects: walks each Weaviate tenant's objects by uuid and deletes those without a record
   * of that memflow tenant (a whole Weaviate tenant whose memflow tenant is gone is removed). One
   * step covers several small tenants, up to `limit` objects.
   */
  async function reconcileObjects(input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
    const c = await schema();
    const type = cursor.recordType;
    const collection = c.collections.use(COLLECTIONS[type]);
    const names = Object.keys(await collection.tenants.get())
      .filter((n) => !input.tenantId || tenantIdOfWeaviateTenant(n) === input.tenantId.toLowerCase())
      .sort();
    const step = { checked: 0, upserted: 0, deleted: 0 };
    let name = names.find((n) => n >= (cursor.weaviateTenant ?? ''));
    let afterId = name === cursor.weaviateTenant ? cursor.afterId : undefined;
    while (name && step.checked < limit) {
      const tenantId = tenantIdOfWeaviateTenant(name);
      const owner = tenantId ? await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }) : null;
      if (!owner) {
        // Not a memflow tenant (any more): everything in it is an orphan.
        const count = await collection.withTenant(name).length();
        await collection.tenants.remove(name);
        step.checked += count;
        step.deleted += count;
      } else {
        const page = limit - step.checked;
        const res = await collection.withTenant(name).query.fetchObjects({ limit: page, ...(afterId ? { after: afterId } : {}), returnProperties: ['recordType'] });
        const ids = res.objects.map((o) => o.uuid);
        const present = await existingIds(prisma, type, owner.id, ids);
        const orphans = ids.filter((id) => !present.has(id));
        step.deleted += await deleteObjects(type, owner.id, orphans);
        if (orphans.length) await prisma.vectorSyncState.deleteMany({ where: { recordType: type, recordId: { in: orphans }, tenantId: owner.id } });
        step.checked += ids.length;
        // A full page: this tenant may hold more; continue after its last object next time.
        if (ids.length === page) return { ...step, cursor: { phase: 'objects', recordType: type, weaviateTenant: name, afterId: ids.at(-1)! } };
      }
      const current: string = name;
      name = names.find((n) => n > current);
      afterId = undefined;
      heartbeat(step);
    }
    const next = name ? { phase: 'objects' as const, recordType: type, weaviateTenant: name } : nextType(cursor, 'objects');
    return { ...step, ...(next ? { cursor: next } : {}) };
  }

  /** The cursor after the last page of a phase and type: the next type, then the next phase. */
  function nextType(cursor: ReconcileCursor, phase: ReconcileCursor['phase']): ReconcileCursor | undefined {
    const i = RECORD_TYPES.indexOf(cursor.recordType);
    if (i + 1 < RECORD_TYPES.length) return { phase, recordType: RECORD_TYPES[i + 1]! };
    if (phase === 'records') return { phase: 'states', recordType: RECORD_TYPES[0]! };
    if (phase === 'states') return { phase: 'objects', recordType: RECORD_TYPES[0]! };
    return undefined;
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
            add(await syncIfNeeded(page));
            if (page.length < PAGE) break;
            afterId = page.at(-1)!.id;
          }
        }
        let afterId = MIN_UUID;
        for (;;) {
          const ids = await changedLearningIds(input.tenantId, input.projectId, afterId, PAGE);
          if (ids.length === 0) break;
          add(await syncIfNeeded(await loadRecords(prisma, 'learning', { tenantId: input.tenantId, ids }, PAGE)));
          if (ids.length < PAGE) break;
          afterId = ids.at(-1)!;
        }
        const gone = await orphanStates('learning', { tenantId: input.tenantId, projectId: input.projectId }, MIN_UUID, PAGE);
        if (gone.length) counts.deleted += await removeOrphanStates(gone, 'learning');
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
    async syncLearningVectors(input: { tenantId: string; ids: string[] }): Promise<SyncCounts> {
      try {
        const records = await loadRecords(prisma, 'learning', { tenantId: input.tenantId, ids: input.ids }, input.ids.length);
        const [upserted, skipped] = await syncIfNeeded(records);
        return { upserted, skipped, deleted: 0 };
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },

    /**
     * One bounded step of reconciliation (see ReconcileCursor for the phases). Call again with the
     * returned cursor until none is returned. `rebuild` rewrites every record.
     */
    async reconcileVectors(input: ReconcileInput): Promise<ReconcileStep> {
      const limit = Math.max(1, Math.min(input.limit ?? 200, 1000));
      const cursor = input.cursor ?? { phase: 'records', recordType: RECORD_TYPES[0]! };
      try {
        // Always re-check the schema at the start of a run: Weaviate may have been wiped.
        if (!input.cursor) await schema(true);
        if (cursor.phase === 'records') return await reconcileRecords(input, cursor, limit);
        if (cursor.phase === 'states') return await reconcileStates(input, cursor, limit);
        return await reconcileObjects(input, cursor, limit);
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
          deleted += await deleteObjects(input.recordType, input.tenantId, ids);
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
        const c = await weaviate();
        let deleted = 0;
        for (const type of RECORD_TYPES) {
          const col = tenantCollection(c, type, input.tenantId);
          try {
            // deleteMany matches at most QUERY_MAXIMUM_RESULTS objects per call: repeat until none match.
            for (;;) {
              const res = await col.data.deleteMany(col.filter.byProperty('projectId').equal(input.projectId));
              deleted += res.successful;
              if (res.matches === 0 || res.successful === 0) break;
              heartbeat({ deleted });
            }
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }
        await prisma.vectorSyncState.deleteMany({ where: { tenantId: input.tenantId, projectId: input.projectId } });
        return { deleted };
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },
  };
}

export type VectorActivities = ReturnType<typeof createVectorActivities>;
