/**
 * The vector leg: Weaviate, in the authenticated tenant's own Weaviate tenant (multi-tenancy keeps
 * each tenant's objects in a separate shard, so a query cannot reach another tenant's vectors).
 * `semantic` is a pure nearVector query; `hybrid` is Weaviate's hybrid query (BM25 over title and
 * text fused with the vector), weighted towards vectors because PostgreSQL already brings the
 * keyword signal. Object uuids are the PostgreSQL record ids.
 */
import { Filters, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { tenantCollection, VECTOR_NAME } from '../../common/vector-schema.js';
import type { RankedRef, RecordType, SearchScope } from './types.js';

/** Weight of the vector in Weaviate's hybrid score (1 = vectors only, 0 = BM25 only). */
export const HYBRID_ALPHA = 0.75;

/** Weaviate's answer when the tenant (or collection) holds nothing yet: an empty result, not an outage. */
const NOTHING_STORED = /tenant not found|tenant .* (does not exist|not found)|class .* not found|could not find class|no such class|collection .* not found/i;

export const isNothingStored = (err: unknown) => NOTHING_STORED.test(String((err as Error)?.message ?? err));

function scopeFilter(collection: ReturnType<typeof tenantCollection>, type: RecordType, scope: SearchScope): FilterValue | undefined {
  const parts: FilterValue[] = [];
  if (scope.projectId) parts.push(collection.filter.byProperty('projectId').equal(scope.projectId));
  if (scope.since) parts.push(collection.filter.byProperty('createdAt').greaterOrEqual(scope.since));
  if (scope.until) parts.push(collection.filter.byProperty('createdAt').lessThan(scope.until));
  if (type === 'learning') parts.push(collection.filter.byProperty('status').equal('active'));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : Filters.and(...parts);
}

/** One vector-leg query: the text (for BM25), its embedding, the scope and how many hits per collection. */
export interface VectorQuery {
  query: string;
  vector: number[];
  scope: SearchScope;
  depth: number;
  mode: 'semantic' | 'hybrid';
}

async function searchCollection(client: WeaviateClient, type: RecordType, { query, vector, scope, depth, mode }: VectorQuery): Promise<RankedRef[]> {
  const collection = tenantCollection(client, type, scope.tenantId);
  const filters = scopeFilter(collection, type, scope);
  try {
    if (mode === 'semantic') {
      const res = await collection.query.nearVector(vector, { targetVector: VECTOR_NAME, limit: depth, returnMetadata: ['distance'], returnProperties: [], ...(filters ? { filters } : {}) });
      return res.objects.map((o) => ({ type, id: o.uuid, score: 1 - (o.metadata?.distance ?? 1) }));
    }
    const res = await collection.query.hybrid(query, {
      vector,
      targetVector: VECTOR_NAME,
      alpha: HYBRID_ALPHA,
      fusionType: 'RelativeScore',
      queryProperties: ['title^2', 'text'],
      limit: depth,
      returnMetadata: ['score'],
      returnProperties: [],
      ...(filters ? { filters } : {}),
    });
    return res.objects.map((o) => ({ type, id: o.uuid, score: o.metadata?.score ?? 0 }));
  } catch (err) {
    if (isNothingStored(err)) return [];
    throw err;
  }
}

/**
 * Ranked references from every requested collection, merged into one list by score: cosine
 * similarity (semantic) is comparable across collections, and the hybrid relative score is
 * normalized to 0..1 within each, which interleaves them by their own ranking.
 */
export async function vectorSearch(client: WeaviateClient, q: VectorQuery): Promise<RankedRef[]> {
  const lists = await Promise.all(q.scope.types.map((type) => searchCollection(client, type, q)));
  return lists.flat().sort((a, b) => b.score - a.score);
}
