/**
 * Activities of the backup and restore workflows. Each is idempotent: a backup that already completed
 * is not taken again, pruning deletes what is beyond the count (again: nothing), and restore inserts
 * with ON CONFLICT DO NOTHING. A corrupted backup or a refused restore fails for good (non-retryable)
 * with a message that names the file or the conflict.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import type { Config } from '../../common/server/config.js';
import { recordAudit, type AuditEntry } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { PgPool } from '../../common/server/pg.js';
import { BackupCorrupt, verifyBackup, writeBackup } from './backup.js';
import type { RestoreCounts } from '../../messages/workflows-v1/backup.js';
import { withFailureMapping } from '../failures.js';
import { RestoreRefused, restoreRows, type RestoreRequest } from './restore.js';
import { LocalBackupStore, defaultBackupDir, type BackupStore } from './backup-store.js';

export interface BackupDeps {
  prisma: PrismaClient;
  pool: PgPool;
  config: Pick<Config, 'MEMFLOW_BACKUP_DIR' | 'MEMFLOW_BACKUP_KEEP'>;
  store?: BackupStore;
}

export interface BackupScope {
  scope: 'tenant' | 'all';
  tenantId?: string;
}

export function backupStore(config: Pick<Config, 'MEMFLOW_BACKUP_DIR'>): BackupStore {
  return new LocalBackupStore(config.MEMFLOW_BACKUP_DIR ?? defaultBackupDir());
}

export function createBackupActivities(deps: BackupDeps) {
  // Files as well as the database: an unknown error (a full disk, a slow mount) is retried within the
  // presets' attempt limits; a permanent database error is not.
  return withFailureMapping(backupActivities(deps), 'retry');
}

function backupActivities({ prisma, pool, config, store = backupStore(config) }: BackupDeps) {
  async function loadCompleted(backupId: string) {
    const row = await prisma.backup.findUnique({ where: { id: backupId } });
    if (!row) throw ApplicationFailure.nonRetryable(`backup ${backupId} does not exist`, Failure.BackupNotFound);
    if (row.status !== 'completed' || !row.checksum) throw ApplicationFailure.nonRetryable(`backup ${backupId} is ${row.status}, not completed`, Failure.BackupNotFound);
    return row;
  }

  return {
    /** Records a pending backup (scheduled runs; the API records its own before starting). */
    async beginBackup(input: BackupScope & { workflowId: string }): Promise<string> {
      const row = await prisma.backup.create({ data: { scope: input.scope, tenantId: input.tenantId ?? null, workflowId: input.workflowId } });
      return row.id;
    },

    async runBackup(input: { backupId: string; workflowId: string }): Promise<{ sizeBytes: number; rows: number }> {
      const row = await prisma.backup.findUniqueOrThrow({ where: { id: input.backupId } });
      if (row.status === 'completed') return { sizeBytes: Number(row.sizeBytes ?? 0), rows: 0 };
      await prisma.backup.update({ where: { id: row.id }, data: { status: 'running', workflowId: input.workflowId, path: store.location(row.id) } });
      try {
        const { manifest, checksum, sizeBytes } = await writeBackup(pool, store, { backupId: row.id, scope: row.scope, tenantId: row.tenantId });
        await prisma.backup.update({
          where: { id: row.id },
          data: { status: 'completed', manifest: manifest as object, checksum, sizeBytes, completedAt: new Date(), error: null },
        });
        return { sizeBytes, rows: manifest.tables.reduce((n, t) => n + t.rows, 0) };
      } catch (err) {
        await prisma.backup.update({ where: { id: row.id }, data: { status: 'failed', error: (err as Error).message.slice(0, 2000) } }).catch(() => undefined);
        throw err;
      }
    },

    /** Keeps the newest MEMFLOW_BACKUP_KEEP completed backups of the scope; deletes the rest and their files. */
    async pruneBackups(input: BackupScope): Promise<{ deleted: number }> {
      const old = await prisma.backup.findMany({
        where: { scope: input.scope, tenantId: input.tenantId ?? null, status: 'completed' },
        orderBy: { createdAt: 'desc' },
        skip: config.MEMFLOW_BACKUP_KEEP,
        select: { id: true },
      });
      for (const b of old) {
        await store.remove(b.id);
        await prisma.backup.delete({ where: { id: b.id } });
      }
      return { deleted: old.length };
    },

    async restoreBackup(input: RestoreRequest): Promise<RestoreCounts> {
      const row = await loadCompleted(input.backupId);
      if (row.scope === 'tenant' && row.tenantId !== input.tenantId) {
        throw ApplicationFailure.nonRetryable(`backup ${input.backupId} belongs to another tenant`, Failure.RestoreRefused);
      }
      try {
        const manifest = await verifyBackup(store, row.id, row.checksum!);
        return await restoreRows(pool, store, manifest, input);
      } catch (err) {
        if (err instanceof BackupCorrupt) throw ApplicationFailure.nonRetryable(err.message, Failure.BackupCorrupt);
        if (err instanceof RestoreRefused) throw ApplicationFailure.nonRetryable(err.message, Failure.RestoreRefused);
        throw err;
      }
    },

    async audit(entry: AuditEntry): Promise<void> {
      await recordAudit(prisma, entry);
    },
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
