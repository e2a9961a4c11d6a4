/**
 * Delivering hook events to the API, and what each answer means for an event:
 * - `delivered`: 2xx. The API made the event durable (a repeat is stored once: same Idempotency-Key).
 * - `retry`: worth another attempt later: no answer (unreachable, timed out, cut off), 5xx, 429,
 *   408, and 401/403 (wrong or missing credentials are a setup problem, not bad input; the event is
 *   kept so nothing is lost once the key is fixed).
 * - `rejected`: any other 4xx. The event itself is bad (400 validation, 413 too large, 404 unknown
 *   route); it would never succeed, so it is dropped with one line on stderr.
 */
import crypto from 'node:crypto';
import { apiErrorOf, jsonOrUndefined } from '../../clients/core.js';
import { apiPaths } from '../../clients/api-paths.js';
import type { HttpClient, HttpOutcome } from '../node-http.js';
import type { Claim, Spool, SpoolEntry, SpoolTarget } from './spool.js';
import type { ClientLedger } from './client-ledger.js';
import { settledEntry } from './ingress.js';
import { UNBATCHED_HOOK_EVENTS } from '../../messages/hooks-v1.js';

export type Verdict =
  | { kind: 'delivered'; status: number; body: string; duplicate: boolean }
  | { kind: 'retry'; reason: string; unreachable: boolean; stopsFlush: boolean; /** No answer within the timeout (the API may hang). */ timedOut?: true }
  | { kind: 'rejected'; reason: string };

export interface Target {
  baseUrl: string;
  apiKey: string;
  /** The capture ledger's client id (X-Memflow-Client): the API counts what this client delivered. */
  clientId?: string;
}

/** A key's identity in the spool: enough to tell keys apart, useless to anyone who reads the file. */
export const keyFingerprint = (key: string): string => crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);

export const spoolTargetOf = (baseUrl: string, key: string | undefined): SpoolTarget => ({ url: baseUrl, key: key ? keyFingerprint(key) : null });

/**
 * Which spooled entries a flush may deliver with `target`. An entry goes only to the API and the key
 * it was meant for: another tenant's key must never carry it (a hook flushes with whatever key its
 * own environment has). `adoptUnbound` (an explicit `memflow spool flush`) also delivers entries
 * spooled to this API while no key was set, and entries written before targets were recorded.
 */
export function entryBelongsTo(entry: SpoolEntry, target: Target, adoptUnbound = false): boolean {
  if (!entry.target) return adoptUnbound;
  if (entry.target.url !== target.baseUrl) return false;
  if (entry.target.key === null) return adoptUnbound;
  return entry.target.key === keyFingerprint(target.apiKey);
}

export function describeAnswer(status: number, body: string): string {
  const e = apiErrorOf(jsonOrUndefined(body));
  return e ? `${status} ${e.code}: ${e.message}` : `HTTP ${status}`;
}

export function judge(outcome: HttpOutcome): Verdict {
  if (outcome.kind === 'network') {
    return { kind: 'retry', reason: `API unreachable (${outcome.code})`, unreachable: true, stopsFlush: true, ...(outcome.code === 'ETIMEDOUT' ? { timedOut: true as const } : {}) };
  }
  const { status, body } = outcome;
  if (status >= 200 && status < 300) {
    return { kind: 'delivered', status, body, duplicate: outcome.headers['x-memflow-duplicate'] === 'true' };
  }
  const reason = describeAnswer(status, body);
  if (status >= 500 || status === 429 || status === 408 || status === 401 || status === 403) {
    // A plain 500 may be about this one event (a bug); anything else says the API is not taking
    // events right now, so a flush stops instead of hammering it.
    return { kind: 'retry', reason, unreachable: false, stopsFlush: status !== 500 };
  }
  return { kind: 'rejected', reason };
}

export async function deliver(
  client: HttpClient,
  target: Target,
  spooledEntry: SpoolEntry,
  timeoutMs: number,
  spooled = false,
  /**
   * The verdict of each event read from the host's transcript at delivery and sent ahead of this one (settledEntry),
   * once the API settled it (stored or rejected): one it could not take now is read again at this entry's next delivery.
   */
  onBefore?: (entry: SpoolEntry, verdict: Verdict) => void,
): Promise<Verdict> {
  // An event whose host had not yet written the transcript line it needs is completed now, with at
  // most half of the request's time (a hook's budget is the agent's).
  const started = Date.now();
  const { entry, before } = await settledEntry(spooledEntry, timeoutMs / 2);
  const left = () => Math.max(1, timeoutMs - (Date.now() - started));
  // What the transcript then held ahead of it (a turn's tool calls): stored first, in order; one the API cannot take
  // now keeps this entry in the spool (its next delivery reads them again: their keys store each once).
  for (const b of before) {
    const verdict = await post(client, target, b, left(), spooled);
    if (verdict.kind === 'retry') return verdict;
    onBefore?.(b, verdict);
  }
  return post(client, target, entry, left(), spooled);
}

/** What a batch delivery said: a verdict per event, one for the whole batch (nothing stored), or that the API does not take batches. */
export type BatchVerdict = { kind: 'each'; verdicts: Verdict[] } | { kind: 'whole'; verdict: Verdict & { kind: 'retry' } } | { kind: 'unsupported'; reason: string };

/** The events a batch may hold: not those answered with memory, nor one still to be read from the host's transcript. */
export const batchable = (entry: SpoolEntry): boolean => !UNBATCHED_HOOK_EVENTS.has(entry.event) && !entry.settle && entry.project !== undefined;

/**
 * Spooled events of one session and project delivered in one request (POST /v1/hooks:batch), stored
 * in this order; each gets the verdict its own delivery would have got. An API without the route (an
 * older server) or one that refuses the batch as a whole says `unsupported`: the caller delivers the
 * events one by one, so a batch-level problem never drops an event.
 */
export async function deliverBatch(client: HttpClient, target: Target, entries: SpoolEntry[], timeoutMs: number): Promise<BatchVerdict> {
  const headers = { ...targetHeaders(target, entries[0]!), 'x-memflow-spooled': '1' };
  const events = entries.map((e) => ({ event: e.event, payload: e.body, idempotencyKey: e.idempotencyKey, occurredAt: e.occurredAt ?? e.createdAt }));
  const outcome = await client.request({ method: 'POST', url: `${target.baseUrl}${apiPaths.hookBatch()}`, headers, body: JSON.stringify({ events }), timeoutMs });
  const whole = judge(outcome);
  if (whole.kind === 'retry') return { kind: 'whole', verdict: whole };
  if (whole.kind === 'rejected') return { kind: 'unsupported', reason: whole.reason };
  const results = (jsonOrUndefined(whole.body) as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results) || results.length !== entries.length) return { kind: 'unsupported', reason: 'the API answered the batch without a result per event' };
  const verdicts: Verdict[] = [];
  for (const r of results as { status?: unknown; duplicate?: unknown; error?: { code?: unknown; message?: unknown } }[]) {
    if (r?.status === 200) verdicts.push({ kind: 'delivered', status: 200, body: '{}', duplicate: r.duplicate === true });
    else if (typeof r?.status === 'number' && r.status >= 400 && r.status < 500) verdicts.push({ kind: 'rejected', reason: `${r.status} ${String(r.error?.code)}: ${String(r.error?.message)}` });
    else return { kind: 'unsupported', reason: `the API answered an event of the batch with ${JSON.stringify(r).slice(0, 100)}` };
  }
  return { kind: 'each', verdicts };
}

/** The headers of every delivery: the key, this client's ledger id, the entry's project and its repository's key. */
function targetHeaders(target: Target, entry: SpoolEntry): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}`, 'user-agent': 'memflow-hook' };
  if (target.clientId) headers['x-memflow-client'] = target.clientId;
  if (entry.project) headers['x-memflow-project'] = entry.project;
  if (entry.projectKey) headers['x-memflow-project-key'] = entry.projectKey;
  return headers;
}

async function post(client: HttpClient, target: Target, entry: SpoolEntry, requestMs: number, spooled: boolean): Promise<Verdict> {
  const headers: Record<string, string> = { ...targetHeaders(target, entry), 'idempotency-key': entry.idempotencyKey };
  // Counted by the API (memflow_spooled_deliveries_total): how much arrives late, from spools.
  // A spooled event is stored with the time it happened, not the time it finally arrived.
  if (spooled) headers['x-memflow-spooled'] = '1';
  // A prompt delivered behind the agent has no one to push memory to: the API skips building it.
  if (spooled && entry.event === 'user-prompt-submit') headers['x-memflow-push'] = 'off';
  // A tool call read from the host's transcript at the end of its turn is stored as of when it ran.
  const occurred = entry.occurredAt ?? (spooled ? entry.createdAt : undefined);
  if (occurred) headers['x-memflow-occurred-at'] = occurred;
  const outcome = await client.request({
    method: 'POST',
    url: `${target.baseUrl}${apiPaths.hook(entry.event)}`,
    headers,
    body: JSON.stringify(entry.body),
    timeoutMs: requestMs,
  });
  return judge(outcome);
}

export interface FlushReport {
  delivered: number;
  /** Of those, how many the API already had (a repeat after a lost answer or a stale claim). */
  duplicates: number;
  dropped: number;
  /** Left in the spool for a later attempt. */
  skipped: number;
  /** Left for another API or key (see entryBelongsTo). */
  foreign: number;
  /** Why the flush stopped early, if it did. */
  stoppedBy?: string;
  unreachable: boolean;
}

/**
 * Delivers waiting entries, oldest first, until the spool is empty, `until` (epoch ms) passes, or
 * the API answers in a way that says it is not taking events. Other processes may flush at the same
 * time: each entry is claimed by exactly one of them.
 */
export async function flushSpool(
  spool: Spool,
  client: HttpClient,
  target: Target,
  opts: { until: number; maxRequestMs: number; log: (line: string) => void; rounds?: number; adoptUnbound?: boolean; ledger?: ClientLedger },
): Promise<FlushReport> {
  const report: FlushReport = { delivered: 0, duplicates: 0, dropped: 0, skipped: 0, foreign: 0, unreachable: false };
  // One listing per round; a later round picks up entries spooled meanwhile (spool flush uses it).
  const skipped = new Set<string>(); // tried once in this flush and kept: not again until next time
  for (let round = 0; round < (opts.rounds ?? 1); round++) {
    const names = (await spool.waiting()).filter((n) => !skipped.has(n));
    let claimedAny = false;
    for (const name of names) {
      const left = opts.until - Date.now();
      if (left <= 0) return { ...report, stoppedBy: report.stoppedBy ?? 'time budget used up' };
      const claim: Claim | undefined = await spool.claim(name);
      if (!claim) continue;
      if (!entryBelongsTo(claim.entry, target, opts.adoptUnbound)) {
        // Another API's or another key's: left for a hook (or flush) that has that target.
        await claim.release();
        skipped.add(name);
        report.foreign++;
        continue;
      }
      claimedAny = true;
      let verdict: Verdict;
      try {
        verdict = await deliver(client, target, claim.entry, Math.min(left, opts.maxRequestMs), true, (e, v) => opts.ledger?.recordVerdict(e, v));
      } catch (err) {
        await claim.release();
        throw err;
      }
      opts.ledger?.recordVerdict(claim.entry, verdict);
      if (verdict.kind === 'delivered') {
        await claim.complete();
        report.delivered++;
        if (verdict.duplicate) report.duplicates++;
      } else if (verdict.kind === 'rejected') {
        await claim.complete();
        report.dropped++;
        opts.log(`dropped a spooled ${claim.entry.event} event from ${claim.entry.createdAt}: the API refused it (${verdict.reason})`);
      } else {
        await claim.release();
        skipped.add(name);
        report.skipped++;
        if (verdict.stopsFlush) return { ...report, stoppedBy: verdict.reason, unreachable: verdict.unreachable };
      }
    }
    if (!claimedAny) break;
  }
  return report;
}
