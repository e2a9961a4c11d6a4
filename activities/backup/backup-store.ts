/**
 * Where backups live. One interface so the storage behind it can change (local directory now, an
 * S3-compatible bucket later) without touching backup or restore: write a stream under a key, read
 * it back, list and delete a backup's keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

export interface BackupStore {
  /** Human-readable location of a backup, stored in backups.path. */
  location(backupId: string): string;
  write(backupId: string, name: string, data: Readable | Buffer): Promise<void>;
  read(backupId: string, name: string): Readable;
  readAll(backupId: string, name: string): Promise<Buffer>;
  exists(backupId: string, name: string): Promise<boolean>;
  remove(backupId: string): Promise<void>;
}

export class LocalBackupStore implements BackupStore {
  constructor(private readonly dir: string) {}

  location(backupId: string): string {
    return path.join(this.dir, backupId);
  }

  private file(backupId: string, name: string): string {
    // Names are ours (table files, manifest); refuse anything that would leave the backup's folder.
    if (!/^[\w.-]+$/.test(name) || !/^[\w-]+$/.test(backupId)) throw new Error(`invalid backup file name: ${backupId}/${name}`);
    return path.join(this.dir, backupId, name);
  }

  async write(backupId: string, name: string, data: Readable | Buffer): Promise<void> {
    const target = this.file(backupId, name);
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const partial = `${target}.partial`;
    if (Buffer.isBuffer(data)) await fs.promises.writeFile(partial, data, { mode: 0o600 });
    else await pipeline(data, fs.createWriteStream(partial, { mode: 0o600 }));
    await fs.promises.rename(partial, target); // a crash never leaves a half file under the real name
  }

  read(backupId: string, name: string): Readable {
    return fs.createReadStream(this.file(backupId, name));
  }

  readAll(backupId: string, name: string): Promise<Buffer> {
    return fs.promises.readFile(this.file(backupId, name));
  }

  async exists(backupId: string, name: string): Promise<boolean> {
    return fs.promises.access(this.file(backupId, name)).then(
      () => true,
      () => false,
    );
  }

  async remove(backupId: string): Promise<void> {
    await fs.promises.rm(this.location(backupId), { recursive: true, force: true });
  }
}

export function defaultBackupDir(): string {
  return path.join(os.homedir(), '.memflow', 'backups');
}
