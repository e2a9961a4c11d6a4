/**
 * Taking a backup: every table's rows for one tenant (or all tenants) read inside ONE repeatable-read,
 * read-only transaction (one snapshot, so rows that reference each other are consistent), written
 * as gzip-compressed NDJSON per table, each file's sha256 in a manifest whose own sha256 is kept in
 * the backups row. Restore refuses anything that does not match.
 */
import crypto from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import type { PgPool } from '../../common/server/pg.js';
import type { Manifest, ManifestTable } from '../../messages/workflows-v1/backup.js';
import type { BackupStore } from './backup-store.js';
import { BACKUP_TABLES, GENERATED_COLUMNS, type BackupTable } from './backup-tables.js';

export const MANIFEST = 'manifest.json';
const PAGE = 5000;

export const tableFile = (table: string) => `${table}.ndjson.gz`;

const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

type Client = pg.PoolClient;

/** A table's rows as NDJSON lines, paged by id inside the caller's snapshot transaction. */
async function* tableLines(client: Client, t: BackupTable, tenantId: string | null, counter: { rows: number }): AsyncGenerator<string> {
  const where = tenantId ? t.tenantWhere : 'true';
  const params: unknown[] = tenantId ? [tenantId] : [];
  const drop = GENERATED_COLUMNS.map((c) => ` - '${c}'`).join('');
  let last = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await client.query<{ id: string; j: string }>(
      `SELECT id::text AS id, (to_jsonb(t)${drop})::text AS j FROM ${t.table} t WHERE (${where}) AND id > $${params.length + 1}::uuid ORDER BY id LIMIT ${PAGE}`,
      [...params, last],
    );
    for (const r of rows) yield `${r.j}\n`;
    counter.rows += rows.length;
    if (rows.length < PAGE) return;
    last = rows.at(-1)!.id;
  }
}

export async function writeBackup(pool: PgPool, store: BackupStore, input: { backupId: string; scope: 'tenant' | 'all'; tenantId: string | null }): Promise<{ manifest: Manifest; checksum: string; sizeBytes: number }> {
  const client = await pool.connect();
  const tables: ManifestTable[] = [];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const migration = await client
      .query<{ name: string }>('SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name DESC LIMIT 1')
      .then((r) => r.rows[0]?.name ?? null);
    for (const t of BACKUP_TABLES) {
      Context.current().heartbeat(t.table);
      const counter = { rows: 0 };
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const out = new PassThrough();
      await Promise.all([
        pipeline(Readable.from(tableLines(client, t, input.scope === 'tenant' ? input.tenantId : null, counter)), zlib.createGzip(), tap, out),
        store.write(input.backupId, tableFile(t.table), out),
      ]);
      tables.push({ table: t.table, file: tableFile(t.table), rows: counter.rows, bytes, sha256: hash.digest('hex') });
    }
    await client.query('COMMIT');
    const manifest: Manifest = {
      format: 'memflow-backup',
      version: 1,
      backupId: input.backupId,
      scope: input.scope,
      tenantId: input.tenantId,
      createdAt: new Date().toISOString(),
      migration,
      tables,
      weaviate: 'derived',
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    await store.write(input.backupId, MANIFEST, body);
    return { manifest, checksum: sha256(body), sizeBytes: tables.reduce((n, t) => n + t.bytes, body.length) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export class BackupCorrupt extends Error {
  override name = 'BackupCorrupt';
}

/** Checks the manifest against the recorded checksum and every file against the manifest. */
export async function verifyBackup(store: BackupStore, backupId: string, checksum: string): Promise<Manifest> {
  if (!(await store.exists(backupId, MANIFEST))) throw new BackupCorrupt(`backup ${backupId}: ${MANIFEST} is missing`);
  const body = await store.readAll(backupId, MANIFEST);
  if (sha256(body) !== checksum) throw new BackupCorrupt(`backup ${backupId}: ${MANIFEST} does not match its recorded checksum`);
  const manifest = JSON.parse(body.toString('utf8')) as Manifest;
  for (const t of manifest.tables) {
    if (!(await store.exists(backupId, t.file))) throw new BackupCorrupt(`backup ${backupId}: ${t.file} is missing`);
    const hash = crypto.createHash('sha256');
    for await (const chunk of store.read(backupId, t.file)) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== t.sha256) throw new BackupCorrupt(`backup ${backupId}: ${t.file} is corrupted (sha256 differs from the manifest)`);
  }
  return manifest;
}
