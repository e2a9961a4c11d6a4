/**
 * The vector leg: Weaviate, in the authenticated tenant's own Weaviate tenant (multi-tenancy keeps
 * each tenant's objects in a separate shard, so a query cannot reach another tenant's vectors).
 * It is a pure nearVector query in every mode: in `hybrid` the keyword signal comes from PostgreSQL
 * alone (fusion.ts), so Weaviate's own BM25 would count keyword evidence twice. Object uuids are
 * the PostgreSQL record ids; the score is cosine similarity (1 - distance).
 */
import { Filters, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { isNothingStored } from '../../common/server/weaviate/client.js';
import { tenantCollection, VECTOR_NAME } from '../../common/server/weaviate/schema.js';
import type { RankedRef, RecordType, SearchScope } from './search-types.js';

function scopeFilter(collection: ReturnType<typeof tenantCollection>, type: RecordType, scope: SearchScope): FilterValue | undefined {
  const parts: FilterValue[] = [];
  if (scope.projectId) parts.push(collection.filter.byProperty('projectId').equal(scope.projectId));
  if (scope.since) parts.push(collection.filter.byProperty('createdAt').greaterOrEqual(scope.since));
  if (scope.until) parts.push(collection.filter.byProperty('createdAt').lessThan(scope.until));
  if (type === 'learning') {
    const status = collection.filter.byProperty('status');
    parts.push(scope.includePending ? Filters.or(status.equal('active'), status.equal('pending')) : status.equal('active'));
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : Filters.and(...parts);
}

/** One vector-leg query: the embedding of the query, the scope and how many hits per collection. */
export interface VectorQuery {
  vector: number[];
  scope: SearchScope;
  depth: number;
}

async function searchCollection(client: WeaviateClient, type: RecordType, { vector, scope, depth }: VectorQuery): Promise<RankedRef[]> {
  const collection = tenantCollection(client, type, scope.tenantId);
  const filters = scopeFilter(collection, type, scope);
  try {
    const res = await collection.query.nearVector(vector, { targetVector: VECTOR_NAME, limit: depth, returnMetadata: ['distance'], returnProperties: [], ...(filters ? { filters } : {}) });
    return res.objects.map((o) => ({ type, id: o.uuid, score: 1 - (o.metadata?.distance ?? 1) }));
  } catch (err) {
    if (isNothingStored(err)) return [];
    throw err;
  }
}

/**
 * Ranked references from every requested collection, merged into one list by score: cosine
 * similarity is comparable across collections (one embedding space).
 */
export async function vectorSearch(client: WeaviateClient, q: VectorQuery): Promise<RankedRef[]> {
  const lists = await Promise.all(q.scope.types.map((type) => searchCollection(client, type, q)));
  return lists.flat().sort((a, b) => b.score - a.score);
}
