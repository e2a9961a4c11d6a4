/**
 * The one error type of every embedding provider. `retryable` decides Temporal's behaviour when
 * it surfaces in an activity: rate limits (429), server errors (5xx), timeouts and broken
 * connections are retried; a request the provider rejected (400, 401, 403, 404, 422) or an
 * answer of the wrong shape will never succeed as is and fails the activity at once.
 */
export class EmbeddingError extends Error {
  override name = 'EmbeddingError';
  constructor(
    message: string,
    readonly provider: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** From the provider's Retry-After header, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** HTTP statuses that are worth retrying: throttling, timeouts and the server's own failures. */
export const isRetryableStatus = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
