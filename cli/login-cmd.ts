/**
 * `memflow login`: sign in through the site's OpenID provider by device authorization (RFC 8628),
 * with nothing to paste: the API starts the device sign-in (POST /auth/device), this prints where to
 * go and the code to enter, and waits (POST /auth/device/token) until the person approved; the API
 * then mints a personal key of theirs, kept in ~/.config/memflow/login.json (0600) and used by
 * every command when MEMFLOW_API_KEY is not set. `memflow logout` revokes it and removes the file.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, createApiClient, type ApiClient } from '../clients/api.js';
import { removeLogin, storedLogin, writeLogin } from '../common/workspace/login-store.js';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { createHttpClient, httpTransport } from './node-http.js';
import { CliError } from './output.js';

/** A sign-in step's wait for the API (it asks the OpenID provider in turn). */
const STEP_TIMEOUT_MS = 30_000;

/** The API at `base`, with `key` when there is one, for `fn`; its sockets are closed after. */
async function withClient<T>(base: string, key: string | undefined, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const http = createHttpClient();
  try {
    return await fn(createApiClient({ transport: httpTransport(http, base, STEP_TIMEOUT_MS), ...(key ? { key } : {}), describe: base, headers: { 'user-agent': 'memflow-cli' } }));
  } finally {
    http.close();
  }
}

/** A failed step: unreachable is a CliError of its own; otherwise the ApiError, for the caller to word. */
function apiFailure(err: unknown, base: string): ApiError {
  if (!(err instanceof ApiError)) throw err;
  if (err.unreachable) throw new CliError(`cannot reach the memflow API at ${base} (${err.code}: ${err.detail}); is it running? (set MEMFLOW_URL or --url)`);
  return err;
}

const messageOf = (e: ApiError) => `${e.status} ${e.detail}`;

export async function login(opts: { url?: string }, out: (line: string) => void, note: (line: string) => void): Promise<void> {
  const base = apiBaseUrl(opts.url);
  try {
    checkBaseUrl(base, opts.url !== undefined ? '--url' : 'MEMFLOW_URL');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  await withClient(base, undefined, async (api) => {
    const started = await api.startDeviceSignIn().catch((err: unknown) => {
      const e = apiFailure(err, base);
      throw new CliError(e.status === 404 ? `single sign-on is not set up on ${base} (${messageOf(e)}); ask for an API key instead` : `could not start the sign-in (${messageOf(e)})`);
    });
    note(`To sign in, open ${started.verificationUriComplete ?? started.verificationUri}`);
    note(`and enter the code: ${started.userCode}   (it expires in ${Math.round(started.expiresIn / 60)} min)`);
    const deadline = Date.now() + started.expiresIn * 1000 + 5000;
    for (;;) {
      await sleep(Math.max(1, Math.min(started.interval, 5)) * 1000);
      const r = await api.deviceSignIn(started.handle).catch((err: unknown) => {
        throw new CliError(`the sign-in did not complete (${messageOf(apiFailure(err, base))})`);
      });
      if ('status' in r) {
        if (Date.now() > deadline) throw new CliError('the sign-in was not approved in time; run memflow login again');
        continue;
      }
      const file = writeLogin({ url: base, key: r.key, keyId: r.keyId, tenant: r.tenant, person: r.person, expiresAt: r.expiresAt });
      out(`signed in as ${r.person.name} (tenant '${r.tenant}'); a personal key until ${r.expiresAt}, kept in ${file}`);
      return;
    }
  });
}

export async function logout(out: (line: string) => void): Promise<void> {
  // An ended login is revoked too (an admin may have extended its key meanwhile).
  const stored = storedLogin()?.login;
  if (!stored) {
    removeLogin();
    return out('not signed in (no memflow login here)');
  }
  // A 401: the key no longer stands (revoked or ended), which is what logout wants.
  const failed = await withClient(stored.url, stored.key, (api) => api.revokeOwnKey(stored.keyId)).then(
    () => undefined,
    (err: unknown) => (err instanceof ApiError && err.status === 401 ? undefined : err instanceof ApiError && !err.unreachable ? String(err.status) : 'unreachable'),
  );
  removeLogin();
  out(failed === undefined ? `signed out: the key of ${stored.person.name} is revoked` : `signed out here; the server did not confirm the key's revocation (${failed}): an admin can revoke key ${stored.keyId}`);
}
