/**
 * A plain node-postgres pool for the hot paths (hook ingest, key lookup), where Prisma's per-query
 * overhead (~3 ms here against ~0.8 ms for the same query on pg) would dominate the latency. Prisma
 * stays the tool for everything else.
 */
import pg from 'pg';
import { ResilientClient, splitSchemaParam } from './db.js';

export type PgPool = pg.Pool;


/**
 * `allowExitOnIdle`: idle connections do not keep the process alive (pools owned by a library).
 * `genericPlans`: named statements are planned once per connection, never again for their values
 * (plan_cache_mode): for a pool whose named statements are all such that their best plan does not
 * depend on the values (the API's: the ingest statement, the start context's candidates, lookups by
 * id). PostgreSQL's default plans each of the first five runs for its values and then keeps
 * doing so whenever a plan for the values is estimated cheaper, as it is on a tenant whose rows the
 * statistics do not know yet: the ingest statement spent 62 % of its PostgreSQL time planning.
 * Unnamed statements are planned for their values as before.
 *
 * A generic plan is as good as the statistics it was made with, and it lasts as long as its
 * connection. Made while a table was nearly empty (a new deployment, a new database, an API started
 * beside few rows), it scans that table: the ingest statement's probe of hook_events by idempotency
 * key became a hash join over the whole table, and in bench:ingest a run's connections read
 * hook_events by 2,000-3,500 sequential scans, 5-10 M rows (docs/benchmarks.md, "Fewer tasks per
 * session"). So such a pool's connections live GENERIC_PLAN_LIFETIME_S at most, and their plans
 * are made again with the tables as they are.
 */
/** How long a connection of a pool with generic plans (and its plans) lives; its next one plans again. */
export const GENERIC_PLAN_LIFETIME_S = 30;

export function createPgPool(databaseUrl: string, max = 10, opts: { allowExitOnIdle?: boolean; genericPlans?: boolean } = {}): pg.Pool {
  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const settings = [...(schema ? [`-c search_path=${schema}`] : []), ...(opts.genericPlans ? ['-c plan_cache_mode=force_generic_plan'] : [])];
  const pool = new pg.Pool({
    Client: ResilientClient,
    connectionString,
    max,
    ...(opts.allowExitOnIdle ? { allowExitOnIdle: true } : {}),
    connectionTimeoutMillis: 5000,
    ...(opts.genericPlans ? { maxLifetimeSeconds: GENERIC_PLAN_LIFETIME_S } : {}),
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  });
  // An idle connection dropped by the server (restart, outage) must not crash the process.
  pool.on('error', () => {});
  return pool;
}
