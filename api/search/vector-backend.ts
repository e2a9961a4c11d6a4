/**
 * Lazy access to Weaviate and the embedding provider for the API. Nothing connects at start, so the
 * API comes up (and keyword search answers) while Weaviate is down; a failed connection is
 * forgotten so that the next request tries again.
 */
import { LRUCache } from 'lru-cache';
import type { WeaviateClient } from 'weaviate-client';
import type { Config } from '../../common/server/config.js';
import { createEmbeddingProvider } from '../../common/server/embeddings/providers.js';
import type { EmbeddingProvider } from '../../common/server/embeddings/types.js';
import { connectWeaviate, lazyWeaviate } from '../../common/server/weaviate/client.js';

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
