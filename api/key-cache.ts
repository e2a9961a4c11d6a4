/**
 * API keys cached in the API process, for the hook ingress (thousands of requests a second from the
 * same few keys) and the read routes (an agent's search and get). Correctness does not rest on the
 * cache: the hook's durable write checks, in the same statement, that the key is still valid
 * (api/capture/ingest.ts), and a read that went ahead on a cached key has its answer held until the
 * database confirmed the key (api/auth.ts), so a revoked key is refused on the very next request in
 * every API process. The cache only has to stay small and fresh: PostgreSQL
 * announces every change of a key or tenant on a channel (trigger of migration
 * 20261123090000_batched_capture) and each process drops what changed at once; while the listening
 * connection is down, nothing is cached (every request looks its key up), and entries expire anyway.
 */
import pg from 'pg';
import { splitSchemaParam } from '../common/server/db.js';
import type { Logger } from '../common/server/logger.js';
import type { PgPool } from '../common/server/pg.js';
import { hashApiKey, lookupKey, type Principal } from '../common/server/tenants.js';

export const KEY_CHANNEL = 'memflow_api_keys';

export interface KeyCache {
  /** The cached principal when there is one, else the database's (kept for next time). */
  lookup(presented: string): Promise<Principal | undefined>;
  /** The database's principal for the key, always (kept for next time). */
  load(presented: string): Promise<Principal | undefined>;
  /** The cached principal, without a round trip; undefined when there is none. */
  peek(presented: string): Principal | undefined;
  /** Whether changes are being heard (entries are kept only then). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface KeyCacheOptions {
  /** An entry is looked up again after this long even without an announcement (ms). */
  ttlMs?: number;
  /** Most keys kept; the oldest entry leaves first. */
  maxEntries?: number;
  /** Wait before listening again after the connection dropped (ms). */
  reconnectMs?: number;
}

export function createKeyCache(pool: PgPool, databaseUrl: string, logger: Logger, opts: KeyCacheOptions = {}): KeyCache {
  const ttlMs = opts.ttlMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, { principal: Principal; at: number }>();
  let listening = false;
  let closed = false;
  /** Bumped by every announcement: a lookup that overlapped one is not kept. */
  let generation = 0;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const forget = (keyId: string) => {
    generation++;
    if (keyId === '*') return entries.clear();
    for (const [hash, e] of entries) if (e.principal.keyId === keyId) entries.delete(hash);
  };

  const listen = async () => {
    if (closed) return;
    const { connectionString, schema } = splitSchemaParam(databaseUrl);
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    const lost = (why: string) => {
      if (client !== c) return;
      client = undefined;
      listening = false;
      generation++;
      entries.clear(); // changes may be missed from here on
      c.removeAllListeners();
      c.end().catch(() => undefined);
      if (!closed) {
        logger.warn({ why }, 'API key announcements lost; keys are looked up on every request until they are heard again');
        timer = setTimeout(() => void listen(), opts.reconnectMs ?? 2000);
        timer.unref();
      }
    };
    client = c;
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('connection closed'));
    c.on('notification', (n) => forget(n.payload ?? '*'));
    try {
      await c.connect();
      await c.query(`LISTEN ${KEY_CHANNEL}`);
      if (client === c) listening = true;
    } catch (err) {
      lost((err as Error).message);
    }
  };
  void listen();

  const peek = (presented: string) => {
    const hit = entries.get(hashApiKey(presented));
    // An expiring key (a sign-in's) is never served from the cache past its expiry.
    return hit && Date.now() - hit.at < ttlMs && (hit.principal.expiresAt === undefined || Date.now() < hit.principal.expiresAt) ? hit.principal : undefined;
  };
  const load = async (presented: string) => {
    const hash = hashApiKey(presented);
    const wasListening = listening;
    const before = generation;
    const principal = await lookupKey(pool, presented);
    entries.delete(hash);
    // Kept only if announcements were heard during the whole lookup and none came meanwhile.
    if (principal && wasListening && listening && generation === before) {
      entries.set(hash, { principal, at: Date.now() });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    }
    return principal;
  };

  return {
    get listening() {
      return listening;
    },
    lookup: async (presented) => peek(presented) ?? load(presented),
    peek,
    load,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
