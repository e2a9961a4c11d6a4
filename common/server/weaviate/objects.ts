/**
 * Objects in one memflow tenant's Weaviate tenant: upserts, deletes by id or by project, and the
 * content hashes reconciliation compares. A tenant or collection that does not exist holds
 * nothing: deleting from it deletes nothing and reading from it reads nothing.
 */
import { RECORD_TYPES, type RecordType } from '../../../messages/record-types-v1.js';
import { batchWriterOf, isNotFound, replication } from './client.js';
import type { InsertResult, VectorObject } from './grpc-batch.js';
import { COLLECTIONS, tenantCollection, VECTOR_NAME, weaviateTenantName, type WeaviateClient } from './schema.js';

/** Upserts objects (all of one type) into a tenant's collection; Weaviate's per-object errors are in the answer. */
export async function insertObjects(client: WeaviateClient, type: RecordType, tenantId: string, objects: VectorObject[]): Promise<InsertResult> {
  const writer = batchWriterOf(client);
  if (!writer) throw new Error('insertObjects: this Weaviate client was not made by connectWeaviate, so it has no batch writer');
  return writer.write({ collection: COLLECTIONS[type], tenant: weaviateTenantName(tenantId), vectorName: VECTOR_NAME, consistency: replication.consistency }, objects);
}

/** Deletes objects by id from one tenant's collection; returns how many were deleted. */
export async function deleteObjects(client: WeaviateClient, type: RecordType, tenantId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  try {
    const col = tenantCollection(client, type, tenantId);
    const res = await col.data.deleteMany(col.filter.byId().containsAny(ids));
    return res.successful;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

/** Deletes every object of a project in every collection of its tenant; `progress` after each round. */
export async function deleteProjectObjects(client: WeaviateClient, tenantId: string, projectId: string, progress: (deleted: number) => void): Promise<number> {
  let deleted = 0;
  for (const type of RECORD_TYPES) {
    const col = tenantCollection(client, type, tenantId);
    try {
      // deleteMany matches at most QUERY_MAXIMUM_RESULTS objects per call: repeat until none match.
      for (;;) {
        const res = await col.data.deleteMany(col.filter.byProperty('projectId').equal(projectId));
        deleted += res.successful;
        if (res.matches === 0 || res.successful === 0) break;
        progress(deleted);
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return deleted;
}

/** contentHash of each named object of one type in Weaviate, by id (absent: no object). */
export async function objectHashes(client: WeaviateClient, type: RecordType, records: { tenantId: string; id: string }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byTenant = new Map<string, string[]>();
  for (const r of records) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.id]);
  for (const [tenantId, ids] of byTenant) {
    const col = tenantCollection(client, type, tenantId);
    try {
      const res = await col.query.fetchObjects({ filters: col.filter.byId().containsAny(ids), limit: ids.length, returnProperties: ['contentHash'] });
      for (const o of res.objects) out.set(o.uuid, String((o.properties as { contentHash?: unknown }).contentHash ?? ''));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return out;
}
