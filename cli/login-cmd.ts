/**
 * `memflow login`: sign in through the site's OpenID provider by device authorization (RFC 8628),
 * with nothing to paste: the API starts the device sign-in (POST /auth/device), this prints where to
 * go and the code to enter, and waits (POST /auth/device/token) until the person approved; the API
 * then mints a personal key of theirs, kept in ~/.config/memflow/login.json (0600) and used by
 * every command when MEMFLOW_API_KEY is not set. `memflow logout` revokes it and removes the file.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { removeLogin, storedLogin, writeLogin } from '../common/workspace/login-store.js';
import type { DeviceLogin, DeviceStarted } from '../messages/api-v1.js';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { CliError } from './output.js';

async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'memflow-cli' }, body: JSON.stringify(body) });
  } catch (err) {
    throw new CliError(`cannot reach the memflow API at ${base} (${(err as Error).message}); is it running? (set MEMFLOW_URL or --url)`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

const messageOf = (r: { status: number; json: any }) => `${r.status} ${r.json?.error?.message ?? 'no message'}`;

export async function login(opts: { url?: string }, out: (line: string) => void, note: (line: string) => void): Promise<void> {
  const base = apiBaseUrl(opts.url);
  try {
    checkBaseUrl(base, opts.url !== undefined ? '--url' : 'MEMFLOW_URL');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const start = await post(base, '/auth/device', {});
  if (start.status === 404) throw new CliError(`single sign-on is not set up on ${base} (${messageOf(start)}); ask for an API key instead`);
  if (start.status !== 200) throw new CliError(`could not start the sign-in (${messageOf(start)})`);
  const started = start.json as DeviceStarted;
  note(`To sign in, open ${started.verificationUriComplete ?? started.verificationUri}`);
  note(`and enter the code: ${started.userCode}   (it expires in ${Math.round(started.expiresIn / 60)} min)`);
  const deadline = Date.now() + started.expiresIn * 1000 + 5000;
  for (;;) {
    await sleep(Math.max(1, Math.min(started.interval, 5)) * 1000);
    const r = await post(base, '/auth/device/token', { handle: started.handle });
    if (r.status === 202) {
      if (Date.now() > deadline) throw new CliError('the sign-in was not approved in time; run memflow login again');
      continue;
    }
    if (r.status !== 200) throw new CliError(`the sign-in did not complete (${messageOf(r)})`);
    const done = r.json as DeviceLogin;
    const file = writeLogin({ url: base, key: done.key, keyId: done.keyId, tenant: done.tenant, person: done.person, expiresAt: done.expiresAt });
    out(`signed in as ${done.person.name} (tenant '${done.tenant}'); a personal key until ${done.expiresAt}, kept in ${file}`);
    return;
  }
}

export async function logout(out: (line: string) => void): Promise<void> {
  // An ended login is revoked too (an admin may have extended its key meanwhile).
  const stored = storedLogin()?.login;
  if (!stored) {
    removeLogin();
    return out('not signed in (no memflow login here)');
  }
  const res = await fetch(`${stored.url}/v1/me/keys/${encodeURIComponent(stored.keyId)}`, { method: 'DELETE', headers: { authorization: `Bearer ${stored.key}`, 'user-agent': 'memflow-cli' } }).catch(() => undefined);
  removeLogin();
  out(res?.ok || res?.status === 401 ? `signed out: the key of ${stored.person.name} is revoked` : `signed out here; the server did not confirm the key's revocation (${res ? res.status : 'unreachable'}): an admin can revoke key ${stored.keyId}`);
}
