/**
 * Offline migration applier: `npm run migrate` (DATABASE_URL from the environment).
 *
 * `prisma migrate deploy` needs Prisma's native schema engine, which cannot be downloaded on
 * offline machines. This applies prisma/migrations/<name>/migration.sql with node-postgres and
 * keeps `_prisma_migrations` exactly as the schema engine keeps it (same table, checksums,
 * advisory lock, ordering, failure records), so `prisma migrate deploy` / `migrate status` run
 * later on the same database see a normal history.
 *
 * Semantics (after prisma-engines' schema-engine `apply_migrations` and the PostgreSQL connector):
 * - Serialized by `pg_advisory_lock(72707369)`, the key Prisma Migrate uses.
 * - Creates `_prisma_migrations` when missing, but only in an empty schema (Prisma's P3005):
 *   a database with tables and no history needs baselining, not blind DDL.
 * - Migration folders are applied in the order Prisma uses (directory names, localeCompare).
 * - A row with finished_at and rolled_back_at both null is a failed migration: refuse (P3009).
 * - A migration recorded as applied with a different checksum (sha256 hex of migration.sql,
 *   line-ending agnostic like Prisma) is refused: applied migrations must never be edited.
 *   (Prisma's deploy does not check this; memflow is stricter.)
 * - Unlike Prisma, each migration runs in one transaction together with its history row, so a
 *   failure leaves the schema untouched. The failure is still recorded, as a row with the error
 *   in `logs` and `rolled_back_at` set (what `prisma migrate resolve --rolled-back` would write),
 *   so the next run retries it once the cause is fixed. Consequence: a migration cannot contain
 *   statements that refuse to run inside a transaction (e.g. CREATE INDEX CONCURRENTLY).
 * - Creates the target database first when it does not exist.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { ConfigError, parseOperatorConfig } from '../common/server/config.js';
import { connect, describeError, ensureDatabase, errorCode, parseDatabaseUrl, quoteIdent } from './database-connect.js';
import { MigrationError } from './migration-error.js';
import { MIGRATIONS_DIR, readMigrations, scriptMatchesChecksum, type MigrationDirectory } from './migration-files.js';

/** The key Prisma Migrate locks on PostgreSQL ("a unique number we chose to identify Migrate"). */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** The table exactly as Prisma's PostgreSQL connector creates it (create_migrations_table). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export interface ApplyMigrationsOptions {
  log?: (line: string) => void;
  /** Defaults to prisma/migrations beside this file. */
  migrationsDir?: string;
  /** How long to wait for another migrator holding the advisory lock (default 60 s). */
  lockTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  applied: string[];
  skipped: string[];
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  // lock_timeout bounds the wait; reset right after so it does not apply to the migrations.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  } catch (err) {
    if (errorCode(err) === '55P03') {
      throw new MigrationError(
        `another migration run holds the advisory lock ${PRISMA_ADVISORY_LOCK_KEY}; gave up after ${timeoutMs} ms`,
        'P1002',
      );
    }
    throw err;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

/** Creates _prisma_migrations in an empty schema; refuses a non-empty schema without it (P3005). */
async function initializeHistory(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
  );
  const tables = rows.map((r) => r.relname);
  if (tables.includes('_prisma_migrations')) return false;
  if (tables.length > 0) {
    throw new MigrationError(
      `the database schema is not empty (${tables.length} tables, e.g. ${tables.slice(0, 3).join(', ')}) ` +
        'but has no _prisma_migrations history; baseline it first (https://pris.ly/d/migrate-baseline)',
      'P3005',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
  return true;
}

function failedMigrationsError(failed: MigrationRow[]): MigrationError {
  const first = failed[0];
  const names = failed.map((r) => r.migration_name).join(', ');
  const details = failed
    .map((r) => {
      const logs = r.logs?.trim();
      return `The \`${r.migration_name}\` migration started at ${r.started_at.toISOString()} failed${logs ? ` with the following logs:\n${logs}` : ''}`;
    })
    .join('\n');
  return new MigrationError(
    `migration ${names} failed earlier and is not resolved (P3009); inspect the database, then run ` +
      `\`prisma migrate resolve --rolled-back <name>\` or set rolled_back_at on its _prisma_migrations row`,
    'P3009',
    first?.migration_name,
    details,
  );
}

/**
 * Applies every migration in the migrations directory that the database has not applied yet.
 * Safe to run concurrently (advisory lock) and repeatedly (a second run applies nothing).
 */
export async function applyMigrations(
  databaseUrl: string,
  opts: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(opts.migrationsDir ?? MIGRATIONS_DIR);
  const target = parseDatabaseUrl(databaseUrl);

  if (await ensureDatabase(databaseUrl)) log(`created database "${target.database}"`);

  const client = await connect(target.connectionString, target.hostPort);
  try {
    if (target.schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
      await client.query(`SET search_path TO ${quoteIdent(target.schema)}`);
    }
    await acquireLock(client, opts.lockTimeoutMs ?? 60_000);

    if (await initializeHistory(client)) log('created _prisma_migrations');
    const { rows: history } = await client.query<MigrationRow>(
      `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
         FROM _prisma_migrations ORDER BY started_at ASC`,
    );

    const failed = history.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) throw failedMigrationsError(failed);

    // Verify every applied migration before applying anything new.
    const pending: MigrationDirectory[] = [];
    const skipped: string[] = [];
    for (const migration of migrations) {
      const applied = history.filter((r) => r.migration_name === migration.name && r.rolled_back_at === null);
      if (applied.length === 0) {
        pending.push(migration);
        continue;
      }
      const mismatch = applied.find((r) => !scriptMatchesChecksum(migration.script, r.checksum));
      if (mismatch) {
        throw new MigrationError(
          `migration ${migration.name} was modified after it was applied (recorded checksum ` +
            `${mismatch.checksum.slice(0, 12)}…, file ${migration.checksum.slice(0, 12)}…); ` +
            'restore the original migration.sql and put changes in a new migration',
          'CHECKSUM_MISMATCH',
          migration.name,
        );
      }
      skipped.push(migration.name);
    }
    const known = new Set(migrations.map((m) => m.name));
    for (const name of new Set(history.filter((r) => r.rolled_back_at === null).map((r) => r.migration_name))) {
      if (!known.has(name)) log(`warning: the database has applied migration ${name}, which is not in the migrations directory`);
    }
    for (const name of skipped) log(`already applied: ${name}`);

    const appliedNow: string[] = [];
    for (const migration of pending) {
      const started = Date.now();
      const id = randomUUID();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, applied_steps_count)
           VALUES ($1, $2, clock_timestamp(), $3, 0)`,
          [id, migration.checksum, migration.name],
        );
        // No parameters: node-postgres uses the simple query protocol, which accepts many
        // statements in one string, as Prisma's engine does.
        await client.query(migration.script);
        await client.query(
          `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        const code = errorCode(err);
        const logs = `Migration name: ${migration.name}\n\nDatabase error code: ${code ?? 'none'}\n\nDatabase error:\n${describeError(err)}`;
        // Record the attempt the way Prisma would, marked rolled back because the transaction
        // left the schema unchanged. Best effort: the connection itself may be gone.
        await client
          .query(
            `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs, rolled_back_at, applied_steps_count)
             VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, clock_timestamp(), 0)`,
            [id, migration.checksum, started, migration.name, logs],
          )
          .catch(() => {});
        throw new MigrationError(
          `migration ${migration.name} failed and was rolled back: ${describeError(err)}${code ? ` (${code})` : ''}`,
          'P3018',
          migration.name,
          logs,
        );
      }
      appliedNow.push(migration.name);
      log(`applied: ${migration.name} (${Date.now() - started} ms)`);
    }

    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    return { applied: appliedNow, skipped };
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Script entry point
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let databaseUrl: string;
  try {
    databaseUrl = parseOperatorConfig().DATABASE_URL;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`memflow: migrate: ${err.message}\n`);
    process.exit(1);
  }
  const { applied, skipped } = await applyMigrations(databaseUrl, {
    log: (line) => process.stdout.write(`migrate: ${line}\n`),
  });
  process.stdout.write(
    `migrate: database is up to date (${applied.length} applied now, ${skipped.length} already applied)\n`,
  );
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  main().catch((err: unknown) => {
    const message = describeError(err).split('\n')[0];
    process.stderr.write(`memflow: migrate failed: ${message}\n`);
    process.exit(1);
  });
}
