/**
 * Any OpenAI-compatible embeddings endpoint (OpenAI, vLLM, Ollama's /v1, LiteLLM, ...):
 * POST {baseURL}/embeddings {model, input: [...], encoding_format: 'float', dimensions?} with a
 * bearer key; the answer is {data: [{embedding, index}], model, usage}. The protocol has no
 * query/document distinction, so both are embedded alike.
 */
import { createRemoteProvider, type RemoteProviderOptions } from './remote-provider.js';
import type { EmbeddingProvider } from './types.js';

export function createOpenAIProvider(opts: RemoteProviderOptions): EmbeddingProvider {
  return createRemoteProvider(
    {
      name: 'openai',
      defaultBaseURL: 'https://api.openai.com/v1',
      defaultModel: 'text-embedding-3-small',
      defaultMaxBatch: 128,
      nativeDimensions: { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 },
      // text-embedding-3-* can shorten their vectors (`dimensions`).
      body: (model, input, _type, shorten) => ({ model, input, encoding_format: 'float', ...(shorten ? { dimensions: shorten } : {}) }),
    },
    opts,
  );
}
