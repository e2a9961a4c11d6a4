/**
 * Heartbeats on a timer while an activity runs, for activities whose work has no progress of its own
 * to report (a model call may take a minute). With a heartbeat timeout in their preset, Temporal then
 * retries an attempt it stopped hearing from within seconds: one whose worker died, or one whose
 * completion was lost while the Temporal server restarted (the server otherwise waits out the whole
 * start-to-close timeout: a soak's closes waited four minutes on such attempts). What the timer
 * cannot tell is a call hung inside a live worker: the start-to-close timeout still bounds that.
 */
import { Context } from '@temporalio/activity';

/** Often enough for any heartbeat timeout of 15 s or more (the SDK sends at most one per 80 % of it). */
export const HEARTBEAT_EVERY_MS = 5000;

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * A heartbeat on progress (a page read, a batch summarized, a chunk written), sent only once the
 * attempt has run `afterMs`. The SDK sends an attempt's first heartbeat to the server at once, so
 * every short attempt that reported progress cost Temporal a RecordActivityTaskHeartbeat (a write
 * of the workflow's mutable state): nearly one per activity in bench:ingest, where most attempts end
 * in well under a second and no heartbeat timeout (20 s or more) has anything to notice. A long
 * attempt heartbeats as before from `afterMs` on, well inside every heartbeat timeout. Does nothing
 * outside an activity (tests call activities directly).
 */
export function progressHeartbeat(details?: unknown, afterMs = HEARTBEAT_EVERY_MS): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return; // not inside an activity
  }
  if (ctx.info.isLocal) return; // a local activity has no heartbeat: its workflow task is kept alive instead
  const since = ctx.info.currentAttemptScheduledTimestampMs;
  if (since > 0 && Date.now() - since < afterMs) return;
  ctx.heartbeat(details);
}

/** `activity`, heartbeating every `everyMs` until it settles. */
export function heartbeating<F extends AnyActivity>(activity: F, everyMs = HEARTBEAT_EVERY_MS): F {
  return (async (...args: Parameters<F>) => {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), everyMs);
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
    }
  }) as F;
}

/** Every activity of `activities`, heartbeating (see heartbeating()). */
export function allHeartbeating<T extends Record<string, AnyActivity>>(activities: T, everyMs = HEARTBEAT_EVERY_MS): T {
  return Object.fromEntries(Object.entries(activities).map(([name, f]) => [name, heartbeating(f, everyMs)])) as T;
}
