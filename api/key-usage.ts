/**
 * An API key's "last used" time (the Admin view's column, `memflow keys list`): written when a key
 * authenticates a request, at most once a minute per key and process, as a fire-and-forget UPDATE
 * that also skips rows written within the minute by another process. A busy key costs one write a
 * minute, not one per request.
 */
import type { PgPool } from '../common/server/pg.js';

export const KEY_USAGE_INTERVAL_MS = 60_000;
/** Bound on the keys remembered (the oldest are forgotten first; forgetting one costs one more write). */
const MAX_KEYS = 10_000;

export interface KeyUsage {
  touch(keyId: string): void;
}

export function createKeyUsage(pool: PgPool, onError: (err: Error) => void = () => undefined, intervalMs = KEY_USAGE_INTERVAL_MS): KeyUsage {
  const written = new Map<string, number>();
  return {
    touch(keyId) {
      const now = Date.now();
      const last = written.get(keyId);
      if (last !== undefined && now - last < intervalMs) return;
      written.delete(keyId);
      written.set(keyId, now);
      if (written.size > MAX_KEYS) written.delete(written.keys().next().value!);
      pool
        .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1::uuid AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`, [keyId, intervalMs / 1000])
        .catch((err: Error) => onError(err));
    },
  };
}
