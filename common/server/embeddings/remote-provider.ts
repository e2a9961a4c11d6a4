/**
 * JSON over HTTP for the remote providers: one POST with a timeout, failures turned into
 * EmbeddingErrors that name the provider and the status, batching, and the provider built on them
 * (createRemoteProvider), which openai.ts and voyage.ts configure with their protocol.
 */
import { EmbeddingError, isRetryableStatus } from './embedding-error.js';
import type { EmbeddingInput, EmbeddingProvider } from './types.js';

export interface PostJsonOptions {
  provider: string;
  url: string;
  apiKey: string;
  body: unknown;
  timeoutMs: number;
}

/** Retry-After is seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The provider's own error message, when its body has one ({error:{message}}, {detail}, {message}). */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; detail?: string; message?: string };
    const detail = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.detail ?? body.message);
    if (detail) return String(detail).slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300);
}

export async function postJson(opts: PostJsonOptions): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
      body: JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const e = err as Error;
    const what = e.name === 'TimeoutError' ? `timed out after ${opts.timeoutMs} ms` : `failed: ${e.message}`;
    throw new EmbeddingError(`${opts.provider} embeddings request to ${opts.url} ${what}`, opts.provider, true);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new EmbeddingError(
      `${opts.provider} embeddings API answered ${res.status}: ${errorDetail(text)}`,
      opts.provider,
      isRetryableStatus(res.status),
      res.status,
      parseRetryAfter(res.headers.get('retry-after')),
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new EmbeddingError(`${opts.provider} embeddings API answered ${res.status} with a body that is not JSON`, opts.provider, true, res.status);
  }
}

/**
 * The vectors of an OpenAI-shaped answer ({data:[{embedding, index}]}, which Voyage shares), in
 * input order, checked for count and length: a wrong dimension would corrupt the index silently.
 */
export function vectorsFromResponse(provider: string, body: unknown, count: number, dimension: number): number[][] {
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbeddingError(`${provider} embeddings API returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${count} inputs`, provider, false);
  }
  const out: number[][] = new Array<number[]>(count);
  data.forEach((item: { embedding?: unknown; index?: unknown }, position) => {
    const index = typeof item.index === 'number' ? item.index : position;
    const v = item.embedding;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
      throw new EmbeddingError(`${provider} embeddings API returned a non-numeric embedding (use float encoding)`, provider, false);
    }
    if (v.length !== dimension) {
      throw new EmbeddingError(
        `${provider} embeddings API returned vectors of ${v.length} dimensions, configured ${dimension} (set MEMFLOW_EMBEDDINGS_DIMENSION)`,
        provider,
        false,
      );
    }
    if (index < 0 || index >= count || out[index]) throw new EmbeddingError(`${provider} embeddings API returned a bad index ${index}`, provider, false);
    out[index] = v as number[];
  });
  return out;
}

/** Calls `embedBatch` on consecutive slices of at most `maxBatch` texts, one after another. */
export async function inBatches(texts: string[], maxBatch: number, embedBatch: (batch: string[]) => Promise<number[][]>): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += maxBatch) out.push(...(await embedBatch(texts.slice(i, i + maxBatch))));
  return out;
}

/** Options every remote provider takes (MEMFLOW_EMBEDDINGS_URL, _MODEL, _DIMENSION and the key). */
export interface RemoteProviderOptions {
  apiKey: string;
  baseURL?: string;
  model?: string;
  /** Asked of the provider when it differs from the model's native size. */
  dimension?: number;
  maxBatch?: number;
  timeoutMs?: number;
}

/** What distinguishes one protocol from another. */
export interface RemoteProtocol {
  name: 'openai' | 'voyage';
  defaultBaseURL: string;
  defaultModel: string;
  defaultMaxBatch: number;
  /** Native vector sizes, so the dimension is known before the first call. */
  nativeDimensions: Record<string, number>;
  /** The request body for one batch; `shorten` is set when a non-native dimension is asked for. */
  body(model: string, texts: string[], input: EmbeddingInput, shorten: number | undefined): unknown;
}

/** An EmbeddingProvider over one POST {baseURL}/embeddings per batch, answered in OpenAI's list shape. */
export function createRemoteProvider(protocol: RemoteProtocol, opts: RemoteProviderOptions): EmbeddingProvider {
  const model = opts.model ?? protocol.defaultModel;
  const native = protocol.nativeDimensions[model];
  const dimension = opts.dimension ?? native;
  if (!dimension) throw new EmbeddingError(`${protocol.name} embeddings: the dimension of model '${model}' is unknown; set MEMFLOW_EMBEDDINGS_DIMENSION`, protocol.name, false);
  const url = `${(opts.baseURL ?? protocol.defaultBaseURL).replace(/\/+$/, '')}/embeddings`;
  // Only ask for a shorter vector when it differs from the native one: some servers reject the field.
  const shorten = opts.dimension !== undefined && opts.dimension !== native ? dimension : undefined;
  const maxBatch = opts.maxBatch ?? protocol.defaultMaxBatch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const embedBatch = (input: EmbeddingInput) => async (batch: string[]) => {
    // The APIs reject empty strings.
    const texts = batch.map((t) => (t.trim() === '' ? ' ' : t));
    const answer = await postJson({ provider: protocol.name, url, apiKey: opts.apiKey, body: protocol.body(model, texts, input, shorten), timeoutMs });
    return vectorsFromResponse(protocol.name, answer, batch.length, dimension);
  };
  return {
    name: protocol.name,
    model,
    dimension,
    maxBatch,
    embed: (texts: string[], input: EmbeddingInput) => inBatches(texts, maxBatch, embedBatch(input)),
  };
}
