/**
 * The relay's capture ledger reports (cli/capture/client-ledger.ts): once a session has nothing left in the spool,
 * its counts go to the API (POST /v1/sessions/{id}/ledger, with the key its events went with) — at
 * once when its SessionEnd is settled, otherwise at most every `intervalMs` while it runs, so a busy
 * session costs the API one small request a minute, not one per event. A report the API did not
 * take (down, refused key) is sent again later; a restarted relay reports what its predecessor
 * left unreported.
 */
import { apiErrorOf, jsonOrUndefined } from '../../clients/core.js';
import { apiPaths } from '../../clients/api-paths.js';
import type { LedgerReport } from '../../messages/capture-ledger-v1.js';
import type { HttpClient } from '../node-http.js';
import type { ClientLedger, SessionLedger } from '../capture/client-ledger.js';
import type { Spool } from '../capture/spool.js';

/** How often a running session's counts are reported at most (MEMFLOW_LEDGER_REPORT_MS). */
export const DEFAULT_REPORT_INTERVAL_MS = 60_000;
const REPORT_TIMEOUT_MS = 5_000;
/** After a report the API did not take, the session waits this long before the next try. */
const RETRY_MS = 5_000;

export class LedgerReporter {
  /** Sessions with outcomes not reported yet -> whether to report as soon as their lane is empty (SessionEnd settled, or found unreported). */
  private readonly dirty = new Map<string, { ended: boolean }>();
  private readonly lastTry = new Map<string, number>();
  /** When a session first had something to report: a running session's first report waits the interval too. */
  private readonly since = new Map<string, number>();
  private counter = Date.now();
  /** When the ledger directory was last looked at for what other processes (the Node client, `spool flush`) wrote. */
  private lastScan = Date.now();
  /** Reports the API took (health, tests). */
  sent = 0;
  lastProblem: string | undefined;

  constructor(
    private readonly ledger: ClientLedger,
    private readonly spool: Spool,
    private readonly client: HttpClient,
    /** The key a fingerprint stands for, if the relay holds it. */
    private readonly keyOf: (fingerprint: string) => string | undefined,
    private readonly log: (line: string) => void,
    private readonly intervalMs = DEFAULT_REPORT_INTERVAL_MS,
  ) {
    for (const session of ledger.unreported()) this.dirty.set(session, { ended: true });
  }

  /** An outcome of `session`'s event was written. */
  touch(session: string, event: string): void {
    const d = this.dirty.get(session) ?? { ended: false };
    if (event === 'session-end') d.ended = true;
    this.dirty.set(session, d);
    if (!this.since.has(session)) this.since.set(session, Date.now());
  }

  get waiting(): number {
    return this.dirty.size;
  }

  /** Sends the reports that are due; resolves to when the next one is (epoch ms), if any. */
  async flush(now = Date.now()): Promise<number | undefined> {
    if (now - this.lastScan >= this.intervalMs) {
      this.lastScan = now;
      for (const session of this.ledger.unreported()) if (!this.dirty.has(session)) this.dirty.set(session, { ended: true });
    }
    // An ended session at once (then every RETRY_MS until the API takes it); a running one once the interval passed.
    const dueAt = (s: string, d: { ended: boolean }) => (d.ended ? (this.lastTry.get(s) ?? 0) + RETRY_MS : (this.lastTry.get(s) ?? this.since.get(s) ?? 0) + this.intervalMs);
    const due = [...this.dirty].filter(([s, d]) => dueAt(s, d) <= now);
    let next: number | undefined = this.lastScan + this.intervalMs;
    for (const [s, d] of this.dirty) if (!due.some(([x]) => x === s)) next = Math.min(next, dueAt(s, d));
    if (due.length === 0) return next;
    let held = await this.spool.heldEvents();
    for (const [session] of due) {
      let pending = new Set(held.filter((h) => h.session === session).map((h) => h.idempotencyKey));
      if (pending.size > 0) continue; // its lane reports once it is empty
      let summary = this.ledger.summarize(session, pending);
      if (summary.counts.lost > 0) {
        // An event may have been between two names (claimed, released) while the spool was read.
        held = await this.spool.heldEvents();
        pending = new Set(held.filter((h) => h.session === session).map((h) => h.idempotencyKey));
        if (pending.size > 0) continue;
        summary = this.ledger.summarize(session, pending);
      }
      this.lastTry.set(session, now);
      if (await this.send(summary)) {
        this.dirty.delete(session);
        if (summary.ended) this.since.delete(session);
      } else next = Math.min(next, now + RETRY_MS);
    }
    return next;
  }

  private async send(summary: SessionLedger): Promise<boolean> {
    const key = summary.keyFingerprint ? this.keyOf(summary.keyFingerprint) : undefined;
    if (!summary.url || !key) return true; // never delivered anywhere with a key: nothing to report to
    const counter = ++this.counter;
    const report: LedgerReport = { clientId: this.ledger.clientId(), counter, counts: summary.counts };
    const outcome = await this.client.request({
      method: 'POST',
      url: `${summary.url}${apiPaths.sessionLedger(summary.session)}`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'memflow-relay' },
      body: JSON.stringify(report),
      timeoutMs: REPORT_TIMEOUT_MS,
    });
    if (outcome.kind === 'response' && outcome.status === 200) {
      this.ledger.reported(summary.session, counter);
      this.sent++;
      const answer = jsonOrUndefined(outcome.body) as { flagged?: boolean; unexplained?: number } | undefined;
      if (answer?.flagged) this.log(`the capture ledger of session ${summary.session} does not reconcile: ${answer.unexplained} event(s) unexplained`);
      return true;
    }
    // No session on the API (none of its events was stored): its ledger stays here (memflow spool status).
    if (outcome.kind === 'response' && outcome.status === 404) return true;
    this.lastProblem = outcome.kind === 'network' ? `API unreachable (${outcome.code})` : `${outcome.status} ${apiErrorOf(jsonOrUndefined(outcome.body))?.code ?? ''}`.trim();
    return false;
  }
}
