/**
 * What the client commands read from the environment. Clients never need DATABASE_URL; they talk
 * to the API at MEMFLOW_URL (default http://127.0.0.1:${MEMFLOW_PORT:-7711}) with MEMFLOW_API_KEY.
 */
import os from 'node:os';
import path from 'node:path';

const DEFAULT_PORT = '7711';

/** Empty strings count as unset, as shells commonly export `VAR=`. */
export function envValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The API's base URL without a trailing slash; `override` (a --url option) wins. */
export function apiBaseUrl(override?: string, env: NodeJS.ProcessEnv = process.env): string {
  const raw = override ?? envValue('MEMFLOW_URL', env) ?? `http://127.0.0.1:${envValue('MEMFLOW_PORT', env) ?? DEFAULT_PORT}`;
  return raw.replace(/\/+$/, '');
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

export const apiKey = (env: NodeJS.ProcessEnv = process.env) => envValue('MEMFLOW_API_KEY', env);

export const spoolDir = (env: NodeJS.ProcessEnv = process.env) =>
  envValue('MEMFLOW_SPOOL_DIR', env) ?? path.join(os.homedir(), '.memflow', 'spool');

/** A positive integer from the environment, or the default when unset or malformed. */
export function envInt(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = envValue(name, env);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
