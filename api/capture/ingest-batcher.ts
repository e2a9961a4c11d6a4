/**
 * Makes hook events durable with group commit: concurrent hook requests share one multi-row
 * statement (ingest-statement.ts), and each request is answered only after the statement that holds
 * its row committed. While one batch is in the database the next requests gather; a batch that loses
 * a race with a concurrent one (unique violation, deadlock) is run again, then event by event. The
 * same event twice in one batch is written once. After each batch, what it added per session is
 * handed to the dispatcher.
 */
import type { PgPool } from '../../common/server/pg.js';
import type { CaptureCounts } from '../../messages/capture-v1.js';
import { ingestMany, KEY_REVOKED, type IngestInput, type IngestOutcome } from './ingest-statement.js';

/** A concurrent batch committed the same event first (23505), or the two batches deadlocked (40P01). */
const lostRace = (err: unknown) => ['23505', '40P01'].includes((err as { code?: string }).code ?? '');

export interface IngestBatcher {
  ingest(input: IngestInput): Promise<IngestOutcome>;
  /** Resolves when every queued event has been written (or failed). */
  drain(): Promise<void>;
}

/** What one committed batch added to one session (the dispatcher's input). */
export interface CapturedBatch extends CaptureCounts {
  sessionId: string;
}

/** Per session, what the fresh (not repeated) events of a batch were. */
export function capturedBy(inputs: IngestInput[], outcomes: IngestOutcome[]): CapturedBatch[] {
  const by = new Map<string, CapturedBatch>();
  inputs.forEach((input, n) => {
    const o = outcomes[n];
    if (!o || o === KEY_REVOKED || o.duplicate) return;
    const c = by.get(o.sessionId) ?? { sessionId: o.sessionId, events: 0, tokens: 0, starts: 0, stops: 0, ends: 0, compacts: 0 };
    c.events++;
    c.tokens += input.item?.tokens ?? 0;
    if (input.event === 'session-start') c.starts++;
    else if (input.event === 'stop') c.stops++;
    else if (input.event === 'session-end') c.ends++;
    else if (input.event === 'pre-compact' || input.event === 'post-compact') c.compacts++;
    by.set(o.sessionId, c);
  });
  return [...by.values()];
}

export interface BatcherOptions {
  /** Called after each committed batch with what it added per session (never throws into the batch). */
  onCaptured?: (sessions: CapturedBatch[]) => void;
  /** Most events in one statement. */
  maxBatch?: number;
  /** Statements in flight at once (each holds a pool connection); 2 by default. */
  maxConcurrent?: number;
  /** Count events from ledger-keeping hook clients on their sessions (the capture ledger; default on). */
  ledger?: boolean;
}

interface Waiting {
  input: IngestInput;
  resolve(o: IngestOutcome): void;
  reject(err: unknown): void;
}

export function createIngestBatcher(pool: PgPool, opts: BatcherOptions = {}): IngestBatcher {
  const maxBatch = opts.maxBatch ?? 200;
  // Two statements in flight: one committing (its WAL flush) while the next runs. More only split
  // the waiting requests into smaller batches, and each statement has a fixed cost (~3.5 ms of
  // PostgreSQL CPU for planning and commit, one socket write in the API) that a batch shares.
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const ledger = opts.ledger ?? true;
  let queue: Waiting[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  const write = async (inputs: IngestInput[]): Promise<IngestOutcome[]> => {
    try {
      return await ingestMany(pool, inputs, ledger);
    } catch (err) {
      if (!lostRace(err)) throw err;
    }
    try {
      return await ingestMany(pool, inputs, ledger); // the winner's rows are now visible as duplicates
    } catch (err) {
      if (!lostRace(err)) throw err;
    }
    const out: IngestOutcome[] = [];
    for (const input of inputs) out.push((await ingestMany(pool, [input], ledger))[0]!);
    return out;
  };

  const run = async (batch: Waiting[]) => {
    // The same event twice in one batch: written once, the repeat answered as its duplicate.
    const leaders = new Map<string, Waiting>();
    const repeats: [Waiting, Waiting][] = [];
    for (const w of batch) {
      const k = `${w.input.tenantId}\u0000${w.input.idempotencyKey}`;
      const leader = leaders.get(k);
      if (leader) repeats.push([w, leader]);
      else leaders.set(k, w);
    }
    const unique = [...leaders.values()];
    try {
      const inputs = unique.map((w) => w.input);
      const outcomes = await write(inputs);
      const byWaiting = new Map(unique.map((w, i) => [w, outcomes[i]!]));
      for (const w of unique) w.resolve(byWaiting.get(w)!);
      for (const [w, leader] of repeats) {
        const o = byWaiting.get(leader)!;
        w.resolve(o === KEY_REVOKED ? o : { ...o, duplicate: true });
      }
      try {
        opts.onCaptured?.(capturedBy(inputs, outcomes));
      } catch {
        // the outbox holds what is owed: the sweeper sends it
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  const kick = () => {
    while (running < maxConcurrent && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      running++;
      void run(batch).finally(() => {
        running--;
        kick();
      });
    }
    if (running === 0 && queue.length === 0) {
      for (const f of idle) f();
      idle = [];
    }
  };

  return {
    ingest(input) {
      return new Promise<IngestOutcome>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        kick();
      });
    },
    drain() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((r) => idle.push(r));
    },
  };
}
