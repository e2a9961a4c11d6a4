/**
 * The push at the code that a Read could not have without making the agent wait, handed with the
 * session's next hook that reaches the model. A file the relay has not parsed yet (one git does not list,
 * so the prewarm at the prompt never read it; one changed since) takes tens of milliseconds to parse (a
 * 2,000-line module: ~17–27 ms of tree-sitter, ~35 ms with the thread's hop). A Read of such a file larger
 * than MEMFLOW_FILE_PARSE_INLINE_BYTES is answered at once; the parse and the API's answer go on behind it,
 * and what they find is held here for the session. The session's next PostToolUse (any tool) or PreToolUse
 * (a file change) in Claude Code — which adds a hook's `additionalContext` to what the model reads next —
 * hands it over once it is ready, labelled with its file as every file push is: the model has the rule
 * before its next step, typically the change to the file it read.
 *
 * A push whose API answer did not come within the relay's budget (a busy machine, a slow API) is held here
 * the same way (file-answer.ts), its ask going on with a longer timeout, rather than lost.
 *
 * A held push is handed only once it is ready, and never waited for (the hook that finds it not ready yet
 * leaves it for the next); its receipt is written only once handed (prompt-answer.ts handedContext). One
 * not handed within MAX_HOLD_MS is dropped, and its file forgotten as touched in its session, so the next
 * touch of it asks again.
 */
import { handedContext, type readApiJson } from './prompt-answer.js';

/**
 * The largest file a Read parses while the agent waits (MEMFLOW_FILE_PARSE_INLINE_BYTES): tree-sitter reads
 * about 2.5–4 KB of code per millisecond here, so 8 KB (the failing test, a small module) costs ~2–3 ms; a
 * larger file not parsed yet (a 2,000-line module: 67 KB) is parsed behind the answer.
 */
export const DEFAULT_PARSE_INLINE_BYTES = 8_192;

/** What a file touch asked the API (the answer not yet handed to the agent). */
export interface AskedPush {
  url: string;
  headers: Record<string, string>;
  answer: Record<string, unknown> | undefined;
}

interface Held {
  /** Set once the parse and the API's answer are in (undefined: nothing was to be asked, or the ask failed). */
  done?: { asked: AskedPush | undefined };
  /** The file forgotten as touched (the push was never handed). */
  forget: () => void;
  at: number;
}

/** A held push not handed within this long is dropped (the session went quiet or ended). */
const MAX_HOLD_MS = 10 * 60_000;
const MAX_SESSIONS = 500;

export class LaterPushes {
  private readonly held = new Map<string, Held[]>();
  /** Pushes handed by a later hook, and dropped unhanded (health, bench). */
  handed = 0;
  dropped = 0;

  /** Holds the push `asked` will give for the session's next hook. */
  hold(session: string, asked: Promise<AskedPush | undefined>, forget: () => void): void {
    this.expire();
    if (!this.held.has(session) && this.held.size >= MAX_SESSIONS) this.dropSession(this.held.keys().next().value!);
    const h: Held = { forget, at: Date.now() };
    void asked.then(
      (a) => (h.done = { asked: a }),
      () => (h.done = { asked: undefined }),
    );
    const list = this.held.get(session) ?? [];
    list.push(h);
    this.held.set(session, list);
  }

  private dropSession(session: string): void {
    for (const h of this.held.get(session) ?? []) {
      h.forget();
      this.dropped++;
    }
    this.held.delete(session);
  }

  private expire(now = Date.now()): void {
    for (const [session, list] of this.held) {
      const live = list.filter((h) => {
        if (now - h.at <= MAX_HOLD_MS) return true;
        h.forget();
        this.dropped++;
        return false;
      });
      if (live.length) this.held.set(session, live);
      else this.held.delete(session);
    }
  }

  /** Whether the session holds a push (ready or not). */
  has(session: string): boolean {
    return this.held.has(session);
  }

  /**
   * The context to hand with a hook of the session now: each held push that is ready, its receipt
   * confirmed; those not ready stay for the next hook. '' when none is ready.
   */
  handOver(deps: Parameters<typeof readApiJson>[0], session: string): string {
    const list = this.held.get(session);
    if (!list) return '';
    const ready = list.filter((h) => h.done);
    const waiting = list.filter((h) => !h.done);
    if (waiting.length) this.held.set(session, waiting);
    else this.held.delete(session);
    const contexts = ready.map((h) => {
      const a = h.done!.asked;
      // The API did not answer in time: the next touch of the file asks again.
      if (a && !a.answer) h.forget();
      const context = a ? handedContext(deps, a.url, a.headers, a.answer) : '';
      if (context) this.handed++;
      return context;
    });
    return contexts.filter(Boolean).join('\n\n');
  }
}
