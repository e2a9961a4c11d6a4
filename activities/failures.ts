/**
 * The one failure mapper of activities: an error an activity does not handle itself goes through
 * toActivityFailure, which maps it onto Temporal's retry semantics once, with the failure types of
 * messages/errors-v1.ts:
 * - an ApplicationFailure is already typed: as is;
 * - embedding providers: refused (EmbeddingRejected, not retried) or away (EmbeddingUnavailable,
 *   retried after the provider's delay);
 * - Weaviate refusing memflow's credentials: WeaviateRejected, not retried;
 * - the Anthropic API: 429 LlmRateLimited and 5xx/408/409/unreachable LlmUnavailable (retried after
 *   the server's delay), 401/403 LlmAuthFailed and other 4xx LlmRequestRejected (not retried);
 * - database errors, classified by common/server/db.ts: permanent ones are DatabasePermanent (not retried),
 *   connection loss and pool exhaustion are rethrown for Temporal's backoff;
 * - anything else: `unrecognized` says. 'permanent' (the default, for activities whose only I/O is
 *   the database: an unknown error there is the database's classifier's "permanent") or 'retry' (for
 *   activities that also talk to networks or files, where an unknown error is usually passing).
 */
import type { APIConnectionError as SdkConnectionError, APIError } from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import { classifyDbError, dbErrorClassOf } from '../common/server/db.js';
import { EmbeddingError } from '../common/server/embeddings/providers.js';
import { WeaviateBatchError } from '../common/server/weaviate/grpc-batch.js';
import { Failure } from '../messages/errors-v1.js';
import { loadedAnthropicSdk } from './anthropic-sdk.js';

export type Unrecognized = 'permanent' | 'retry';

/** Maps `err` to the failure Temporal should see, and throws it. */
export function toActivityFailure(err: unknown, unrecognized: Unrecognized = 'permanent'): never {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof EmbeddingError) {
    if (!err.retryable) throw ApplicationFailure.nonRetryable(err.message, Failure.EmbeddingRejected);
    throw ApplicationFailure.create({
      message: err.message,
      type: Failure.EmbeddingUnavailable,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  if (isWeaviateAuthError(err)) {
    throw ApplicationFailure.nonRetryable(`Weaviate rejected memflow's credentials: ${(err as Error).message}`, Failure.WeaviateRejected);
  }
  // (An error of the Anthropic SDK's exists only once a model client loaded it: anthropic-sdk.ts.)
  const sdk = loadedAnthropicSdk();
  if (sdk && err instanceof sdk.APIError) throw llmFailure(err, sdk.APIConnectionError);
  // Prisma's own errors are always database errors, whether or not their code is one we list.
  const db = isPrismaError(err) || unrecognized === 'permanent' ? classifyDbError(err) : dbErrorClassOf(err);
  if (db === 'permanent') {
    throw ApplicationFailure.nonRetryable(`database rejected the write: ${(err as Error).message}`, Failure.DatabasePermanent);
  }
  throw err; // transient and overloaded database errors, and passing trouble: Temporal retries with backoff
}

/**
 * Wraps every activity of a factory's result in the mapper, for factories whose activities have no
 * failure handling of their own (retention, backup).
 */
export function withFailureMapping<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T, unrecognized: Unrecognized = 'permanent'): T {
  const wrapped: Record<string, (...args: any[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        toActivityFailure(err, unrecognized);
      }
    };
  }
  return wrapped as T;
}

/**
 * 429, 529 (overloaded), 5xx, 408, 409 and network errors are retried by Temporal, waiting what the
 * server asked for when it said; anything else the API refused (400, 401, 403, 404, 413, 422) would
 * fail again, so it fails now, visibly, with a type the workflow can act on.
 */
function llmFailure(err: APIError, APIConnectionError: typeof SdkConnectionError): Error {
  if (err instanceof APIConnectionError) {
    return ApplicationFailure.create({ message: `Anthropic API unreachable: ${err.message}`, type: Failure.LlmUnavailable, cause: err });
  }
  if (typeof err.status !== 'number') return err; // a body that is not JSON, a bug in a proxy: transient
  const status = err.status;
  const wait = retryAfterMs(err.headers);
  const delay = wait !== undefined ? { nextRetryDelay: Math.min(wait, 15 * 60_000) } : {};
  const msg = `Anthropic API answered ${status}: ${err.apiMessage ?? err.message}`;
  if (status === 429) return ApplicationFailure.create({ message: msg, type: Failure.LlmRateLimited, ...delay });
  if (status >= 500 || status === 408 || status === 409) {
    return ApplicationFailure.create({ message: msg, type: Failure.LlmUnavailable, ...delay });
  }
  const type = status === 401 || status === 403 ? Failure.LlmAuthFailed : Failure.LlmRequestRejected;
  return ApplicationFailure.create({ message: msg, type, nonRetryable: true });
}

/** Seconds or milliseconds the server asked us to wait (retry-after-ms, retry-after seconds or date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const isPrismaError = (err: unknown) => /^PrismaClient/.test(String((err as Error)?.name ?? '')) || /^P\d{4}$/.test(String((err as { code?: unknown })?.code ?? ''));

/**
 * Weaviate refused our API key: weaviate-client's WeaviateUnauthenticatedError or
 * WeaviateInsufficientPermissionsError (not exported by name), or its WeaviateStartUpError
 * wrapping a 401 when connecting.
 */
const isWeaviateAuthError = (err: unknown) => {
  if (err instanceof WeaviateBatchError) return err.credentialsRefused;
  const name = String((err as object)?.constructor?.name);
  return /^Weaviate(Unauthenticated|InsufficientPermissions)Error$/.test(name) || (name === 'WeaviateStartUpError' && /Unauthenticated|"code":40[13]/.test(String((err as Error).message)));
};
