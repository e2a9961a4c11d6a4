/**
 * The thin API client behind `memflow sessions`, `timeline`, `search`, `backup`, ...: send one
 * request with the key and read its JSON answer, turning every failure into one clear line
 * (CliError) instead of a stack trace.
 */
import { apiBaseUrl, apiKey, checkBaseUrl } from './env.js';
import { apiError, createHttpClient } from './http.js';
import { CliError } from './output.js';

export interface ApiOptions {
  url?: string;
  timeoutMs?: number;
}

export interface ApiCall {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** Said instead of the generic "this key may not do that" when the API answers 403. */
  forbiddenHint?: string;
}

export function apiGet<T>(pathAndQuery: string, opts: ApiOptions = {}): Promise<T> {
  return apiRequest<T>(pathAndQuery, opts);
}

/** The API a client command talks to and the key it uses, or one clear line saying what is missing. */
export function apiTarget(urlOverride?: string): { base: string; key: string } {
  const key = apiKey();
  if (!key) throw new CliError('MEMFLOW_API_KEY is required but not set (mint one with `memflow keys create --tenant <name>`)');
  const base = apiBaseUrl(urlOverride);
  try {
    checkBaseUrl(base, urlOverride !== undefined ? '--url' : 'MEMFLOW_URL');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return { base, key };
}

export async function apiRequest<T>(pathAndQuery: string, opts: ApiOptions = {}, call: ApiCall = {}): Promise<T> {
  const { base, key } = apiTarget(opts.url);
  const client = createHttpClient();
  try {
    const outcome = await client.request({
      method: call.method ?? 'GET',
      url: `${base}${pathAndQuery}`,
      headers: { authorization: `Bearer ${key}`, 'user-agent': 'memflow-cli' },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      timeoutMs: opts.timeoutMs ?? 15_000,
    });
    if (outcome.kind === 'network') {
      throw new CliError(`cannot reach the memflow API at ${base} (${outcome.code}); is it running? (\`npm run up\`, or set MEMFLOW_URL)`);
    }
    const { status, body } = outcome;
    const e = apiError(body);
    const detail = e ? `${e.code}: ${e.message}` : `HTTP ${status}`;
    if (status === 401) throw new CliError(`the API rejected MEMFLOW_API_KEY (401 ${detail})`);
    if (status === 403) throw new CliError(call.forbiddenHint ? `${call.forbiddenHint} (403 ${detail})` : `this key may not do that (403 ${detail})`);
    if (status === 404) throw new CliError(`not found (404 ${detail})`);
    if (status < 200 || status >= 300) throw new CliError(`the API answered ${status} (${detail})`);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new CliError(`the API answered ${status} with something that is not JSON`);
    }
  } finally {
    client.close();
  }
}

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
