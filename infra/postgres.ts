/** PostgreSQL for the local stack: DATABASE_URL when set, else a database on the local server. */
import pg from 'pg';
import type { StackProfile } from './profile.js';

/** The URL the stack will use, and whether it came from the user. */
export function resolveDatabaseUrl(p: StackProfile, env: NodeJS.ProcessEnv = process.env): { url: string; external: boolean } {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, external: true };
  const host = env.PGHOST || '127.0.0.1';
  const port = env.PGPORT || '5432';
  const user = env.PGUSER || 'postgres';
  return { url: `postgresql://${encodeURIComponent(user)}@${host}:${port}/${p.databaseName}`, external: false };
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Checks the server answers at all (connecting to the `postgres` maintenance database). */
export async function assertPostgresReachable(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  // 15 s: on a loaded 2-core machine (load average 10-20, the stack's servers starting in this same
  // process) a connection that took 3 s was taken for a server that is not there.
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(url)} (${(err as Error).message}). ` +
        'Start it (e.g. `pg_ctlcluster 15 main start`) or set DATABASE_URL to a server you can use.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the URL's database (test runs start empty). Refuses the server's maintenance databases. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name || ['postgres', 'template0', 'template1'].includes(name)) throw new Error(`refusing to drop database '${name}'`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
