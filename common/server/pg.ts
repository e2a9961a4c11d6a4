/**
 * A plain node-postgres pool for the hot paths (hook ingest, key lookup), where Prisma's per-query
 * overhead (~3 ms here against ~0.8 ms for the same query on pg) would dominate the latency. Prisma
 * stays the tool for everything else.
 */
import pg from 'pg';
import { ResilientClient, splitSchemaParam } from './db.js';

export type PgPool = pg.Pool;


/** `allowExitOnIdle`: idle connections do not keep the process alive (pools owned by a library). */
export function createPgPool(databaseUrl: string, max = 10, opts: { allowExitOnIdle?: boolean } = {}): pg.Pool {
  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const pool = new pg.Pool({
    Client: ResilientClient,
    connectionString,
    max,
    ...(opts.allowExitOnIdle ? { allowExitOnIdle: true } : {}),
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server (restart, outage) must not crash the process.
  pool.on('error', () => {});
  return pool;
}
