/**
 * Reaching the PostgreSQL server a DATABASE_URL names, for the migration applier (migrate.ts) and
 * for the stack's other databases (Temporal's): the URL read as node-postgres takes it (Prisma's
 * `?schema=` apart), a connection whose failure reads as one line with Prisma's error code, and the
 * database created when it does not exist.
 */
import pg from 'pg';
import { MigrationError } from './migration-error.js';

export interface ParsedUrl {
  connectionString: string;
  database: string;
  schema: string | undefined;
  hostPort: string;
}

export function parseDatabaseUrl(databaseUrl: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new MigrationError('DATABASE_URL is not a valid URL', 'INVALID_URL');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new MigrationError('DATABASE_URL must be a postgresql:// URL', 'INVALID_URL');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new MigrationError('DATABASE_URL names no database', 'INVALID_URL');
  // Prisma's `?schema=` is not a node-postgres option: handled here with search_path.
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), database, schema, hostPort: `${url.hostname}:${url.port || '5432'}` };
}

export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export async function connect(connectionString: string, hostPort: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, application_name: 'memflow-migrate' });
  // A connection dropped while idle must surface as a query error, not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const code = errorCode(err);
    if (code === '3D000') throw err; // database does not exist: callers may create it
    throw new MigrationError(
      `cannot connect to PostgreSQL at ${hostPort}: ${describeError(err)}${code ? ` (${code})` : ''}`,
      'P1001',
    );
  }
  return client;
}

/**
 * Creates the database named by `databaseUrl` when it does not exist, connecting to the server's
 * `postgres` (or `template1`) database to do so. Returns whether it created it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const target = parseDatabaseUrl(databaseUrl);
  try {
    const probe = await connect(target.connectionString, target.hostPort);
    await probe.end();
    return false;
  } catch (err) {
    if (errorCode(err) !== '3D000') throw err;
  }

  let admin: pg.Client | undefined;
  let lastError: unknown;
  for (const maintenanceDb of ['postgres', 'template1']) {
    try {
      admin = await connect(withDatabase(target.connectionString, maintenanceDb), target.hostPort);
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (!admin) {
    throw new MigrationError(
      `database "${target.database}" does not exist and the server's postgres database is not reachable to create it: ${describeError(lastError)}`,
      'P1003',
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(target.database)}`);
    return true;
  } catch (err) {
    // Created concurrently by someone else (42P04, or 23505 when both inserts raced in pg_database).
    if (errorCode(err) === '42P04' || errorCode(err) === '23505') return false;
    throw new MigrationError(`cannot create database "${target.database}": ${describeError(err)}`, 'P1003');
  } finally {
    await admin.end().catch(() => {});
  }
}
