/**
 * The part of the API client every edge shares, zod-free so that the web viewer's bundle can take it:
 * how a request travels (a Transport: fetch, node:http for the CLI, Fastify inject for /mcp), one
 * typed error for every failure (ApiError: the HTTP status, the API's error code and message,
 * Retry-After), and query strings. clients/api.ts adds the typed endpoints that parse answers with
 * the shared schemas.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  method: Method;
  /** Path and query, e.g. `/v1/search?q=x`. */
  path: string;
  headers: Record<string, string>;
  /** JSON text (the content-type header is set by whoever builds the request). */
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/** Sends one request and returns the answer, whatever its status; throws only when there is none. */
export type Transport = (req: ApiRequest) => Promise<ApiResponse>;

/**
 * A call that did not give a usable answer. `status` 0: no answer at all (refused, reset, timed out;
 * `code` is the system's, e.g. ECONNREFUSED). Otherwise the HTTP status with the API's own error code
 * and message (`{"error":{"code","message"}}`), or `invalid_answer` when a 2xx does not fit its schema.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    /** The API's message (or the transport's), without the status and code around it. */
    readonly detail: string,
    message: string,
    /** Seconds, from Retry-After on a 429 or 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get unreachable(): boolean {
    return this.status === 0;
  }
}

/** The `{"error":{"code","message"}}` of an answer, if it has one. */
export function apiErrorOf(json: unknown): { code: string; message: string } | undefined {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return e && typeof e.code === 'string' ? { code: e.code, message: typeof e.message === 'string' ? e.message : '' } : undefined;
}

/** A body as JSON, or undefined when it is empty or not JSON (the status still tells). */
export function jsonOrUndefined(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The system's code of a transport failure (fetch wraps it in `cause`). */
function failureCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return e.name;
  return 'ENETWORK';
}

export interface SendOptions {
  /** Where requests go, for error messages (never holds the key). */
  describe: string;
  headers?: Record<string, string>;
}

/**
 * Sends a request and returns the JSON of a 2xx answer (undefined when it has no body); anything else
 * throws an ApiError.
 */
export async function send(transport: Transport, opts: SendOptions, method: Method, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  let res: ApiResponse;
  try {
    res = await transport({
      method,
      path,
      headers: { accept: 'application/json', ...opts.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = failureCode(err);
    throw new ApiError(0, code, (err as Error).message, `memflow API unreachable at ${opts.describe} (${code}); is it running?`);
  }
  const json = jsonOrUndefined(res.text);
  if (res.status >= 200 && res.status < 300) return { status: res.status, json };
  const e = apiErrorOf(json);
  const detail = e ? `${e.code}: ${e.message}` : `HTTP ${res.status}`;
  const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
  throw new ApiError(
    res.status,
    e?.code ?? 'http_error',
    e?.message ?? `HTTP ${res.status}`,
    res.status === 401 ? `memflow refused the API key (${detail})` : `memflow API answered ${res.status} (${detail})`,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

/**
 * A transport over fetch: browsers (same-origin, `baseUrl` ''), tests and benchmarks. `timeoutMs`
 * bounds each request (no answer in time: a failure with code TimeoutError).
 */
export function fetchTransport(baseUrl: string, init: Omit<RequestInit, 'method' | 'headers' | 'body' | 'signal'> = {}, timeoutMs?: number): Transport {
  return async (req) => {
    const res = await fetch(`${baseUrl}${req.path}`, {
      ...init,
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

/** `?a=1&b=x` from the defined, non-empty values (arrays joined by commas). */
export function query(params: Record<string, string | number | boolean | readonly string[] | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
