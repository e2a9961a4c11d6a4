/**
 * How the MCP tools reach memflow: through the HTTP API and nothing else, so every tool call is
 * authenticated, validated and tenant-scoped exactly like any other client's. The stdio server
 * sends real HTTP requests with the user's key; the API's own /mcp endpoint injects them into the
 * same Fastify instance with the caller's key (no network hop, same auth and limits).
 */

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body (undefined when the body was empty or not JSON). */
  body: unknown;
}

export interface ApiTransport {
  /** Where requests go, for error messages (never holds the key). */
  readonly describe: string;
  request(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<ApiAnswer>;
}

/** A response body as JSON, or undefined when it is empty or not JSON (the status still tells). */
export function jsonOrUndefined(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A failed call, said in one line a model (and a person) can act on. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

function errorText(body: unknown): string | undefined {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return e && typeof e.message === 'string' ? `${String(e.code)}: ${e.message}` : undefined;
}

/** Calls the API and returns the JSON answer of a 2xx; anything else throws an ApiCallError. */
export async function callApi<T>(api: ApiTransport, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<T> {
  let answer: ApiAnswer;
  try {
    answer = await api.request(method, pathAndQuery, body);
  } catch (err) {
    throw new ApiCallError(`memflow API unreachable at ${api.describe} (${(err as Error).message}); is it running?`);
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body as T;
  const detail = errorText(answer.body) ?? `HTTP ${answer.status}`;
  if (answer.status === 401) throw new ApiCallError(`memflow refused the API key (${detail})`, 401);
  throw new ApiCallError(`memflow API answered ${answer.status} (${detail})`, answer.status);
}

/** `?a=1&b=x` from the defined entries (arrays joined by commas). */
export function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
