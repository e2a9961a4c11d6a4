/**
 * Voyage AI: POST {baseURL}/embeddings {model, input: [...], input_type: 'document'|'query',
 * truncation, output_dimension?} with a bearer key; the answer is {object: 'list', data: [{object:
 * 'embedding', embedding, index}], model, usage: {total_tokens}}. Voyage embeds queries and
 * documents with different prompts, so input_type is always sent. A call takes at most 1,000 texts
 * and a capped number of tokens, hence the small default batch.
 */
import { createRemoteProvider, type RemoteProviderOptions } from './remote-provider.js';
import type { EmbeddingProvider } from './types.js';

export function createVoyageProvider(opts: RemoteProviderOptions): EmbeddingProvider {
  return createRemoteProvider(
    {
      name: 'voyage',
      defaultBaseURL: 'https://api.voyageai.com/v1',
      defaultModel: 'voyage-3.5',
      defaultMaxBatch: 64,
      nativeDimensions: {
        'voyage-3.5': 1024,
        'voyage-3.5-lite': 1024,
        'voyage-3-large': 1024,
        'voyage-code-3': 1024,
        'voyage-3': 1024,
        'voyage-3-lite': 512,
        'voyage-code-2': 1536,
      },
      // Over-long texts are cut to the model's context instead of failing the whole batch;
      // voyage-3.5, -3-large and code-3 can shorten their vectors (`output_dimension`).
      body: (model, input, inputType, shorten) => ({ model, input, input_type: inputType, truncation: true, ...(shorten ? { output_dimension: shorten } : {}) }),
    },
    opts,
  );
}
