/**
 * The relay's delivery of spooled events to the API: one lane per (target, session), each lane in
 * the order its events happened, several lanes at once. A lane's head waits while its target is
 * backing off (unreachable, 5xx, 429) or refuses the key (401/403: kept, retried slowly, reported as
 * stuck so `memflow doctor` fails until it is fixed). Entries whose key the relay does not hold (no
 * key was set when they were captured, or one captured before the relay last started and not seen
 * since) wait as stuck until a hook brings that key or the user retargets them.
 *
 * The spool directory is the queue: every cycle lists it, so entries written by the Node fallback
 * client or retargeted by `memflow spool retarget` are picked up like the relay's own.
 *
 * Delivery waits while the agent is busy: a session's events go out once it has been quiet for
 * `quietMs` (the agent waits for its model, a tool runs, the turn ended) or once its oldest waiting
 * event is `maxDeferMs` old, and at once after its SessionEnd. The API's work for an event (storing
 * it, and the worker's summaries behind it) then never competes for the CPU with the agent's own
 * next step when the API runs on the same machine; measured in the real Claude Code, delivering
 * during a burst of tool calls cost the agent tens of milliseconds per call (docs/claude-code.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { deliver, keyFingerprint, type Target } from '../deliver.js';
import type { HttpClient } from '../../node-http.js';
import type { Spool } from '../spool.js';
import type { SpoolEntry } from '../spool-entry.js';
import { reasonOf, type ClientLedger } from '../client-ledger.js';
import type { LedgerReporter } from './ledger-report.js';

const MAX_IN_FLIGHT = 4;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** A refused key is tried again this often (it may be being set up). */
const REFUSED_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** A session counts as busy while its hooks come closer together than this. */
export const DEFAULT_QUIET_MS = 400;
/** The longest an event waits for its session to go quiet (what a live view lags at most). */
export const DEFAULT_MAX_DEFER_MS = 5_000;
/** Sessions whose activity is remembered (the oldest are forgotten beyond it). */
const MAX_TRACKED_SESSIONS = 1_000;

export interface LaneTiming {
  quietMs: number;
  maxDeferMs: number;
}

export interface TargetState {
  url: string;
  keyFingerprint: string | null;
  /** Why its events are not moving, when they are not. */
  problem?: string;
  /** The same as a reason code (the capture ledger's `held`). */
  code?: string;
  /** Refused (401/403): events are stuck until the key is fixed. */
  refused: boolean;
  /** Did not answer lately: SessionStart does not wait for it. */
  unreachable: boolean;
  until: number;
  backoffMs: number;
  delivered: number;
  duplicates: number;
  dropped: number;
  /** Events waiting for it at the last cycle. */
  waiting: number;
}

export interface LaneStats {
  waiting: number;
  stuck: number;
  delivered: number;
  duplicates: number;
  dropped: number;
  inFlight: number;
  targets: TargetState[];
}

export class Lanes {
  private readonly keys = new Map<string, string>(); // fingerprint -> key
  private readonly targets = new Map<string, TargetState>();
  private readonly parsed = new Map<string, SpoolEntry | null>();
  private readonly inFlight = new Set<string>();
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private lastWaiting = 0;
  private lastStuck = 0;
  /** session_id -> when its last hook came, and whether it ended (SessionEnd). */
  private readonly activity = new Map<string, { at: number; ended: boolean }>();
  private readonly timing: LaneTiming;
  /** Told of every event the API took (with the key it went with). */
  onDelivered?: (entry: SpoolEntry, key: string) => void;
  /** The capture ledger: every outcome is written to it, and reported once a session's lane is empty. */
  capture?: { ledger: ClientLedger; reporter: LedgerReporter };
  closed = false;

  constructor(
    private readonly spool: Spool,
    private readonly client: HttpClient,
    private readonly log: (line: string) => void,
    private readonly keysFile?: string,
    timing: Partial<LaneTiming> = {},
  ) {
    this.timing = { quietMs: timing.quietMs ?? DEFAULT_QUIET_MS, maxDeferMs: timing.maxDeferMs ?? DEFAULT_MAX_DEFER_MS };
    this.loadKeys();
  }

  /** A hook of `session` came now (its event is in the spool). */
  noteHook(session: string, event: string): void {
    this.activity.delete(session);
    this.activity.set(session, { at: Date.now(), ended: event === 'session-end' });
    if (this.activity.size > MAX_TRACKED_SESSIONS) this.activity.delete(this.activity.keys().next().value!);
  }

  /** When the lane of `session` may deliver `entry`: now (0) or the time it goes quiet. */
  private readyAt(session: string, entry: SpoolEntry): number {
    const a = this.activity.get(session);
    if (!a || a.ended) return 0;
    const created = Date.parse(entry.createdAt);
    const quiet = a.at + this.timing.quietMs;
    return Math.min(quiet, Number.isFinite(created) ? created + this.timing.maxDeferMs : 0);
  }

  /**
   * Whether an earlier event of `session` is still waiting in the spool or on its way (`name` is
   * the later entry's spool name; names sort in the order the relay took the events). A SessionStart
   * after compaction or /clear must not overtake them: the API numbers a session's events as they
   * arrive.
   */
  async waitingBefore(session: string, name: string): Promise<boolean> {
    const sameSession = (n: string) => n < name && this.entryOf(n)?.body.session_id === session;
    if ([...this.inFlight].some(sameSession)) return true;
    return (await this.spool.waiting()).some(sameSession);
  }

  /** The key a fingerprint stands for, if a hook brought it. */
  keyFor(fingerprint: string): string | undefined {
    return this.keys.get(fingerprint);
  }

  /** Remembers a key a hook brought, so entries spooled under it can be delivered (also later). */
  learnKey(key: string): void {
    const fp = keyFingerprint(key);
    if (this.keys.get(fp) === key) return;
    this.keys.set(fp, key);
    this.saveKeys();
  }

  targetOf(url: string, key: string | undefined): TargetState {
    const fp = key ? keyFingerprint(key) : null;
    const id = `${url}\0${fp ?? ''}`;
    let t = this.targets.get(id);
    if (!t) {
      t = { url, keyFingerprint: fp, refused: false, unreachable: false, until: 0, backoffMs: 0, delivered: 0, duplicates: 0, dropped: 0, waiting: 0 };
      this.targets.set(id, t);
    }
    return t;
  }

  /** Writes an event's outcome to the capture ledger (a delivery's verdict, or why the relay dropped it). */
  settle(entry: SpoolEntry, outcome: Awaited<ReturnType<typeof deliver>> | { dropped: string }): void {
    if (!this.capture) return;
    const written = 'dropped' in outcome ? this.capture.ledger.record(entry, 'dropped', outcome.dropped) : this.capture.ledger.recordVerdict(entry, outcome);
    if (!written) this.log(`could not write the capture ledger in ${this.capture.ledger.dir}`);
    const session = entry.body.session_id;
    if (typeof session === 'string' && !('kind' in outcome && outcome.kind === 'retry')) this.capture.reporter.touch(session, entry.event);
  }

  /** The delivery target of an entry, with this client's id when it keeps a ledger. */
  deliveryTarget(url: string, apiKey: string) {
    return { baseUrl: url, apiKey, ...(this.capture ? { clientId: this.capture.ledger.clientId() } : {}) };
  }

  /** Records what a delivery said about its target (also used by the relay's direct SessionStart). */
  observe(t: TargetState, verdict: Awaited<ReturnType<typeof deliver>>): void {
    const now = Date.now();
    if (verdict.kind === 'delivered') {
      t.delivered++;
      if (verdict.duplicate) t.duplicates++;
      Object.assign(t, { refused: false, unreachable: false, until: 0, backoffMs: 0, problem: undefined, code: undefined });
    } else if (verdict.kind === 'rejected') {
      t.dropped++;
    } else if (/^40[13] /.test(verdict.reason)) {
      Object.assign(t, { refused: true, unreachable: false, until: now + REFUSED_RETRY_MS, problem: `the API refused the key (${verdict.reason})`, code: reasonOf(verdict) });
    } else {
      t.backoffMs = Math.min(MAX_BACKOFF_MS, t.backoffMs ? t.backoffMs * 2 : FIRST_BACKOFF_MS);
      Object.assign(t, { unreachable: verdict.unreachable, until: now + t.backoffMs, problem: verdict.reason, code: reasonOf(verdict) });
    }
  }

  stats(): LaneStats {
    let delivered = 0;
    let duplicates = 0;
    let dropped = 0;
    for (const t of this.targets.values()) {
      delivered += t.delivered;
      duplicates += t.duplicates;
      dropped += t.dropped;
    }
    // Targets that hold nothing any more (retargeted, delivered) have no problem worth reporting.
    const targets = [...this.targets.values()].map((t) => (t.waiting > 0 ? t : { ...t, problem: undefined, refused: false }));
    return { waiting: this.lastWaiting, stuck: this.lastStuck, delivered, duplicates, dropped, inFlight: this.inFlight.size, targets };
  }

  /** Runs delivery cycles until nothing more can move now; coalesces concurrent calls. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.cycle();
        } while (this.again && !this.closed);
      } catch (err) {
        this.log(`delivery cycle failed: ${(err as Error).message}`);
        this.schedule(1000);
      } finally {
        this.running = false;
      }
    })();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Resolves when nothing is waiting or in flight (tests and `relay stop`). */
  async idle(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.running && this.inFlight.size === 0 && (await this.spool.waiting()).length === 0) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(10, ms));
    this.timer.unref();
  }

  private entryOf(name: string): SpoolEntry | null {
    if (this.parsed.has(name)) return this.parsed.get(name)!;
    let e: SpoolEntry | null = null;
    try {
      e = JSON.parse(fs.readFileSync(path.join(this.spool.dir, name), 'utf8')) as SpoolEntry;
    } catch {
      e = null; // claimed meanwhile, or corrupt: the spool's own status reports corrupt files
    }
    this.parsed.set(name, e);
    return e;
  }

  private async cycle(): Promise<void> {
    const names = await this.spool.waiting();
    const live = new Set(names);
    for (const n of this.parsed.keys()) if (!live.has(n) && !this.inFlight.has(n)) this.parsed.delete(n);
    const lanes = new Map<string, { name: string; entry: SpoolEntry; session: string }>();
    let stuck = 0;
    for (const t of this.targets.values()) t.waiting = 0;
    for (const name of names) {
      const entry = this.entryOf(name);
      if (!entry) continue;
      const fp = entry.target?.key;
      const known = fp ? this.keys.get(fp) : undefined;
      if (entry.target && known) {
        const t = this.targetOf(entry.target.url, known);
        t.waiting++;
        // Every event waiting behind a target that is not taking events is held (not only each lane's head).
        if (t.code && (t.refused || t.until > Date.now())) this.capture?.ledger.record(entry, 'held', t.code);
      }
      const session = typeof entry.body.session_id === 'string' ? entry.body.session_id : '';
      const lane = `${entry.target?.url ?? ''}\0${entry.target?.key ?? ''}\0${session}`;
      if (!lanes.has(lane)) lanes.set(lane, { name, entry, session });
    }
    const now = Date.now();
    let nextWake = Infinity;
    const jobs: Promise<boolean>[] = [];
    for (const { name, entry, session } of lanes.values()) {
      if (this.inFlight.has(name)) continue;
      const key = entry.target?.key ? this.keys.get(entry.target.key) : undefined;
      if (!entry.target || !key) {
        stuck++;
        continue;
      }
      const t = this.targetOf(entry.target.url, key);
      if (t.refused) stuck++;
      if (t.until > now) {
        nextWake = Math.min(nextWake, t.until);
        continue;
      }
      const ready = this.readyAt(session, entry);
      if (ready > now) {
        nextWake = Math.min(nextWake, ready);
        continue;
      }
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        this.again = true;
        break;
      }
      jobs.push(this.send(name, this.deliveryTarget(entry.target.url, key), t));
    }
    this.lastWaiting = names.length;
    this.lastStuck = stuck;
    const moved = await Promise.all(jobs);
    if (moved.some(Boolean)) this.again = true;
    // Wake for the earliest target that holds events and is backing off — including those whose
    // delivery failed in this very cycle (their back-off started after the check above).
    for (const t of this.targets.values()) if (t.waiting > 0 && t.until > Date.now()) nextWake = Math.min(nextWake, t.until);
    // Sessions with nothing left in the spool report their ledger (when due).
    const report = await this.capture?.reporter.flush().catch((err: Error) => {
      this.log(`capture ledger report failed: ${err.message}`);
      return Date.now() + 5_000;
    });
    if (report !== undefined) nextWake = Math.min(nextWake, report);
    if (nextWake < Infinity) this.schedule(nextWake - Date.now());
  }

  private async send(name: string, target: Target, t: TargetState): Promise<boolean> {
    this.inFlight.add(name);
    try {
      const claim = await this.spool.claim(name);
      if (!claim) return false;
      let verdict: Awaited<ReturnType<typeof deliver>>;
      try {
        verdict = await deliver(this.client, target, claim.entry, REQUEST_TIMEOUT_MS, true);
      } catch (err) {
        await claim.release();
        throw err;
      }
      this.observe(t, verdict);
      this.settle(claim.entry, verdict);
      if (verdict.kind === 'retry') {
        await claim.release();
        return false;
      }
      if (verdict.kind === 'rejected') this.log(`dropped a ${claim.entry.event} event of ${claim.entry.createdAt}: the API refused it (${verdict.reason})`);
      await claim.complete();
      if (verdict.kind === 'delivered') this.onDelivered?.(claim.entry, target.apiKey);
      this.parsed.delete(name);
      return true;
    } finally {
      this.inFlight.delete(name);
    }
  }

  private loadKeys(): void {
    if (!this.keysFile) return;
    try {
      const saved = JSON.parse(fs.readFileSync(this.keysFile, 'utf8')) as Record<string, string>;
      for (const key of Object.values(saved)) if (typeof key === 'string' && key) this.keys.set(keyFingerprint(key), key);
    } catch {
      // none saved yet
    }
  }

  private saveKeys(): void {
    if (!this.keysFile) return;
    try {
      fs.mkdirSync(path.dirname(this.keysFile), { recursive: true, mode: 0o700 });
      const tmp = `${this.keysFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.keys)), { mode: 0o600 });
      fs.renameSync(tmp, this.keysFile);
    } catch (err) {
      this.log(`could not save the keys file (${(err as Error).message}); spooled events wait for the next hook after a restart`);
    }
  }
}
