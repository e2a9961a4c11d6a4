/**
 * Which port a user's relay listens on. A relay serves one user (its spool, its token, its key
 * store), so two users of one machine need two relays: each user's default port is derived from their
 * uid — 7719 for root (uid 0, as before), 7719 + uid mod 2000 for everyone else (8719 for uid 1000) —
 * and every piece that finds the relay derives it the same way: the relay's settings (lifecycle.ts),
 * `memflow-hook` (bash: $UID), OpenCode's plugin (process.getuid), and the hooks and MCP entries
 * install writes. MEMFLOW_RELAY_PORT still overrides it.
 */
export const RELAY_PORT_BASE = 7719;
export const RELAY_PORT_SPAN = 2000;

/** The default relay port of `uid` (the current user's when not given; 7719 where there are no uids). */
export function defaultRelayPort(uid: number | undefined = typeof process.getuid === 'function' ? process.getuid() : undefined): number {
  return RELAY_PORT_BASE + (uid === undefined ? 0 : uid % RELAY_PORT_SPAN);
}

/**
 * What a relay calls itself on /health, by which lifecycle.ts tells it from another process on its
 * port. (Here, not in relay-server.ts, with the default below: the commands that only find or
 * configure the relay — install, uninstall, doctor, relay stop — then do not load the relay itself.)
 */
export const RELAY_SERVICE = 'memflow-relay';
/** How old a held start context may be (MEMFLOW_START_CONTEXT_MAX_AGE_MS). */
export const DEFAULT_START_CONTEXT_MAX_AGE_MS = 15 * 60_000;
