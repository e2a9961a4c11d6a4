/**
 * The hook client's capture ledger (docs/capture.md, "The capture ledger"): what became of every
 * event a hook client (the relay, or the Node client when the relay is down) took, per session, kept
 * on disk beside the spool so that it survives the client being killed:
 * - `<spool>/ledger/client-id`             this client's id (a UUID, made once), sent to the API as
 *                                          X-Memflow-Client with every delivery and with the reports;
 * - `<spool>/ledger/<session hash>.jsonl`  one line per outcome of an event of the session, appended
 *                                          (O_APPEND: the relay and Node clients may write at once):
 *                                          delivered, duplicate (the API already had it), refused (by
 *                                          the API, with its code), dropped (by the client, why), held
 *                                          (an attempt failed; the event stays in the spool);
 * - `<session hash>.reported`              the counter of the last report the API took.
 * An event in the spool (waiting or claimed) is pending; the spool is read before the journal, so an
 * event is never missed between the two. Counting is keyed by the event's Idempotency-Key, so an
 * event delivered twice (a killed client's claim, a lost answer) still counts once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientLedgerCounts } from '../../messages/capture-ledger-v1.js';
import type { Verdict } from './deliver.js';
import type { SpoolEntry } from './spool.js';

export type LedgerState = 'delivered' | 'duplicate' | 'refused' | 'dropped' | 'held';

interface Line {
  /** The event's Idempotency-Key. */
  k: string;
  s: LedgerState;
  /** The reason code (refused, dropped, held). */
  r?: string;
  sid: string;
  ev: string;
  /** The API and the key's fingerprint it went to (for the report). */
  u?: string;
  f?: string | null;
  at: string;
}

export interface SessionLedger {
  session: string;
  counts: ClientLedgerCounts;
  /** The session's SessionEnd is settled: its ledger is final unless something late arrives. */
  ended: boolean;
  /** Where its events went last (the report goes there, with that key). */
  url?: string;
  keyFingerprint?: string | null;
  /** Lines in the journal. */
  lines: number;
}

/** A reason code from a delivery's verdict: the API's error code, or what kept it from answering. */
export function reasonOf(verdict: Verdict): string {
  if (verdict.kind === 'delivered') return 'delivered';
  if (verdict.kind === 'retry' && verdict.unreachable) return 'unreachable';
  const m = /^(\d{3}) ([a-z0-9_]+):/.exec(verdict.reason) ?? /^HTTP (\d{3})/.exec(verdict.reason);
  return m ? (m[2] ?? `http_${m[1]}`) : 'unanswered';
}

/** The state a verdict puts an event in. */
export function stateOf(verdict: Verdict): LedgerState {
  return verdict.kind === 'delivered' ? (verdict.duplicate ? 'duplicate' : 'delivered') : verdict.kind === 'rejected' ? 'refused' : 'held';
}

/** The folder inside the spool that holds the per-session journals (the spool's own entries are files beside it). */
export const JOURNAL_DIR = 'ledger';
const JOURNAL = /^([0-9a-f]{32})\.jsonl$/;

export class ClientLedger {
  readonly dir: string;
  private id: string | undefined;
  /** Idempotency-Key -> the held reason last written (an outage must not write a line per retry). */
  private readonly held = new Map<string, string>();

  constructor(spoolDir: string) {
    this.dir = path.join(spoolDir, JOURNAL_DIR);
  }

  static fileName(session: string): string {
    return `${crypto.createHash('sha256').update(session).digest('hex').slice(0, 32)}.jsonl`;
  }

  /** The directory was made by this process (made again when an append finds it gone). */
  private dirReady = false;

  private ensureDir(): void {
    if (this.dirReady) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.dirReady = true;
  }

  /**
   * This client's id, made once per spool directory (the first process to write it wins). Where it
   * cannot be kept (an unwritable directory), this process uses one of its own: the API's counts
   * are per session, not per client, so they still add up.
   */
  clientId(): string {
    if (this.id) return this.id;
    const file = path.join(this.dir, 'client-id');
    try {
      this.id = fs.readFileSync(file, 'utf8').trim();
    } catch {
      try {
        this.ensureDir();
        fs.writeFileSync(file, crypto.randomUUID(), { flag: 'wx', mode: 0o600 });
      } catch {
        // another process wrote it first (read below), or the directory is not writable
      }
      try {
        this.id = fs.readFileSync(file, 'utf8').trim();
      } catch {
        this.id = crypto.randomUUID();
      }
    }
    return this.id;
  }

  /**
   * Appends an outcome of `entry`'s event. Never throws (a hook must not fail on its bookkeeping);
   * false when it could not be written.
   */
  record(entry: SpoolEntry, state: LedgerState, reason?: string): boolean {
    const session = typeof entry.body.session_id === 'string' ? entry.body.session_id : undefined;
    if (!session) return true; // not a session's event: the API refuses it and nothing counts it
    if (state === 'held') {
      if (this.held.get(entry.idempotencyKey) === reason) return true;
      this.held.set(entry.idempotencyKey, reason ?? '');
    } else this.held.delete(entry.idempotencyKey);
    const line: Line = { k: entry.idempotencyKey, s: state, ...(reason ? { r: reason } : {}), sid: session, ev: entry.event, at: new Date().toISOString() };
    if (entry.target) Object.assign(line, { u: entry.target.url, f: entry.target.key });
    const append = () => fs.appendFileSync(path.join(this.dir, ClientLedger.fileName(session)), `${JSON.stringify(line)}\n`, { mode: 0o600 });
    try {
      this.ensureDir();
      append();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      // The directory went away under this process: made again, appended once more.
      try {
        this.dirReady = false;
        this.ensureDir();
        append();
        return true;
      } catch {
        return false;
      }
    }
  }

  /** The outcome of a delivery attempt. */
  recordVerdict(entry: SpoolEntry, verdict: Verdict): boolean {
    return this.record(entry, stateOf(verdict), verdict.kind === 'delivered' ? undefined : reasonOf(verdict));
  }

  /**
   * A session's counts: its journal folded by event, with `pending` the Idempotency-Keys of its
   * events in the spool (read before the journal).
   */
  summarize(session: string, pending: ReadonlySet<string>): SessionLedger {
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.dir, ClientLedger.fileName(session)), 'utf8');
    } catch {
      // nothing settled yet
    }
    const events = new Map<string, { final?: LedgerState; reason?: string; held?: string; late: boolean }>();
    // (Not messages' EMPTY_CLIENT_COUNTS: that module brings zod into the hook's bundle, cli/hook-fast.js.)
    const out: SessionLedger = { session, counts: { seen: 0, delivered: 0, late: 0, duplicates: 0, refused: {}, dropped: {}, pending: 0, held: {}, lost: 0 }, ended: false, lines: 0 };
    const c = out.counts;
    const bump = (r: Record<string, number>, k: string) => (r[k] = (r[k] ?? 0) + 1);
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let l: Line;
      try {
        l = JSON.parse(raw) as Line;
      } catch {
        continue; // a line cut by a crash mid-write: its event is still in the spool or written again
      }
      out.lines++;
      if (l.sid !== session) continue;
      const e = events.get(l.k) ?? { late: false };
      events.set(l.k, e);
      if (l.u) Object.assign(out, { url: l.u, keyFingerprint: l.f ?? null });
      if (l.s === 'held') {
        if (!e.final) Object.assign(e, { held: l.r ?? 'unanswered', late: true });
        continue;
      }
      if (l.s === 'duplicate') c.duplicates++;
      if (e.final) continue;
      e.final = l.s === 'duplicate' ? 'delivered' : l.s;
      e.reason = l.r;
      if (l.ev === 'session-end') out.ended = true;
    }
    for (const k of pending) if (!events.has(k)) events.set(k, { late: false });
    for (const [k, e] of events) {
      c.seen++;
      if (e.final === 'delivered') {
        c.delivered++;
        if (e.late) c.late++;
      } else if (e.final === 'refused') bump(c.refused, e.reason ?? 'unknown');
      else if (e.final === 'dropped') bump(c.dropped, e.reason ?? 'unknown');
      else if (pending.has(k)) {
        c.pending++;
        if (e.held) bump(c.held, e.held);
      } else c.lost++;
    }
    return out;
  }

  /** Sessions whose journal changed since their last report the API took (a restarted relay reports them). */
  unreported(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const sessions: string[] = [];
    for (const name of names) {
      if (!JOURNAL.test(name)) continue;
      try {
        const journal = fs.statSync(path.join(this.dir, name));
        const marker = fs.statSync(path.join(this.dir, name.replace(/\.jsonl$/, '.reported')), { throwIfNoEntry: false });
        if (marker && marker.mtimeMs >= journal.mtimeMs) continue;
        const first = fs.readFileSync(path.join(this.dir, name), 'utf8').split('\n', 1)[0];
        const sid = first ? (JSON.parse(first) as Line).sid : undefined;
        if (sid) sessions.push(sid);
      } catch {
        // gone or unreadable: nothing to report
      }
    }
    return sessions;
  }

  /** The API took the report with `counter`. */
  reported(session: string, counter: number): void {
    try {
      fs.writeFileSync(path.join(this.dir, ClientLedger.fileName(session).replace(/\.jsonl$/, '.reported')), String(counter), { mode: 0o600 });
    } catch {
      // reported again after a restart: the API ignores a repeat
    }
  }
}
