/**
 * Restoring a verified backup into PostgreSQL, for a whole tenant or one project, in one transaction.
 * Rows keep their ids and are inserted with ON CONFLICT DO NOTHING, so running a restore twice (or
 * onto a tenant that still has some of the rows) changes nothing the second time. Projects erased
 * since the backup (erasure_tombstones) are skipped unless the caller asks for them. Weaviate is
 * repopulated afterwards by the reconciliation workflow (vectors derive from these rows).
 */
import readline from 'node:readline';
import zlib from 'node:zlib';
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import type { PgPool } from '../../common/server/pg.js';
import type { Manifest, RestoreCounts } from '../../messages/workflows-v1/backup.js';
import { tableFile } from './backup.js';
import type { BackupStore } from './backup-store.js';
import { BACKUP_TABLES, GENERATED_COLUMNS } from './backup-tables.js';

type Row = Record<string, unknown>;

export interface RestoreRequest {
  backupId: string;
  tenantId: string;
  /** Only this project (by name); otherwise the whole tenant. */
  project?: string;
  /** Bring back projects erased since the backup. */
  includeErased?: boolean;
}

export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

const BATCH = 1000;

async function* lines(store: BackupStore, backupId: string, file: string): AsyncGenerator<Row> {
  const rl = readline.createInterface({ input: store.read(backupId, file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield JSON.parse(line) as Row;
}

async function columnsOf(client: pg.PoolClient, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.name).filter((c) => !GENERATED_COLUMNS.includes(c));
}

export async function restoreRows(pool: PgPool, store: BackupStore, manifest: Manifest, req: RestoreRequest): Promise<RestoreCounts> {
  const client = await pool.connect();
  const counts: RestoreCounts = { inserted: {}, skippedErasedProjects: [] };
  try {
    await client.query('BEGIN');
    // Which project rows are in scope: the named one (looked up in the backup), all of the tenant's,
    // minus those erased since (unless asked for).
    const erased = new Set(
      (await client.query<{ project_id: string }>('SELECT project_id::text FROM erasure_tombstones WHERE tenant_id = $1 AND project_id IS NOT NULL', [req.tenantId])).rows.map(
        (r) => r.project_id,
      ),
    );
    const projects = new Set<string>();
    for await (const p of lines(store, req.backupId, 'projects.ndjson.gz')) {
      if (p.tenant_id !== req.tenantId || (req.project && p.name !== req.project)) continue;
      if (erased.has(p.id as string) && !req.includeErased) {
        counts.skippedErasedProjects.push(p.name as string);
        continue;
      }
      const taken = await client.query('SELECT 1 FROM projects WHERE tenant_id = $1 AND name = $2 AND id <> $3', [req.tenantId, p.name, p.id]);
      if (taken.rowCount) throw new RestoreRefused(`project "${String(p.name)}" exists now as a different project; erase or rename it before restoring the old one`);
      projects.add(p.id as string);
    }
    if (req.project && projects.size === 0 && counts.skippedErasedProjects.length === 0) {
      throw new RestoreRefused(`backup ${req.backupId} has no project "${req.project}" for this tenant`);
    }

    const learnings = new Set<string>();
    const keep = (table: string, r: Row): boolean => {
      if (table === 'tenants') return r.id === req.tenantId;
      if (table === 'learning_sources' || table === 'learning_revisions') return learnings.has(r.learning_id as string);
      if (r.tenant_id !== req.tenantId) return false;
      if (table === 'projects') return projects.has(r.id as string);
      if ('project_id' in r && r.project_id !== null) return projects.has(r.project_id as string);
      // Tenant-wide rows (keys, usage, tombstones, audit, tenant-default policies) only in a tenant restore.
      return !req.project;
    };

    for (const t of BACKUP_TABLES) {
      Context.current().heartbeat(t.table);
      if (!manifest.tables.some((m) => m.table === t.table)) continue;
      const columns = await columnsOf(client, t.table);
      // A learning may point at its successor, inserted later: link successors after all are in.
      const firstPass = t.table === 'learnings' ? columns.filter((c) => c !== 'superseded_by_id') : columns;
      const list = firstPass.map((c) => `"${c}"`).join(', ');
      const insert = `INSERT INTO ${t.table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${t.table}, $1::jsonb) ON CONFLICT DO NOTHING`;
      let batch: Row[] = [];
      let inserted = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        inserted += (await client.query(insert, [JSON.stringify(batch)])).rowCount ?? 0;
        batch = [];
      };
      const successors: { id: string; superseded_by_id: string }[] = [];
      for await (const r of lines(store, req.backupId, tableFile(t.table))) {
        if (!keep(t.table, r)) continue;
        if (t.table === 'learnings') {
          learnings.add(r.id as string);
          if (r.superseded_by_id) successors.push({ id: r.id as string, superseded_by_id: r.superseded_by_id as string });
        }
        batch.push(r);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (successors.length > 0) {
        await client.query(
          `UPDATE learnings l SET superseded_by_id = r.superseded_by_id
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, superseded_by_id uuid)
            WHERE l.id = r.id AND l.superseded_by_id IS NULL AND EXISTS (SELECT 1 FROM learnings s WHERE s.id = r.superseded_by_id)`,
          [JSON.stringify(successors)],
        );
      }
      counts.inserted[t.table] = inserted;
    }
    await client.query('COMMIT');
    return counts;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
