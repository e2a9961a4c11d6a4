/**
 * Objects in one memflow tenant's Weaviate tenant: upserts, deletes by id or by project, and the
 * content hashes reconciliation compares. A tenant or collection that does not exist holds
 * nothing: deleting from it deletes nothing and reading from it reads nothing.
 */
import { RECORD_TYPES, type RecordType } from '../../messages/records/v1.js';
import { isNotFound, replication, restEndpointOf, type RestEndpoint } from './client.js';
import { COLLECTIONS, tenantCollection, VECTOR_NAME, weaviateTenantName, type VectorObjectProperties, type WeaviateClient } from './schema.js';

/** One object as written: the record's id, its properties and its vector. */
export interface VectorObject {
  id: string;
  properties: VectorObjectProperties;
  vector: number[];
}

/** What a batch write answers: Weaviate's error for each object it refused, by the object's position. */
export interface InsertResult {
  hasErrors: boolean;
  errors: Record<number, { message: string }>;
}

/** Longest a batch write may take (a large batch into a big index on a busy machine). */
const INSERT_TIMEOUT_MS = 90_000;

/** Weaviate refused a whole batch write (its HTTP status: 401/403 = our credentials). */
export class WeaviateBatchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'WeaviateBatchError';
  }
}

/** One object of POST /v1/batch/objects's answer (only what we read). */
interface RestBatchItem {
  result?: { status?: string; errors?: { error?: { message?: string }[] } };
}

/** Upserts through POST /v1/batch/objects (see restEndpointOf for why not gRPC). */
async function insertOverRest(rest: RestEndpoint, type: RecordType, tenantId: string, objects: VectorObject[]): Promise<InsertResult> {
  const body = {
    objects: objects.map((o) => ({
      class: COLLECTIONS[type],
      tenant: weaviateTenantName(tenantId),
      id: o.id,
      properties: { ...o.properties, createdAt: o.properties.createdAt.toISOString() },
      vectors: { [VECTOR_NAME]: o.vector },
    })),
  };
  const res = await fetch(`${rest.url}/v1/batch/objects?consistency_level=${replication.consistency}`, {
    method: 'POST',
    headers: { ...rest.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(INSERT_TIMEOUT_MS),
  });
  const text = await res.text();
  // The message keeps Weaviate's words, so isNotFound still recognises a missing tenant or collection.
  if (!res.ok) throw new WeaviateBatchError(`Weaviate refused a batch of ${objects.length} objects (HTTP ${res.status}): ${text.slice(0, 500)}`, res.status);
  const items = JSON.parse(text) as RestBatchItem[];
  const errors: Record<number, { message: string }> = {};
  objects.forEach((_, i) => {
    const r = items[i]?.result;
    const messages = (r?.errors?.error ?? []).map((e) => e.message ?? 'unknown error');
    if (!items[i]) errors[i] = { message: 'Weaviate did not answer for this object' };
    else if (messages.length > 0 || r?.status === 'FAILED') errors[i] = { message: messages.join('; ') || 'failed' };
  });
  return { hasErrors: Object.keys(errors).length > 0, errors };
}

/** Upserts objects (all of one type) into a tenant's collection; Weaviate's per-object errors are in the answer. */
export async function insertObjects(client: WeaviateClient, type: RecordType, tenantId: string, objects: VectorObject[]): Promise<InsertResult> {
  const rest = restEndpointOf(client);
  if (rest) return insertOverRest(rest, type, tenantId, objects);
  const rows = objects.map((o) => ({ id: o.id, properties: { ...o.properties }, vectors: { [VECTOR_NAME]: o.vector } }));
  return tenantCollection(client, type, tenantId).data.insertMany(rows);
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
