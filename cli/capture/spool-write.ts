/**
 * Writing an event into the spool (spool.ts): as `.tmp-<name>` (0600), then renamed into place, so a
 * reader never sees half a file; fsynced before the rename, or, on the relay, right after the hook
 * is answered. The spool holds at most `maxEntries` events (SpoolRoom).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CLAIM_NAME, newEntryName, READY_NAME, type SpoolEntry } from './spool-entry.js';

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

/** How long a count of the spool's entries stands for the cap check (SpoolRoom). */
const ROOM_RECOUNT_MS = 1000;

/** Creates the spool directory 0700 (and tightens one that is not). */
export function ensureSpoolDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const st = fs.statSync(dir);
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  } catch {
    // not ours to fix (another owner); the files themselves are still 0600
  }
}

/** The spool's cap on the events it holds. */
export class SpoolRoom {
  /** The entries last counted in the directory (plus this process's adds since), and when. */
  private counted: { at: number; entries: number } | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxEntries: number,
  ) {}

  /**
   * Whether one more entry fits (throws SpoolFullError when not). The directory is counted at most
   * once a second (and whenever the count comes near the cap), and this process's own adds are
   * counted on top meanwhile: reading the whole directory on every add made each event cost time in
   * proportion to what waits (a long outage: thousands of entries). Another process's adds within
   * that second can pass the cap by as many. Synchronous: on the relay it is on the agent's path
   * (see writeEntryBeforeAnswer).
   */
  check(): void {
    const now = Date.now();
    if (this.counted && now - this.counted.at < ROOM_RECOUNT_MS && this.counted.entries + 1 < this.maxEntries) {
      this.counted.entries++;
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const entries = names.filter((n) => READY_NAME.test(n) || CLAIM_NAME.test(n)).length;
    if (entries >= this.maxEntries) {
      this.counted = undefined;
      throw new SpoolFullError(`the spool ${this.dir} already holds ${this.maxEntries} events (MEMFLOW_SPOOL_MAX_EVENTS)`);
    }
    this.counted = { at: now, entries: entries + 1 };
  }
}

/** Saves the entry durably (fsynced, then renamed into place); resolves to its file name. */
export async function writeEntry(dir: string, entry: SpoolEntry): Promise<string> {
  const name = newEntryName();
  const tmp = path.join(dir, `.tmp-${name}`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(entry));
    await fh.sync();
  } catch (err) {
    await fh.close();
    throw err;
  }
  try {
    await fsp.rename(tmp, path.join(dir, name));
  } catch (err) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  return name;
}

/**
 * The relay's write, on the agent's path: open, write and rename in this thread (a few local
 * system calls), and fsync and close once the answer is out (setImmediate runs after the code
 * that awaited this add has answered). Each of fs/promises' steps is a hop through libuv's thread
 * pool and back to the event loop, and handing the fsync to the pool before answering woke a
 * thread that took the CPU from the answer: profiled in the relay on this 2-core machine under
 * load, those were most of the milliseconds between a hook's request and its answer.
 */
export function writeEntryBeforeAnswer(dir: string, entry: SpoolEntry): string {
  const name = newEntryName();
  const tmp = path.join(dir, `.tmp-${name}`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(entry));
    fs.renameSync(tmp, path.join(dir, name));
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  setImmediate(() => fs.fsync(fd, () => fs.close(fd, () => undefined)));
  return name;
}

/** writeEntry, synchronously: for the last moments before a forced exit. */
export function writeEntrySync(dir: string, entry: SpoolEntry): string {
  const name = newEntryName();
  const tmp = path.join(dir, `.tmp-${name}`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(entry));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  return name;
}
