/**
 * One interface for every embedding provider (offline local default, OpenAI-compatible, Voyage AI).
 * The provider name, model and dimension are recorded with each vector (vector_sync_states), so a
 * change of provider re-embeds instead of mixing incomparable vectors.
 */
export type EmbeddingInput = 'document' | 'query';

export interface EmbeddingProvider {
  /** The MEMFLOW_EMBEDDINGS value that selected it: 'local', 'openai' or 'voyage'. */
  readonly name: string;
  readonly model: string;
  readonly dimension: number;
  /** Largest number of texts sent in one call; callers may pass more, the provider batches. */
  readonly maxBatch: number;
  /** One vector per text, in order. Documents and queries may be embedded differently (Voyage). */
  embed(texts: string[], input: EmbeddingInput): Promise<number[][]>;
}
