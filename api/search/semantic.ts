/**
 * The vector leg: Weaviate, in the authenticated tenant's own Weaviate tenant (multi-tenancy keeps
 * each tenant's objects in a separate shard, so a query cannot reach another tenant's vectors).
 * It is a pure nearVector query in every mode: in `hybrid` the keyword signal comes from PostgreSQL
 * alone (fusion.ts), so Weaviate's own BM25 would count keyword evidence twice. Object uuids are
 * the PostgreSQL record ids; the score is cosine similarity (1 - distance). The vector backend (the
 * embedding provider and the Weaviate connection the leg runs on) follows.
 */
import { Filters, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { isNothingStored, connectWeaviate, lazyWeaviate } from '../../common/server/weaviate/client.js';
import { tenantCollection, VECTOR_NAME } from '../../common/server/weaviate/schema.js';
import type { RankedRef, RecordType, SearchScope } from './search-types.js';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../common/server/config.js';
import { createEmbeddingProvider } from '../../common/server/embeddings/providers.js';
import type { EmbeddingProvider } from '../../common/server/embeddings/types.js';

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
  return (await vectorSearchWide(client, q, q.depth)).refs;
}

/**
 * vectorSearch, with the observations asked `wide` deep: the refs are the same (each collection's
 * first `depth`), and `observations` holds the similarity of every observation returned — what the
 * turns a hit carries are scored with (turns.ts), without a second query. An exact scan costs the
 * same whatever the limit (every allowed object is compared); a project above the flat-search
 * cutoff walks HNSW with ef 4 x the limit, so there a wider limit costs more.
 */
export async function vectorSearchWide(client: WeaviateClient, q: VectorQuery, wide: number): Promise<{ refs: RankedRef[]; observations: Map<string, number> }> {
  const lists = await Promise.all(q.scope.types.map((type) => searchCollection(client, type, type === 'observation' ? { ...q, depth: Math.max(q.depth, wide) } : q)));
  const observations = new Map<string, number>();
  for (const list of lists) for (const r of list) if (r.type === 'observation') observations.set(r.id, r.score);
  return { refs: lists.flatMap((list) => list.slice(0, q.depth)).sort((a, b) => b.score - a.score), observations };
}

/**
 * Lazy access to Weaviate and the embedding provider for the API. Nothing connects at start, so the
 * API comes up (and keyword search answers) while Weaviate is down; a failed connection is
 * forgotten so that the next request tries again.
 */
export interface VectorBackend {
  client(): Promise<WeaviateClient>;
  /** The query's embedding; recent ones are cached (a remote provider costs a round trip). */
  embedQuery(text: string): Promise<number[]>;
  close(): Promise<void>;
}

const QUERY_CACHE_SIZE = 500;

export function createVectorBackend(config: Config): VectorBackend {
  const weaviate = lazyWeaviate(() => connectWeaviate(config));
  let provider: EmbeddingProvider | undefined;
  const cache = new LRUCache<string, number[]>({ max: QUERY_CACHE_SIZE });

  return {
    client: () => weaviate.get(),
    async embedQuery(text) {
      const hit = cache.get(text);
      if (hit) return hit;
      provider ??= createEmbeddingProvider(config);
      const [vector] = await provider.embed([text], 'query');
      if (!vector) throw new Error('the embedding provider returned no vector');
      cache.set(text, vector);
      return vector;
    },
    close: () => weaviate.close(),
  };
}
