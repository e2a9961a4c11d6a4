/**
 * The API a client command talks to. What the clients read from the environment is parsed in one
 * place, common/workspace/client-config.ts (MEMFLOW_URL, MEMFLOW_API_KEY, ...); this adds the --url override
 * and the one-line check of a URL.
 */
import { parseClientConfig } from '../common/workspace/client-config.js';

/** The API's base URL without a trailing slash; `override` (a --url option) wins over MEMFLOW_URL. */
export function apiBaseUrl(override?: string): string {
  return override !== undefined ? override.replace(/\/+$/, '') : parseClientConfig().MEMFLOW_URL;
}

/** Throws a one-line error naming `source` when the URL is not http(s). */
export function checkBaseUrl(base: string, source = 'MEMFLOW_URL'): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`${source} is invalid: '${base}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${source} is invalid: '${base}' must be http(s)`);
  return url;
}
