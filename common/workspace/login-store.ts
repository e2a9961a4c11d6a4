/**
 * Where `memflow login` keeps the personal key it minted (issue 51): one file, readable by its owner
 * only, ${XDG_CONFIG_HOME:-~/.config}/memflow/login.json = {url, key, keyId, tenant, person, expiresAt}.
 * The clients use it when MEMFLOW_API_KEY is not set (common/workspace/client-config.ts), for the API
 * it was minted by; `memflow logout` revokes the key and removes the file. A key in the environment
 * always wins: agents and automation keep their API keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StoredLogin {
  url: string;
  key: string;
  keyId: string;
  tenant: string;
  person: { id: string; name: string };
  expiresAt: string;
}

export function loginFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() || path.join(env.HOME?.trim() || os.homedir(), '.config');
  return path.join(base, 'memflow', 'login.json');
}

/** The stored login, if there is a readable one, and whether its key has passed its end. */
export function storedLogin(env: NodeJS.ProcessEnv = process.env): { login: StoredLogin; expired: boolean } | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(loginFile(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const login = JSON.parse(raw) as StoredLogin;
    if (typeof login.key !== 'string' || typeof login.url !== 'string') return undefined;
    return { login, expired: typeof login.expiresAt === 'string' && Date.parse(login.expiresAt) <= Date.now() };
  } catch {
    return undefined;
  }
}

/** The stored login, if there is a readable one that has not expired. */
export function readLogin(env: NodeJS.ProcessEnv = process.env): StoredLogin | undefined {
  const stored = storedLogin(env);
  return stored && !stored.expired ? stored.login : undefined;
}

export function writeLogin(login: StoredLogin, env: NodeJS.ProcessEnv = process.env): string {
  const file = loginFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    fs.unlinkSync(loginFile(env));
    return true;
  } catch {
    return false;
  }
}
