/**
 * When a session's events may go out: delivery waits while the agent is busy. A session's events go
 * out once it has been quiet for `quietMs` (the agent waits for its model, a tool runs, the turn
 * ended) or once its oldest waiting event is `maxDeferMs` old, and `endQuietMs` after its SessionEnd
 * (the agent is exiting: a moment later it is gone). The API's work for an event (storing it, and
 * the worker's summaries behind it) then never competes for the CPU with the agent's own next step
 * or its exit when the API runs on the same machine; measured in the real Claude Code, delivering
 * during a burst of tool calls cost the agent tens of milliseconds per call (docs/claude-code.md),
 * and in Gemini CLI, whose turn's calls all reach the relay at the turn's end, delivering them at
 * once after SessionEnd cost its exit about 100 ms in 12-call sessions (docs/hosts.md).
 * For a host that runs no hook for most tool calls (Gemini CLI, Copilot CLI: their calls are read from
 * their transcripts at the turn's end, HostAdapter.callsAtTurnEnd) a turn is busy from its prompt to its
 * stop: a quiet gap there is the agent working, not waiting, and delivering the session's start and
 * prompt then put the API's and the worker's work for them (the session's workflow start) beside the
 * agent's tool calls (docs/benchmarks.md, 2026-12-01). Within such a turn only maxDeferMs lets events out.
 */
import type { SpoolEntry } from '../capture/spool.js';

/** A session counts as busy while its hooks come closer together than this. */
export const DEFAULT_QUIET_MS = 400;
/** After a SessionEnd, what is left goes out this much later: the agent's process exits meanwhile. */
export const DEFAULT_END_QUIET_MS = 300;
/** The longest an event waits for its session to go quiet (what a live view lags at most). */
export const DEFAULT_MAX_DEFER_MS = 5_000;
/** Events inside a turn: after them the turn goes on (a stop, a session's start or end ends it; so does anything else). */
const TURN_GOES_ON = new Set(['post-tool-use', 'post-tool-use-failure', 'pre-tool-use', 'pre-compact', 'post-compact', 'notification', 'subagent-stop']);
/** Sessions whose activity is remembered (the oldest are forgotten beyond it). */
const MAX_TRACKED_SESSIONS = 1_000;

export interface LaneTiming {
  quietMs: number;
  maxDeferMs: number;
  endQuietMs: number;
}

export class SessionActivity {
  /** session_id -> when its last hook came, whether it ended (SessionEnd), and whether a turn is under way (a prompt, no stop yet). */
  private readonly activity = new Map<string, { at: number; ended: boolean; inTurn: boolean }>();
  private readonly timing: LaneTiming;

  constructor(timing: Partial<LaneTiming> = {}) {
    const quietMs = timing.quietMs ?? DEFAULT_QUIET_MS;
    // A relay told to deliver at once (quietMs 0) does so after a SessionEnd too.
    this.timing = { quietMs, maxDeferMs: timing.maxDeferMs ?? DEFAULT_MAX_DEFER_MS, endQuietMs: timing.endQuietMs ?? Math.min(DEFAULT_END_QUIET_MS, quietMs) };
  }

  /** A hook of `session` came now (its event is in the spool); `turnHeld`: its host's turns are busy from prompt to stop. */
  note(session: string, event: string, turnHeld = false): void {
    const inTurn = turnHeld && (event === 'user-prompt-submit' || (TURN_GOES_ON.has(event) && this.activity.get(session)?.inTurn === true));
    this.activity.delete(session);
    this.activity.set(session, { at: Date.now(), ended: event === 'session-end', inTurn });
    if (this.activity.size > MAX_TRACKED_SESSIONS) this.activity.delete(this.activity.keys().next().value!);
  }

  /** When the lane of `session` may deliver `entry`: now (0) or the time it goes quiet. */
  readyAt(session: string, entry: SpoolEntry): number {
    const a = this.activity.get(session);
    if (!a) return 0;
    const created = Date.parse(entry.createdAt);
    // A relay told to deliver at once (quietMs 0) does not wait for a turn's end either.
    const quiet = a.inTurn && this.timing.quietMs > 0 ? Infinity : a.at + (a.ended ? this.timing.endQuietMs : this.timing.quietMs);
    return Math.min(quiet, Number.isFinite(created) ? created + this.timing.maxDeferMs : 0);
  }
}
