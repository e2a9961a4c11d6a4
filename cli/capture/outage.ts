/**
 * The hook client's memory of an API that did not answer: after a connection failure or a timeout,
 * the next hooks (each a new process) spool their event at once instead of waiting on the network
 * again, so an outage costs the agent a spool write, not a connect timeout per tool call. The mark
 * is a file per API URL holding when it expires; one hook tries the network again after that.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseClientConfig } from '../../common/workspace/client-config.js';

function markFile(baseUrl: string): string {
  const dir = parseClientConfig().MEMFLOW_CACHE_DIR;
  return path.join(dir, 'cli', `down-${crypto.createHash('sha256').update(baseUrl).digest('hex').slice(0, 16)}`);
}

/** Milliseconds the API at `baseUrl` is still taken for down (0: try it). */
export function downFor(baseUrl: string, now = Date.now()): number {
  try {
    const until = Number(fs.readFileSync(markFile(baseUrl), 'utf8'));
    return Number.isFinite(until) && until > now ? until - now : 0;
  } catch {
    return 0;
  }
}

/** Remembers that the API did not answer, for MEMFLOW_HOOK_OUTAGE_MS (default 15 s). */
export function markDown(baseUrl: string, now = Date.now()): void {
  const file = markFile(baseUrl);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, String(now + parseClientConfig().MEMFLOW_HOOK_OUTAGE_MS));
  } catch {
    // no cache dir: every hook tries the network, as before
  }
}

/** The API answered: forget the outage. */
export function markUp(baseUrl: string): void {
  fs.rmSync(markFile(baseUrl), { force: true });
}
