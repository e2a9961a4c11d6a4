/** The one error shape of the HTTP API: {"error":{"code","message"}}. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * A workflow could not be started because Temporal is away: 503 with Retry-After, the same answer for
 * every route that starts a job (erase, backup, restore, redaction rescan).
 */
export const temporalUnavailable = (what: string) => new HttpError(503, 'unavailable', `Temporal is unavailable: ${what} was not started; retry later`, { 'retry-after': '5' });
