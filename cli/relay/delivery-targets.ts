/**
 * What the relay knows of each delivery target (an API, and the key sent to it), from what its
 * deliveries said: taking events, backing off (unreachable, 5xx, 429: exponentially, up to
 * MAX_BACKOFF_MS), or refusing the key (401/403: kept, retried slowly, reported as stuck so
 * `memflow doctor` fails until it is fixed). The lanes (lanes.ts) wait on it, and SessionStart's
 * direct delivery (start-answer.ts) reports to it too. Apart from the deliveries, it keeps what the
 * hooks' own reads said (SessionStart's context, a prompt's or a file's push: api-budget.ts): one that
 * got no answer within its budget keeps the next ones from asking for a while (5 s, doubling up to a
 * minute, until the API answers anything), so an API that hangs costs one hook its budget, not every
 * hook of every session.
 */
import type { Verdict } from '../capture/deliver.js';
import { reasonOf } from '../capture/client-ledger.js';

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** A refused key is tried again this often (it may be being set up). */
const REFUSED_RETRY_MS = 30_000;
const FIRST_QUIET_MS = 5_000;
const MAX_QUIET_MS = 60_000;

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
  /** A hook's read got no answer in time lately: until then, hooks do not ask (api-budget.ts). */
  quietUntil: number;
  quietMs: number;
  delivered: number;
  duplicates: number;
  dropped: number;
  /** Events waiting for it at the last cycle. */
  waiting: number;
  /** Until when its events go one by one: it refused a batch (an older API without POST /v1/hooks:batch). */
  singlyUntil?: number;
}

export class DeliveryTargets {
  private readonly byId = new Map<string, TargetState>();

  /**
   * The state of (url, key), created on first use; `fp` is the key's fingerprint (keyFingerprint), which
   * the spool's entries carry: a delivery cycle asks for the target of every waiting event.
   */
  of(url: string, fp: string | null): TargetState {
    const id = `${url}\0${fp ?? ''}`;
    let t = this.byId.get(id);
    if (!t) {
      t = { url, keyFingerprint: fp, refused: false, unreachable: false, until: 0, backoffMs: 0, quietUntil: 0, quietMs: 0, delivered: 0, duplicates: 0, dropped: 0, waiting: 0 };
      this.byId.set(id, t);
    }
    return t;
  }

  all(): Iterable<TargetState> {
    return this.byId.values();
  }

  /** Records what a delivery said about its target. */
  observe(t: TargetState, verdict: Verdict): void {
    const now = Date.now();
    if (verdict.kind === 'delivered') {
      t.delivered++;
      if (verdict.duplicate) t.duplicates++;
      Object.assign(t, { refused: false, unreachable: false, until: 0, backoffMs: 0, quietUntil: 0, quietMs: 0, problem: undefined, code: undefined });
    } else if (verdict.kind === 'rejected') {
      t.dropped++;
    } else if (/^40[13] /.test(verdict.reason)) {
      Object.assign(t, { refused: true, unreachable: false, until: now + REFUSED_RETRY_MS, problem: `the API refused the key (${verdict.reason})`, code: reasonOf(verdict) });
    } else {
      t.backoffMs = Math.min(MAX_BACKOFF_MS, t.backoffMs ? t.backoffMs * 2 : FIRST_BACKOFF_MS);
      Object.assign(t, { unreachable: verdict.unreachable, until: now + t.backoffMs, problem: verdict.reason, code: reasonOf(verdict) });
    }
  }

  /**
   * Records whether a hook's own read (a context or a push, outside the deliveries) got an answer:
   * any answer ends the quiet; none within its budget starts it, or doubles it when it had run out
   * (reads that were in flight together and all went unanswered count once).
   */
  observeRead(t: TargetState, answered: boolean): void {
    if (answered) {
      Object.assign(t, { quietUntil: 0, quietMs: 0 });
      return;
    }
    const now = Date.now();
    if (t.quietUntil > now) return;
    t.quietMs = Math.min(MAX_QUIET_MS, t.quietMs ? t.quietMs * 2 : FIRST_QUIET_MS);
    t.quietUntil = now + t.quietMs;
  }

  /** What every target took, and each target as the relay's health shows it. */
  totals(): { delivered: number; duplicates: number; dropped: number; targets: TargetState[] } {
    let delivered = 0;
    let duplicates = 0;
    let dropped = 0;
    for (const t of this.byId.values()) {
      delivered += t.delivered;
      duplicates += t.duplicates;
      dropped += t.dropped;
    }
    // Targets that hold nothing any more (retargeted, delivered) have no problem worth reporting.
    const targets = [...this.byId.values()].map((t) => (t.waiting > 0 ? t : { ...t, problem: undefined, refused: false }));
    return { delivered, duplicates, dropped, targets };
  }
}
