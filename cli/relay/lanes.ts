/**
 * The relay's delivery of spooled events to the API: one lane per (target, session), each lane in
 * the order its events happened, several lanes at once. A lane's head waits while its target is
 * backing off or refuses the key (delivery-targets.ts), and while its session is busy
 * (session-activity.ts). Entries whose key the relay does not hold (relay-keys.ts: no key was set
 * when they were captured, or one captured before the relay last started and not seen since) wait as
 * stuck until a hook brings that key or the user retargets them.
 *
 * The spool directory is the queue: the relay's own entries are known as it writes them, and the
 * directory is listed again at a cycle once the last listing is a second old (Spool relistMs), so
 * entries written by the Node fallback client or retargeted by `memflow spool retarget` are picked
 * up like the relay's own, at most that much later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { batchable, deliver, deliverBatch, type Target, type Verdict } from '../capture/deliver.js';
import type { HttpClient } from '../node-http.js';
import type { Claim, Spool, SpoolEntry } from '../capture/spool.js';
import type { ClientLedger } from '../capture/client-ledger.js';
import type { LedgerReporter } from './ledger-report.js';
import { DeliveryTargets, type TargetState } from './delivery-targets.js';
import { RelayKeys } from './relay-keys.js';
import { SessionActivity, type LaneTiming } from './session-activity.js';

const MAX_IN_FLIGHT = 4;
const REQUEST_TIMEOUT_MS = 10_000;
/** A lane's events that go in one request at most (POST /v1/hooks:batch), and their JSON's size at most. */
const BATCH_MAX_EVENTS = 50;
const BATCH_MAX_BYTES = 1024 * 1024;
/** How long a target that refused a batch gets its events one by one before a batch is tried again. */
const SINGLY_MS = 10 * 60_000;

export interface LaneStats {
  waiting: number;
  stuck: number;
  delivered: number;
  duplicates: number;
  dropped: number;
  inFlight: number;
  /** Of the delivered, how many went in batches (POST /v1/hooks:batch). */
  batched: number;
  targets: TargetState[];
}

export class Lanes {
  /** The keys hooks brought, by fingerprint. */
  readonly keys: RelayKeys;
  /** Each target's back-off and counts. */
  readonly targets = new DeliveryTargets();
  /** When each session's events may go out. */
  readonly activity: SessionActivity;
  private readonly parsed = new Map<string, SpoolEntry | null>();
  private readonly inFlight = new Set<string>();
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private batched = 0;
  private lastWaiting = 0;
  private lastStuck = 0;
  /** Told of every event the API took (with the key it went with). */
  onDelivered?: (entry: SpoolEntry, key: string) => void;
  /** The capture ledger: every outcome is written to it, and reported once a session's lane is empty. */
  capture?: { ledger: ClientLedger; reporter: LedgerReporter };
  closed = false;

  constructor(
    private readonly spool: Spool,
    private readonly client: HttpClient,
    private readonly log: (line: string) => void,
    keysFile?: string,
    timing: Partial<LaneTiming> = {},
  ) {
    this.keys = new RelayKeys(keysFile, log);
    this.activity = new SessionActivity(timing);
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

  /** Writes an event's outcome to the capture ledger (a delivery's verdict, or why the relay dropped it). */
  settle(entry: SpoolEntry, outcome: Verdict | { dropped: string }): void {
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

  stats(): LaneStats {
    const { delivered, duplicates, dropped, targets } = this.targets.totals();
    return { waiting: this.lastWaiting, stuck: this.lastStuck, delivered, duplicates, dropped, inFlight: this.inFlight.size, batched: this.batched, targets };
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
      if (!this.running && this.inFlight.size === 0 && (await this.spool.waiting(Date.now(), true)).length === 0) return true;
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
      e = JSON.parse(this.spool.writtenText(name) ?? fs.readFileSync(path.join(this.spool.dir, name), 'utf8')) as SpoolEntry;
    } catch {
      e = null; // claimed meanwhile, or corrupt: the spool's own status reports corrupt files
    }
    this.parsed.set(name, e);
    return e;
  }

  private async cycle(): Promise<void> {
    // Answered from the relay's view of the spool (Spool relistMs): a cycle once the view is old sees what other processes
    // wrote meanwhile, as a cycle that listed the directory now would have.
    const { names, viewUntil } = await this.spool.waitingView();
    const live = new Set(names);
    for (const n of this.parsed.keys()) if (!live.has(n) && !this.inFlight.has(n)) this.parsed.delete(n);
    const lanes = new Map<string, { name: string; entry: SpoolEntry; session: string; names: string[] }>();
    let stuck = 0;
    for (const t of this.targets.all()) t.waiting = 0;
    for (const name of names) {
      const entry = this.entryOf(name);
      if (!entry) continue;
      const fp = entry.target?.key;
      const known = fp ? this.keys.get(fp) : undefined;
      if (entry.target && known) {
        const t = this.targets.of(entry.target.url, entry.target.key);
        t.waiting++;
        // Every event waiting behind a target that is not taking events is held (not only each lane's head).
        if (t.code && (t.refused || t.until > Date.now())) this.capture?.ledger.record(entry, 'held', t.code);
      }
      const session = typeof entry.body.session_id === 'string' ? entry.body.session_id : '';
      const lane = `${entry.target?.url ?? ''}\0${entry.target?.key ?? ''}\0${session}`;
      const held = lanes.get(lane);
      if (held) held.names.push(name);
      else lanes.set(lane, { name, entry, session, names: [name] });
    }
    const now = Date.now();
    let nextWake = viewUntil ?? Infinity;
    const jobs: Promise<boolean>[] = [];
    for (const { name, entry, session, names: laneNames } of lanes.values()) {
      if (this.inFlight.has(name)) continue;
      const key = entry.target?.key ? this.keys.get(entry.target.key) : undefined;
      if (!entry.target || !key) {
        stuck++;
        continue;
      }
      const t = this.targets.of(entry.target.url, entry.target.key);
      if (t.refused) stuck++;
      if (t.until > now) {
        nextWake = Math.min(nextWake, t.until);
        continue;
      }
      const ready = this.activity.readyAt(session, entry);
      if (ready > now) {
        nextWake = Math.min(nextWake, ready);
        continue;
      }
      // Requests at once (a batch is one; cycles never overlap, so this cycle's jobs are all that is in flight).
      if (jobs.length >= MAX_IN_FLIGHT) {
        this.again = true;
        break;
      }
      const run = (t.singlyUntil ?? 0) > now ? [] : this.batchRun(laneNames);
      jobs.push(run.length > 1 ? this.sendBatch(run, this.deliveryTarget(entry.target.url, key), t) : this.send(name, this.deliveryTarget(entry.target.url, key), t));
    }
    this.lastWaiting = names.length;
    this.lastStuck = stuck;
    const moved = await Promise.all(jobs);
    if (moved.some(Boolean)) this.again = true;
    // Wake for the earliest target that holds events and is backing off — including those whose
    // delivery failed in this very cycle (their back-off started after the check above).
    for (const t of this.targets.all()) if (t.waiting > 0 && t.until > Date.now()) nextWake = Math.min(nextWake, t.until);
    // Sessions with nothing left in the spool report their ledger (when due).
    const report = await this.capture?.reporter.flush().catch((err: Error) => {
      this.log(`capture ledger report failed: ${err.message}`);
      return Date.now() + 5_000;
    });
    if (report !== undefined) nextWake = Math.min(nextWake, report);
    if (nextWake < Infinity) this.schedule(nextWake - Date.now());
  }

  /**
   * The lane's events from its head that go in one batch: those a batch may hold (deliver.ts `batchable`), of the
   * head's project, up to BATCH_MAX_EVENTS and BATCH_MAX_BYTES; the first that may not ends the run (order is kept).
   */
  private batchRun(names: string[]): { name: string; entry: SpoolEntry }[] {
    const run: { name: string; entry: SpoolEntry }[] = [];
    let bytes = 0;
    for (const name of names) {
      const entry = this.entryOf(name);
      if (!entry || !batchable(entry) || this.inFlight.has(name) || run.length >= BATCH_MAX_EVENTS) break;
      const head = run[0]?.entry;
      if (head && (entry.project !== head.project || entry.projectKey !== head.projectKey)) break;
      bytes += (this.spool.writtenText(name)?.length ?? JSON.stringify(entry.body).length) + 200;
      if (head && bytes > BATCH_MAX_BYTES) break;
      run.push({ name, entry });
    }
    return run;
  }

  /**
   * A lane's run of events in one request. Each is claimed (the run ends at one another process took), and settled as
   * its own delivery would settle it; a verdict on the whole batch (the API unreachable, the key refused) keeps them
   * all; an API that refuses batches gets this target's events one by one for a while (the next cycle sends them).
   */
  private async sendBatch(run: { name: string; entry: SpoolEntry }[], target: Target, t: TargetState): Promise<boolean> {
    for (const r of run) this.inFlight.add(r.name);
    const claims: { name: string; claim: Claim }[] = [];
    try {
      for (const r of run) {
        const claim = await this.spool.claim(r.name);
        if (!claim) break;
        claims.push({ name: r.name, claim });
      }
      if (claims.length === 0) return false;
      const releaseAll = () => Promise.all(claims.map((c) => c.claim.release()));
      let answer: Awaited<ReturnType<typeof deliverBatch>>;
      try {
        answer = await deliverBatch(this.client, target, claims.map((c) => c.claim.entry), REQUEST_TIMEOUT_MS);
      } catch (err) {
        await releaseAll();
        throw err;
      }
      if (answer.kind === 'unsupported') {
        t.singlyUntil = Date.now() + SINGLY_MS;
        this.log(`the API at ${target.baseUrl} did not take a batch of events (${answer.reason}); sending them one by one`);
        await releaseAll();
        return true;
      }
      if (answer.kind === 'whole') {
        this.targets.observe(t, answer.verdict);
        for (const c of claims) this.settle(c.claim.entry, answer.verdict);
        await releaseAll();
        return false;
      }
      for (const [i, { name, claim }] of claims.entries()) {
        const verdict = answer.verdicts[i]!;
        if (verdict.kind === 'delivered') this.batched++;
        await this.finish(name, claim, verdict, target, t);
      }
      return true;
    } finally {
      for (const r of run) this.inFlight.delete(r.name);
    }
  }

  private async send(name: string, target: Target, t: TargetState): Promise<boolean> {
    this.inFlight.add(name);
    try {
      const claim = await this.spool.claim(name);
      if (!claim) return false;
      let verdict: Verdict;
      try {
        verdict = await deliver(this.client, target, claim.entry, REQUEST_TIMEOUT_MS, true, (e, v) => this.settle(e, v));
      } catch (err) {
        await claim.release();
        throw err;
      }
      return await this.finish(name, claim, verdict, target, t);
    } finally {
      this.inFlight.delete(name);
    }
  }

  /**
   * Settles a claimed event by its verdict, alone or from a batch: the target and the ledger told; kept in the spool for
   * a retry (false), else taken out of it (true) — dropped with a line when the API refused it.
   */
  private async finish(name: string, claim: Claim, verdict: Verdict, target: Target, t: TargetState): Promise<boolean> {
    this.targets.observe(t, verdict);
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
  }
}
