/**
 * What the vector activities of one worker share: the database, the embedding provider (made on
 * first use), the Weaviate client (connected on first use) and whether its schema was checked.
 */
import type { Config } from '../../common/server/config.js';
import type { PrismaClient } from '../../common/server/db.js';
import { createEmbeddingProvider, type EmbeddingProvider } from '../../common/server/embeddings/providers.js';
import { connectWeaviate, lazyWeaviate } from '../../common/server/weaviate/client.js';
import { ensureVectorSchema, type WeaviateClient } from '../../common/server/weaviate/schema.js';

export interface VectorDeps {
  prisma: PrismaClient;
  config: Config;
  /** Defaults to the configured provider (MEMFLOW_EMBEDDINGS). */
  provider?: EmbeddingProvider;
  /** A client, or how to make one; default: connectWeaviate(config) on first use. */
  weaviate?: WeaviateClient | (() => Promise<WeaviateClient>);
}

export interface VectorContext {
  prisma: PrismaClient;
  embeddings(): EmbeddingProvider;
  /** The client, connected on first use (a worker starts while Weaviate is briefly down). */
  weaviate(): Promise<WeaviateClient>;
  /** The client with the schema checked: once per process, and again when `fresh` (Weaviate reported a missing collection). */
  schema(fresh?: boolean): Promise<WeaviateClient>;
  /** Forgets that the schema was checked (the next schema() checks it again). */
  forgetSchema(): void;
}

export function createVectorContext(deps: VectorDeps): VectorContext {
  let provider = deps.provider;
  const embeddings = () => (provider ??= createEmbeddingProvider(deps.config));
  const given = deps.weaviate;
  const client = lazyWeaviate(typeof given === 'function' ? given : given ? () => Promise.resolve(given) : () => connectWeaviate(deps.config));
  let schemaReady: Promise<void> | undefined;
  return {
    prisma: deps.prisma,
    embeddings,
    weaviate: () => client.get(),
    async schema(fresh = false) {
      const c = await client.get();
      if (fresh || !schemaReady) {
        const ready = ensureVectorSchema(c, embeddings());
        schemaReady = ready;
        ready.catch(() => {
          if (schemaReady === ready) schemaReady = undefined;
        });
      }
      await schemaReady;
      return c;
    },
    forgetSchema() {
      schemaReady = undefined;
    },
  };
}
