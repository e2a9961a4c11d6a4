/**
 * The hook client's local spool: events it could not deliver (and every event the relay takes),
 * kept until a later invocation, the relay's lanes or `memflow spool flush` deliver them. The spool
 * directory is the queue: an entry is added (spool-write.ts), listed oldest first, claimed by one
 * process, then completed or released. Its files and their names: spool-entry.ts.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CLAIM_NAME, claimPath, parseEntry, READY_NAME, TMP_NAME, type SpoolEntry } from './spool-entry.js';
import { ensureSpoolDir, SpoolRoom, writeEntry, writeEntryBeforeAnswer, writeEntrySync } from './spool-write.js';

export interface Claim {
  readonly entry: SpoolEntry;
  readonly name: string;
  /** Delivered (or dropped for good): the file goes away. */
  complete(): Promise<void>;
  /** Not delivered: back into the spool for a later attempt. */
  release(): Promise<void>;
}

export interface SpoolStatus {
  dir: string;
  waiting: number;
  claimed: number;
  staleClaims: number;
  corrupt: number;
  bytes: number;
  oldest: string | null;
  newest: string | null;
}

export class Spool {
  private readonly held = new Map<string, string>(); // claim path -> ready path
  private readonly staleClaimMs: number;
  private readonly room: SpoolRoom;
  /**
   * The relay answers a hook once the entry is written and renamed into place (safe from the relay or
   * the agent crashing), and fsyncs it right after, so that the agent does not wait for the disk.
   */
  private readonly syncAfterAnswer: boolean;

  constructor(
    readonly dir: string,
    opts: { staleClaimMs?: number; maxEntries?: number; syncAfterAnswer?: boolean } = {},
  ) {
    this.syncAfterAnswer = opts.syncAfterAnswer ?? false;
    this.staleClaimMs = opts.staleClaimMs ?? 60_000;
    this.room = new SpoolRoom(dir, opts.maxEntries ?? 10_000);
  }

  /** Saves the entry durably; resolves to its file name. Throws SpoolFullError when the spool is full. */
  async add(entry: SpoolEntry): Promise<string> {
    ensureSpoolDir(this.dir);
    this.room.check();
    return this.syncAfterAnswer ? writeEntryBeforeAnswer(this.dir, entry) : writeEntry(this.dir, entry);
  }

  /** The same, synchronously: for the last moments before a forced exit. */
  addSync(entry: SpoolEntry): string {
    ensureSpoolDir(this.dir);
    return writeEntrySync(this.dir, entry);
  }

  private async names(): Promise<string[]> {
    try {
      return await fsp.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Puts stale claims back and removes temp files abandoned by a crashed writer; then lists the
   * waiting entries, oldest first.
   */
  async waiting(now = Date.now()): Promise<string[]> {
    const names = await this.names();
    for (const name of names) {
      const claim = CLAIM_NAME.exec(name);
      if (claim && now - Number(claim[2]) > this.staleClaimMs) {
        await renameIfPresent(path.join(this.dir, name), path.join(this.dir, claim[1]!));
      } else if (TMP_NAME.test(name)) {
        const st = await fsp.stat(path.join(this.dir, name)).catch(() => undefined);
        if (st && now - st.mtimeMs > this.staleClaimMs) await fsp.rm(path.join(this.dir, name), { force: true });
      }
    }
    return (await this.names()).filter((n) => READY_NAME.test(n)).sort();
  }

  /**
   * Claims `name` if no other process has; undefined when it was taken (or is gone). An unreadable
   * entry is set aside as `.corrupt` and also yields undefined.
   */
  async claim(name: string): Promise<Claim | undefined> {
    const ready = path.join(this.dir, name);
    const claimed = claimPath(ready);
    if (!(await renameIfPresent(ready, claimed))) return undefined;
    this.held.set(claimed, ready);
    let entry: SpoolEntry;
    try {
      entry = parseEntry(await fsp.readFile(claimed, 'utf8'));
    } catch {
      this.held.delete(claimed);
      await renameIfPresent(claimed, `${ready}.corrupt`);
      return undefined;
    }
    return {
      entry,
      name,
      complete: async () => {
        this.held.delete(claimed);
        await fsp.rm(claimed, { force: true });
      },
      release: async () => {
        this.held.delete(claimed);
        await renameIfPresent(claimed, ready);
      },
    };
  }

  /** Gives back every claim this process holds (synchronously, for a forced exit). */
  releaseAllSync(): void {
    for (const [claimed, ready] of this.held) {
      try {
        fs.renameSync(claimed, ready);
      } catch {
        // gone already
      }
    }
    this.held.clear();
  }

  /**
   * Every event the spool holds, waiting or claimed (by this process or another, living or dead):
   * the session and Idempotency-Key of each (the capture ledger's pending events).
   */
  async heldEvents(): Promise<{ session: string | undefined; idempotencyKey: string }[]> {
    const out: { session: string | undefined; idempotencyKey: string }[] = [];
    for (const name of await this.names()) {
      if (!READY_NAME.test(name) && !CLAIM_NAME.test(name)) continue;
      try {
        const e = parseEntry(await fsp.readFile(path.join(this.dir, name), 'utf8'));
        out.push({ session: typeof e.body.session_id === 'string' ? e.body.session_id : undefined, idempotencyKey: e.idempotencyKey });
      } catch {
        // claimed (renamed) meanwhile, or corrupt: the next reading sees it under its new name
      }
    }
    return out;
  }

  async status(now = Date.now()): Promise<SpoolStatus> {
    const names = await this.names();
    const s: SpoolStatus = { dir: this.dir, waiting: 0, claimed: 0, staleClaims: 0, corrupt: 0, bytes: 0, oldest: null, newest: null };
    const times: number[] = [];
    for (const name of names) {
      const ready = READY_NAME.exec(name);
      const claim = CLAIM_NAME.exec(name);
      if (ready) {
        s.waiting++;
        times.push(Number(ready[1]));
      } else if (claim) {
        s.claimed++;
        if (now - Number(claim[2]) > this.staleClaimMs) s.staleClaims++;
        times.push(Number(claim[1]!.slice(0, 15)));
      } else if (name.endsWith('.corrupt')) s.corrupt++;
      else continue;
      const st = await fsp.stat(path.join(this.dir, name)).catch(() => undefined);
      s.bytes += st?.size ?? 0;
    }
    if (times.length > 0) {
      s.oldest = new Date(Math.min(...times)).toISOString();
      s.newest = new Date(Math.max(...times)).toISOString();
    }
    return s;
  }
}

async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await fsp.rename(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
