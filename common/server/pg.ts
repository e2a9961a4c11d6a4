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
 */
export function createPgPool(databaseUrl: string, max = 10, opts: { allowExitOnIdle?: boolean; genericPlans?: boolean } = {}): pg.Pool {
  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const settings = [...(schema ? [`-c search_path=${schema}`] : []), ...(opts.genericPlans ? ['-c plan_cache_mode=force_generic_plan'] : [])];
  const pool = new pg.Pool({
    Client: ResilientClient,
    connectionString,
    max,
    ...(opts.allowExitOnIdle ? { allowExitOnIdle: true } : {}),
    connectionTimeoutMillis: 5000,
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  });
  // An idle connection dropped by the server (restart, outage) must not crash the process.
  pool.on('error', () => {});
  return pool;
}
