/**
 * The migrations as Prisma Migrate reads them: prisma/migrations/<name>/migration.sql in Prisma's
 * order, each with the checksum Prisma records for it (schema-connector/src/checksum.rs).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MigrationError } from './migration-error.js';
import { sourceDir } from '../common/source-path.js';

export const MIGRATIONS_DIR = path.join(sourceDir(import.meta.url), 'migrations');

export interface MigrationDirectory {
  name: string;
  script: string;
  checksum: string;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What Prisma stores: sha256 of the script, lowercase hex, zero-padded. */
export function migrationChecksum(script: string | Buffer): string {
  return sha256Hex(script);
}

/**
 * Whether `script` matches a recorded checksum. Like Prisma, accept the script with LF or CRLF
 * line endings (git may convert them on checkout), and the non-zero-padded hex that old Prisma
 * versions wrote.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered =
      checksum.length !== 0 && checksum.length !== 64
        ? Array.from(digest, (byte) => byte.toString(16)).join('')
        : digest.toString('hex');
    return rendered === checksum;
  });
}

/** Reads the migration folders in Prisma's order, after checking migration_lock.toml. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationDirectory[]> {
  let lock: string | null = null;
  try {
    lock = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8');
  } catch {
    lock = null; // Prisma accepts a missing lock file.
  }
  const provider = lock?.match(/^\s*provider\s*=\s*"([^"]*)"/m)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationError(
      `migration_lock.toml says provider "${provider}", but these migrations are applied to PostgreSQL`,
      'P3019',
    );
  }

  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    throw new MigrationError(`migrations directory not found: ${dir}`, 'MIGRATIONS_DIR_MISSING');
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));

  const migrations: MigrationDirectory[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name, 'migration.sql'));
    } catch {
      throw new MigrationError(`migration ${name} has no readable migration.sql`, 'P3015', name);
    }
    // Prisma reads the file as UTF-8 text and hashes that text; for valid UTF-8 (all SQL we write)
    // it is the same as hashing the file's bytes.
    migrations.push({ name, script: bytes.toString('utf8'), checksum: migrationChecksum(bytes) });
  }
  return migrations;
}
