/**
 * The hook client's local spool: events it could not deliver (and every event the relay takes),
 * kept until a later invocation, the relay's lanes or `memflow spool flush` deliver them. The spool
 * directory is the queue: an entry is added, listed oldest first, claimed by one process, then
 * completed or released. Below the queue: the entry and its file names, then how an entry is written.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { isEventRouteName } from '../../messages/hooks-v1.js';

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
  /**
   * A long-lived reader of the queue (the relay, `relistMs`) keeps its own view of the waiting entries between
   * listings of the directory: its adds go in, its claims go out, and the directory is listed again once the view
   * is `relistMs` old (what another process wrote, or a stale claim to put back, is seen that much later). Listing
   * the directory at every delivery cycle read every waiting entry's name at every hook: a session's events wait
   * while the agent is busy (session-activity.ts), so each of a burst of tool calls listed all those before it.
   */
  private readonly relistMs: number | undefined;
  private listing: { names: Set<string>; at: number } | undefined;
  /** This process's adds while the directory is being listed (a listing started before them may not hold them). */
  private addedWhileListing: Set<string> | undefined;
  /**
   * The text of entries this process wrote and has not completed, by name (with `relistMs`, within WRITTEN_MAX_BYTES):
   * a claim, and the relay's lanes, read them back without the disk. A name is never rewritten (a retarget writes a new
   * entry), so the text is the file's.
   */
  private readonly written = new Map<string, string>();
  private writtenBytes = 0;
  /** The directory was made (or checked) by this process; made again when a write finds it gone. */
  private dirReady = false;
  /**
   * A claim's rename in the calling thread (the relay): each of fs/promises' calls is a hop through libuv's pool and
   * back (a thread woken, an eventfd written, the loop woken), which cost the relay more CPU than the local system call
   * itself (strace: four pool hops per delivered event before: the claim's rename and read, the unlink, the close).
   */
  private readonly directCalls: boolean;

  constructor(
    readonly dir: string,
    opts: { staleClaimMs?: number; maxEntries?: number; syncAfterAnswer?: boolean; relistMs?: number; directCalls?: boolean } = {},
  ) {
    this.syncAfterAnswer = opts.syncAfterAnswer ?? false;
    this.staleClaimMs = opts.staleClaimMs ?? 60_000;
    this.room = new SpoolRoom(dir, opts.maxEntries ?? 10_000);
    this.relistMs = opts.relistMs;
    this.directCalls = opts.directCalls ?? false;
  }

  /** Saves the entry durably; resolves to its file name. Throws SpoolFullError when the spool is full. */
  async add(entry: SpoolEntry): Promise<string> {
    if (!this.dirReady) {
      ensureSpoolDir(this.dir);
      this.dirReady = true;
    }
    this.room.check();
    const text = JSON.stringify(entry);
    const write = () => (this.syncAfterAnswer ? writeTextBeforeAnswer(this.dir, text) : writeText(this.dir, text));
    let name: string;
    try {
      name = await write();
    } catch (err) {
      // The directory went away under this process (removed by hand): made again, written once more.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      ensureSpoolDir(this.dir);
      name = await write();
    }
    if (this.relistMs !== undefined) {
      this.listing?.names.add(name);
      this.addedWhileListing?.add(name);
      if (this.writtenBytes + text.length <= WRITTEN_MAX_BYTES) {
        this.written.set(name, text);
        this.writtenBytes += text.length;
      }
    }
    return name;
  }

  /** The text of an entry this process wrote and still holds in memory (relistMs), if any. */
  writtenText(name: string): string | undefined {
    return this.written.get(name);
  }


  private forgetWritten(name: string): void {
    const text = this.written.get(name);
    if (text === undefined) return;
    this.written.delete(name);
    this.writtenBytes -= text.length;
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
  async waiting(now = Date.now(), fresh = false): Promise<string[]> {
    return (await this.waitingView(now, fresh)).names;
  }

  /**
   * The same, and when the answer came from the relay's view (relistMs: see above), when that view is listed afresh
   * (`viewUntil`); `fresh`: the directory, whatever the view.
   */
  async waitingView(now = Date.now(), fresh = false): Promise<{ names: string[]; viewUntil?: number }> {
    if (!fresh && this.relistMs !== undefined && this.listing && now - this.listing.at < this.relistMs) {
      return { names: [...this.listing.names].sort(), viewUntil: this.listing.at + this.relistMs };
    }
    if (this.relistMs === undefined) return { names: await this.readyNames(now) };
    const added = (this.addedWhileListing = new Set());
    let ready: string[];
    try {
      ready = await this.readyNames(now);
    } finally {
      if (this.addedWhileListing === added) this.addedWhileListing = undefined;
    }
    const names = new Set([...ready, ...added]);
    this.listing = { names, at: now };
    // Entries another process claimed (and completed) meanwhile are no longer held in memory.
    const mine = new Set([...this.held.values()].map((p) => path.basename(p)));
    for (const name of [...this.written.keys()]) if (!names.has(name) && !mine.has(name)) this.forgetWritten(name);
    return { names: [...names].sort() };
  }

  /** The directory's waiting entries, oldest first, stale claims put back and abandoned temp files removed. */
  private async readyNames(now: number): Promise<string[]> {
    const names = await this.names();
    // Listed again only when a stale claim was put back (a second listing per delivery cycle was most of the relay's
    // directory reads: four per hook event in a Claude Code session of Reads).
    let changed = false;
    for (const name of names) {
      const claim = CLAIM_NAME.exec(name);
      if (claim && now - Number(claim[2]) > this.staleClaimMs) {
        changed = (await renameIfPresent(path.join(this.dir, name), path.join(this.dir, claim[1]!))) || changed;
      } else if (TMP_NAME.test(name)) {
        const st = await fsp.stat(path.join(this.dir, name)).catch(() => undefined);
        if (st && now - st.mtimeMs > this.staleClaimMs) await fsp.rm(path.join(this.dir, name), { force: true });
      }
    }
    return (changed ? await this.names() : names).filter((n) => READY_NAME.test(n)).sort();
  }

  /**
   * Claims `name` if no other process has; undefined when it was taken (or is gone). An unreadable
   * entry is set aside as `.corrupt` and also yields undefined.
   */
  async claim(name: string): Promise<Claim | undefined> {
    const ready = path.join(this.dir, name);
    const claimed = claimPath(ready);
    this.listing?.names.delete(name);
    this.addedWhileListing?.delete(name);
    if (!(this.directCalls ? renameIfPresentSync(ready, claimed) : await renameIfPresent(ready, claimed))) {
      this.forgetWritten(name);
      return undefined;
    }
    this.held.set(claimed, ready);
    let entry: SpoolEntry;
    try {
      entry = parseEntry(this.written.get(name) ?? (await fsp.readFile(claimed, 'utf8')));
    } catch {
      this.held.delete(claimed);
      this.forgetWritten(name);
      await renameIfPresent(claimed, `${ready}.corrupt`);
      return undefined;
    }
    return {
      entry,
      name,
      complete: async () => {
        this.held.delete(claimed);
        this.forgetWritten(name);
        // unlink, not rm: rm checks the path with an lstat first (0.4 ms of the relay's CPU per delivered event in a profile).
        // In the pool even for the relay (directCalls): an unlink waits on the file system's journal behind the fsyncs of
        // newer entries (~1 ms of the relay's thread each, profiled), where a rename does not.
        await fsp.unlink(claimed).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      },
      release: async () => {
        this.held.delete(claimed);
        if (await renameIfPresent(claimed, ready)) this.listing?.names.add(name);
        else this.forgetWritten(name);
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

function renameIfPresentSync(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
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

/**
 * What the spool keeps on disk: one file per event, so concurrent hook
 * processes (Claude Code runs hooks in parallel) never share a file:
 * - `<ms:15>-<seq:4>-<pid>-<rand>.json`             a waiting event; names sort oldest first.
 *   Written as `.tmp-*` (0600, fsynced) and renamed into place, so a reader never sees half a file
 *   (writeText, below).
 * - `<that name>.claim-<ms>-<pid>-<rand>`             claimed for delivery by one process. Claiming
 *   is a rename, which exactly one of several racing processes wins. Delivered or dropped: the file
 *   is removed. Not delivered: renamed back. A claim older than `staleClaimMs` belonged to a process
 *   that died mid-delivery; it is renamed back and delivered again, and the saved Idempotency-Key
 *   makes the API store it once even if the first attempt had reached it.
 * - `<that name>.corrupt`                             unreadable; kept aside for inspection.
 * The directory is created 0700 and files 0600: hook payloads hold prompts and tool output.
 */
/**
 * Where an entry may be delivered: the API it was meant for and the identity of the key it was sent
 * with (a truncated SHA-256, never the key). `key` is null when no key was set when it was spooled.
 */
export interface SpoolTarget {
  url: string;
  key: string | null;
}

export interface SpoolEntry {
  v: 1;
  /** The hook event's route name (a future event's too). */
  event: string;
  /** The hook payload exactly as read from stdin. */
  body: Record<string, unknown>;
  /** Sent as Idempotency-Key on every delivery attempt, so the API stores the event once. */
  idempotencyKey: string;
  /** X-Memflow-Project, when the invocation named one or resolved it from the working tree. */
  project?: string;
  /** X-Memflow-Project-Key: which repository the project is (see common/workspace/repository-key.ts). */
  projectKey?: string;
  /** When the hook fired (ISO 8601). */
  createdAt: string;
  /** When the event happened, when before its hook: a tool call read from the host's transcript at the end of its turn. */
  occurredAt?: string;
  /** Absent in entries written before targets were recorded: only an explicit `spool flush` delivers those. */
  target?: SpoolTarget;
  /** Read from the host's transcript at delivery: see SpoolSettle. */
  settle?: SpoolSettle;
}

/**
 * A host's event whose hook ran before the host wrote the transcript line it needs (Copilot CLI
 * writes its final message about 100 ms after it runs agentStop): the hook is answered at once, and
 * delivery reads the transcript again, until `until` at the latest, and maps the event anew from its
 * (redacted) native payload (ingress.ts). Later events of the session are delivered after it.
 */
export interface SpoolSettle {
  host: string;
  nativeEvent: string;
  hostVersion?: string;
  payload: Record<string, unknown>;
  /** ISO 8601: how long delivery waits for the transcript line. */
  until: string;
}

/** A waiting entry's file name; the group is its time in ms. */
export const READY_NAME = /^(\d{15})-\d{4}-\d+-[0-9a-f]{8}\.json$/;
/** A claimed entry's file name; the groups are the waiting name and when it was claimed. */
export const CLAIM_NAME = /^(\d{15}-\d{4}-\d+-[0-9a-f]{8}\.json)\.claim-(\d+)-\d+-[0-9a-f]{8}$/;
/** A file being written (or left by a writer that died). */
export const TMP_NAME = /^\.tmp-/;

let sequence = 0;

/** A new waiting entry's file name. */
export function newEntryName(): string {
  const seq = String(sequence++ % 10_000).padStart(4, '0');
  return `${String(Date.now()).padStart(15, '0')}-${seq}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`;
}

/** The path a waiting entry is claimed under by this process, now. */
export function claimPath(readyPath: string): string {
  return `${readyPath}.claim-${Date.now()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * `read`: an event a later hook may read again from the host's transcript — its stable key (else a
 * fresh UUID) and when it happened; or one whose transcript line delivery is to read (`settle`).
 */
export function newSpoolEntry(
  event: string,
  body: Record<string, unknown>,
  target: SpoolTarget,
  project?: string,
  projectKey?: string,
  read: { key?: string | undefined; occurredAt?: string | undefined; settle?: SpoolSettle | undefined } = {},
): SpoolEntry {
  return {
    v: 1,
    event,
    body,
    idempotencyKey: read.key ?? crypto.randomUUID(),
    ...(project ? { project } : {}),
    ...(project && projectKey ? { projectKey } : {}),
    createdAt: new Date().toISOString(),
    ...(read.occurredAt ? { occurredAt: read.occurredAt } : {}),
    target,
    ...(read.settle ? { settle: read.settle } : {}),
  };
}

function isSettle(s: unknown): s is SpoolSettle {
  const x = s as Partial<SpoolSettle> | null;
  return (
    !!x &&
    typeof x.host === 'string' &&
    typeof x.nativeEvent === 'string' &&
    typeof x.until === 'string' &&
    (x.hostVersion === undefined || typeof x.hostVersion === 'string') &&
    !!x.payload &&
    typeof x.payload === 'object' &&
    !Array.isArray(x.payload)
  );
}

export function parseEntry(text: string): SpoolEntry {
  const e = JSON.parse(text) as Partial<SpoolEntry>;
  if (
    e?.v !== 1 ||
    typeof e.event !== 'string' ||
    !isEventRouteName(e.event) ||
    (e.target !== undefined && (typeof e.target?.url !== 'string' || (e.target.key !== null && typeof e.target.key !== 'string'))) ||
    !e.body ||
    typeof e.body !== 'object' ||
    Array.isArray(e.body) ||
    typeof e.idempotencyKey !== 'string' ||
    typeof e.createdAt !== 'string' ||
    (e.occurredAt !== undefined && typeof e.occurredAt !== 'string') ||
    (e.settle !== undefined && !isSettle(e.settle))
  ) {
    throw new Error('not a spool entry');
  }
  return e as SpoolEntry;
}

/**
 * Writing an event into the spool: as `.tmp-<name>` (0600), then renamed into place, so a
 * reader never sees half a file; fsynced before the rename, or, on the relay, right after the hook
 * is answered. The spool holds at most `maxEntries` events (SpoolRoom).
 */
export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

/** The most entry text a long-lived reader holds in memory (Spool.written); entries past it are read back from the disk. */
const WRITTEN_MAX_BYTES = 16 * 1024 * 1024;

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
   * (see writeTextBeforeAnswer).
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
async function writeText(dir: string, text: string): Promise<string> {
  const name = newEntryName();
  const tmp = path.join(dir, `.tmp-${name}`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
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
function writeTextBeforeAnswer(dir: string, text: string): string {
  const name = newEntryName();
  const tmp = path.join(dir, `.tmp-${name}`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.renameSync(tmp, path.join(dir, name));
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  // The fsync in the pool (it waits for the disk), the close here after it (one hop through the pool, not two).
  setImmediate(() =>
    fs.fsync(fd, () => {
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    }),
  );
  return name;
}

/** writeText, synchronously: for the last moments before a forced exit. */
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
