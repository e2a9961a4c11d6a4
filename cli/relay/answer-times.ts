/**
 * The relay's own clock: how long it took to answer each kind of hook, from the request's first byte
 * read to the answer's last byte written (GET /health `answers`), so that what the relay costs an agent
 * can be told apart from what the agent's hook machinery costs around it (bench:agent prints both).
 * Kept per kind: the last MAX_KEPT answers; a file tool's hook is its own kind (`post-tool-use:Read`).
 */
const MAX_KEPT = 2_000;

export interface AnswerStats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export class AnswerTimes {
  private readonly byKind = new Map<string, { ms: number[]; next: number; n: number }>();

  note(kind: string, ms: number): void {
    let held = this.byKind.get(kind);
    if (!held) {
      if (this.byKind.size >= 64) return;
      held = { ms: [], next: 0, n: 0 };
      this.byKind.set(kind, held);
    }
    if (held.ms.length < MAX_KEPT) held.ms.push(ms);
    else held.ms[held.next] = ms;
    held.next = (held.next + 1) % MAX_KEPT;
    held.n++;
  }

  /** Per kind: answers counted since the relay started, and p50 / p95 / max (ms) of the last ones kept. */
  stats(): Record<string, AnswerStats> {
    const round = (x: number) => Math.round(x * 100) / 100;
    return Object.fromEntries(
      [...this.byKind].map(([kind, h]) => {
        const s = [...h.ms].sort((a, b) => a - b);
        const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
        return [kind, { n: h.n, p50: round(at(50)), p95: round(at(95)), max: round(s.at(-1) ?? 0) }];
      }),
    );
  }
}
