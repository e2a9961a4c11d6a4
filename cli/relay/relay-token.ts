/**
 * The relay's token: a random secret in a file only its user can read (relay-token beside the
 * spool, mode 0600), which memflow-hook (a bash `read`, no process) and the OpenCode plugin send as
 * X-Memflow-Relay-Token. A hook that brings it comes from the relay's own user, and the relay may read
 * that user's working tree for it (git state, the start context's staleness check). Kept across
 * restarts: it is made only when missing, or when the file is not the user's alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const RELAY_TOKEN_HEADER = 'x-memflow-relay-token';

/** Where the token is kept for a spool directory (memflow-hook finds it the same way). */
export const relayTokenFile = (spoolDir: string): string => path.join(path.dirname(path.resolve(spoolDir)), 'relay-token');

/** The file's token when the file is this user's and nobody else's; undefined otherwise. */
function ownToken(file: string): string | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || (st.mode & 0o077) !== 0 || (process.getuid && st.uid !== process.getuid())) return undefined;
  return fs.readFileSync(file, 'utf8').trim() || undefined;
}

/** The token in `file`, made (0600) when there is none or the file could be read by others. */
export function ensureRelayToken(file: string): string {
  const kept = ownToken(file);
  if (kept) return kept;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  const token = crypto.randomBytes(24).toString('base64url');
  try {
    fs.writeFileSync(file, `${token}\n`, { flag: 'wx', mode: 0o600 });
    return token;
  } catch (err) {
    // Another relay made it a moment ago (only one of the two will listen): theirs.
    const theirs = (err as NodeJS.ErrnoException).code === 'EEXIST' ? ownToken(file) : undefined;
    if (theirs) return theirs;
    throw err;
  }
}

/** Whether `given` is the token (compared in constant time). */
export function isRelayToken(token: string | undefined, given: string | undefined): boolean {
  if (!token || !given) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(given.trim());
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
