/**
 * How the client commands (`memflow sessions`, `search`, `backup`, ...) reach the API: the typed client
 * (clients/api.ts) over node:http (cli/node-http.ts; no fetch, which takes tens of milliseconds to load),
 * with the key from MEMFLOW_API_KEY (else the personal key of `memflow login`), and every ApiError
 * turned into one clear line (CliError) instead of a stack trace. A sign-in that ended (its key
 * expired or revoked) says to run `memflow login` again.
 */
import { ApiError, createApiClient, type ApiClient } from '../clients/api.js';
import { parseClientConfig, type ClientConfig } from '../common/workspace/client-config.js';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { createHttpClient, httpTransport } from './node-http.js';
import { CliError } from './output.js';
import { repositoryHeaders } from './repository.js';

export interface ApiOptions {
  url?: string;
  timeoutMs?: number;
}

type Login = ClientConfig['MEMFLOW_LOGIN'];

/**
 * The API a client command talks to, the key it uses and the `memflow login` it belongs to (if it
 * does), or one clear line saying what is missing.
 */
export function apiTarget(urlOverride?: string): { base: string; key: string; login: Login } {
  const { MEMFLOW_API_KEY: key, MEMFLOW_LOGIN: login } = parseClientConfig();
  if (!key && login?.expired) throw new CliError(`your sign-in as ${login.person} ended at ${login.expiresAt}: run \`memflow login\` again`);
  if (!key) throw new CliError('MEMFLOW_API_KEY is required but not set (sign in with `memflow login`, or mint a key with `memflow keys create --tenant <name>`)');
  const base = apiBaseUrl(urlOverride);
  try {
    checkBaseUrl(base, urlOverride !== undefined ? '--url' : 'MEMFLOW_URL');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return { base, key, login };
}

/** One line for a failed call; `forbiddenHint` is said instead of the generic line on a 403. */
function cliErrorOf(err: ApiError, base: string, login: Login, forbiddenHint?: string): CliError {
  if (err.unreachable) return new CliError(`cannot reach the memflow API at ${base} (${err.code}); is it running? (\`npm run up\`, or set MEMFLOW_URL)`);
  const detail = err.code === 'http_error' ? err.detail : `${err.code}: ${err.detail}`;
  if (err.code === 'invalid_answer') return new CliError(`the API answered ${err.status} with an answer this memflow does not understand (${err.detail})`);
  if (err.status === 401) {
    return new CliError(
      login
        ? `the API refused the key of your sign-in as ${login.person} (401 ${detail}): it has ended or was revoked; run \`memflow login\` again`
        : `the API rejected MEMFLOW_API_KEY (401 ${detail}; a key of memflow login ends: then run \`memflow login\` again)`,
    );
  }
  if (err.status === 403) return new CliError(forbiddenHint ? `${forbiddenHint} (403 ${detail})` : `this key may not do that (403 ${detail})`);
  if (err.status === 404) return new CliError(`not found (404 ${detail})`);
  return new CliError(`the API answered ${err.status} (${detail})`);
}

/**
 * Runs `fn` with a client of the API (MEMFLOW_URL or --url, MEMFLOW_API_KEY), closing its sockets
 * after; a failed call is a CliError.
 */
export async function withApi<T>(opts: ApiOptions, fn: (api: ApiClient) => Promise<T>, forbiddenHint?: string): Promise<T> {
  const { base, key, login } = apiTarget(opts.url);
  const http = createHttpClient();
  const api = createApiClient({ transport: httpTransport(http, base, opts.timeoutMs ?? 15_000), key, describe: base, headers: { 'user-agent': 'memflow-cli', ...repositoryHeaders() } });
  try {
    return await fn(api);
  } catch (err) {
    throw err instanceof ApiError ? cliErrorOf(err, base, login, forbiddenHint) : err;
  } finally {
    http.close();
  }
}
