/**
 * Writing records to Weaviate: embed them in chunks, upsert each chunk into its tenants'
 * collections, and record every outcome in vector_sync_states. Idempotent (object uuid = record
 * id, sync rows upserted), so an activity may be retried at any point.
 */
import { isNotFound } from '../../common/server/weaviate/client.js';
import { insertObjects } from '../../common/server/weaviate/objects.js';
import type { WeaviateClient } from '../../common/server/weaviate/schema.js';
import { isCurrent, recordOutcome, syncStates, type SyncedRecord, type SyncState } from '../../common/server/weaviate/sync-state.js';
import { progressHeartbeat } from '../heartbeating.js';
import type { VectorContext } from './vector-deps.js';
import type { VectorRecord } from './vector-objects.js';

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
    const size = r.embedInput.length;
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

const synced = (r: VectorRecord): SyncedRecord => ({ tenantId: r.tenantId, projectId: r.projectId, type: r.type, id: r.id, contentHash: r.properties.contentHash });

interface Failure {
  rec: VectorRecord;
  message: string;
}

/** Writes one embedded chunk (all of one type) to Weaviate and records each outcome; returns the failures. */
async function writeChunk(ctx: VectorContext, chunk: VectorRecord[], vectors: number[][]): Promise<{ ok: number; failed: Failure[] }> {
  const c = await ctx.schema();
  const byTenant = new Map<string, number[]>();
  chunk.forEach((r, k) => byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), k]));
  const ok: VectorRecord[] = [];
  const failed: Failure[] = [];
  for (const [tenantId, positions] of byTenant) {
    const objects = positions.map((k) => ({ id: chunk[k]!.id, properties: chunk[k]!.properties, vector: vectors[k]! }));
    const insert = (client: WeaviateClient) => insertObjects(client, chunk[0]!.type, tenantId, objects);
    let result = await insert(c).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!result || result.hasErrors) {
      // Weaviate was wiped, or another process migrated the schema: check it again, retry once
      // (upserts, so rewriting the objects that did succeed is harmless).
      result = await insert(await ctx.schema(true));
    }
    const errors = result.errors;
    positions.forEach((k, j) => {
      const e = errors[j];
      if (e) failed.push({ rec: chunk[k]!, message: e.message });
      else ok.push(chunk[k]!);
    });
  }
  const provider = ctx.embeddings();
  await recordOutcome(ctx.prisma, provider, ok.map(synced));
  for (const f of failed) await recordOutcome(ctx.prisma, provider, [synced(f.rec)], f.message.slice(0, 1000));
  return { ok: ok.length, failed };
}

/**
 * Embeds and upserts records (all of one type), and records each outcome. Throws (after
 * recording) when Weaviate refused some objects, so the activity is retried.
 *
 * Weaviate's side — indexing each vector into HNSW — is most of the CPU (~0.2-0.4 ms an object
 * here, against ~0.05 ms to embed one with the local provider), and a batch is answered only once
 * all of it is indexed: WRITE_CONCURRENCY batches are in flight at once, while the next chunk is
 * embedded. Embedding happens before Weaviate is touched: a provider that refuses us must not
 * migrate the schema.
 */
export async function writeRecords(ctx: VectorContext, records: VectorRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const p = ctx.embeddings();
  let written = 0;
  const inFlight = new Set<Promise<void>>();
  const failures: Failure[] = [];
  let error: unknown;
  try {
    for (const chunk of chunks(records)) {
      if (error !== undefined) break;
      const vectors = await p.embed(chunk.map((r) => r.embedInput), 'document');
      const job: Promise<void> = writeChunk(ctx, chunk, vectors)
        .then(({ ok, failed }) => {
          written += ok;
          failures.push(...failed);
          progressHeartbeat({ written });
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
    ctx.forgetSchema();
    throw new Error(`Weaviate refused ${failures.length} of ${records.length} ${records[0]!.type} objects: ${failures[0]!.message}`);
  }
  return written;
}

/** Whether the record's sync row says Weaviate holds its current content in the provider's space. */
export const isRecordCurrent = (ctx: VectorContext, state: SyncState | undefined, rec: VectorRecord) =>
  isCurrent(state, rec.properties.contentHash, ctx.embeddings());

/** Writes those of `records` whose sync row is missing or out of date; returns [upserted, skipped]. */
export async function syncIfNeeded(ctx: VectorContext, records: VectorRecord[]): Promise<[number, number]> {
  if (records.length === 0) return [0, 0];
  const states = await syncStates(ctx.prisma, records[0]!.type, records.map((r) => r.id));
  const stale = records.filter((r) => !isRecordCurrent(ctx, states.get(r.id), r));
  return [await writeRecords(ctx, stale), records.length - stale.length];
}
