/**
 * What capture tells a session's workflow (batched capture): the counts a batch of hook events
 * added to a session. The API's ingest and outbox, the workflow's catch-up and the `captured`
 * signal all carry this one shape. Types and pure values only: every layer may import it.
 */

/** Counts of events by kind and the observation tokens stored, for one session. */
export interface CaptureCounts {
  events: number;
  /** Token count of the observation text added (what summarization will read). */
  tokens: number;
  starts: number;
  stops: number;
  ends: number;
  compacts: number;
}

/** The `captured` signal's payload: counts since the last signal, and the highest sequence covered. */
export interface CaptureProgress extends CaptureCounts {
  /** Highest event sequence covered. */
  throughSequence: number;
}

export const NO_PROGRESS: CaptureProgress = { events: 0, tokens: 0, starts: 0, stops: 0, ends: 0, compacts: 0, throughSequence: 0 };

/** Two signals' worth of progress as one (a signal that repeats one already counted is dropped before). */
export function addProgress(a: CaptureProgress, b: CaptureProgress): CaptureProgress {
  return {
    events: a.events + b.events,
    tokens: a.tokens + b.tokens,
    starts: a.starts + b.starts,
    stops: a.stops + b.stops,
    ends: a.ends + b.ends,
    compacts: a.compacts + b.compacts,
    throughSequence: Math.max(a.throughSequence, b.throughSequence),
  };
}
