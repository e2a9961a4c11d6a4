/**
 * Benchmarks only: which of the push's hand-made word lists a process leaves out, to measure what each is
 * worth on data it was not tuned on (bench:decisions runs the API with MEMFLOW_PUSH_ABLATE, which the API's
 * config reads and hands to `ablate` at start; docs/push.md has the figures). Empty (every list in use)
 * unless set, as in production.
 * Names: concepts (push-relevance.ts), said (a person's earlier prompts quoted by the prompt's push). The synonyms,
 * the symptom patterns and the lone candidate were measured this way and retired: none lifted a held-out half (docs/push.md).
 */
export const ABLATABLE = ['concepts', 'said'] as const;
export type Ablatable = (typeof ABLATABLE)[number];

let off: ReadonlySet<string> = new Set();

/** Leaves the named lists out in this process (unknown names are ignored: the config schema names them). */
export function ablate(lists: readonly string[]): void {
  off = new Set(lists.filter((s) => (ABLATABLE as readonly string[]).includes(s)));
}

/** Whether a list is in use in this process (always, unless a benchmark left it out). */
export const uses = (list: Ablatable): boolean => !off.has(list);
