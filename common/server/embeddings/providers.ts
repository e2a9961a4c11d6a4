/**
 * The embedding provider chosen by configuration (MEMFLOW_EMBEDDINGS): `local` (default, offline),
 * `onnx` (a real model in-process, from a model directory or the hub), `openai` (any OpenAI-compatible endpoint) or `voyage`. Every process must use the same provider,
 * model and dimension: they are recorded with each vector (vector_sync_states) and in the Weaviate
 * collections, and a change re-embeds everything (see common/server/weaviate/schema.ts).
 */
import type { Config } from '../config.js';
import { createLocalProvider } from './local.js';
import { createOnnxProvider } from './onnx.js';
import { createOpenAIProvider } from './openai.js';
import type { EmbeddingProvider } from './types.js';
import { createVoyageProvider } from './voyage.js';

export type { EmbeddingInput, EmbeddingProvider } from './types.js';
export { EmbeddingError } from './embedding-error.js';
export { createLocalProvider } from './local.js';
export { createOnnxProvider } from './onnx.js';
export { createOpenAIProvider } from './openai.js';
export { createVoyageProvider } from './voyage.js';

/** Provider, model and dimension in one string: vectors from different spaces never mix. */
export const embeddingSpace = (p: Pick<EmbeddingProvider, 'name' | 'model' | 'dimension'>) => `${p.name}/${p.model}/${p.dimension}`;

export function createEmbeddingProvider(config: Config): EmbeddingProvider {
  const common = {
    ...(config.MEMFLOW_EMBEDDINGS_URL ? { baseURL: config.MEMFLOW_EMBEDDINGS_URL } : {}),
    ...(config.MEMFLOW_EMBEDDINGS_MODEL ? { model: config.MEMFLOW_EMBEDDINGS_MODEL } : {}),
    ...(config.MEMFLOW_EMBEDDINGS_DIMENSION ? { dimension: config.MEMFLOW_EMBEDDINGS_DIMENSION } : {}),
  };
  switch (config.MEMFLOW_EMBEDDINGS) {
    case 'local':
      return createLocalProvider(config.MEMFLOW_EMBEDDINGS_DIMENSION ? { dimension: config.MEMFLOW_EMBEDDINGS_DIMENSION } : {});
    case 'onnx':
      return createOnnxProvider({
        ...(config.MEMFLOW_EMBEDDINGS_MODEL ? { model: config.MEMFLOW_EMBEDDINGS_MODEL } : {}),
        ...(config.MEMFLOW_EMBEDDINGS_DIMENSION ? { dimension: config.MEMFLOW_EMBEDDINGS_DIMENSION } : {}),
      });
    case 'openai':
      // The config schema guarantees the key for the chosen provider.
      return createOpenAIProvider({ apiKey: config.OPENAI_API_KEY!, ...common });
    case 'voyage':
      return createVoyageProvider({ apiKey: config.VOYAGE_API_KEY!, ...common });
  }
}
