/**
 * The checks every summary and every learning passes before it is stored, whichever summarizer wrote
 * it (offline or Claude): memory holds nothing a tool printed as if it were an instruction, no rule a
 * person did not state, and no line for a session that has nothing to teach.
 * - Every summary field: instruction-shaped sentences (common/rules/poison.ts) are replaced by a
 *   marker (common/rules/tool-output-fence.ts) — a model may have repeated them, a quote may carry them.
 * - Learnings: a convention or a decision must cite a prompt (a person stated it); one that cites only
 *   tool output is dropped. A learning shaped like an instruction is kept only when a person said it
 *   (its instruction-shaped sentences are in a prompt); otherwise it came from tool output and is dropped.
 * - A session with nothing to teach (no change, no failure, no rule stated, a short answer) keeps its
 *   summary for search and the viewer, but only as what was looked at: its learned/completed/next-steps
 *   fields are folded into "investigated", which the start context does not hand over
 *   (api/context/context-render.ts, teachesNothing).
 */
import { EDIT_TOOLS, commandOf, isFailedTitle, ownWork, type ObservationLine } from '../../common/rules/check-outcomes.js';
import { checkRunOf } from '../../common/rules/check-runs.js';
import { instructionShaped } from '../../common/rules/poison.js';
import { hasInstructionShape, neutralise } from '../../common/rules/tool-output-fence.js';
import type { LearningCandidate, SummaryFields } from './summary-schema.js';

/** Every field of a summary with its instruction-shaped sentences removed. */
export function checkedFields<T extends SummaryFields>(fields: T): T {
  return {
    ...fields,
    title: neutralise(fields.title),
    request: neutralise(fields.request),
    investigated: neutralise(fields.investigated),
    learned: neutralise(fields.learned),
    completed: neutralise(fields.completed),
    nextSteps: neutralise(fields.nextSteps),
  };
}

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}_]{4,}/gu) ?? []);

/** Whether a person said this sentence: most of its words are in one prompt. */
function saidInPrompt(sentence: string, prompts: string[]): boolean {
  const w = words(sentence);
  if (w.size === 0) return false;
  return prompts.some((p) => {
    const pw = words(p);
    let hit = 0;
    for (const x of w) if (pw.has(x)) hit++;
    return hit / w.size >= 0.6;
  });
}

/** The learnings that may be stored (see the header), in order. */
export function checkedLearnings(candidates: LearningCandidate[], observations: ObservationLine[]): LearningCandidate[] {
  const bySequence = new Map(observations.map((o) => [o.sequence, o]));
  const prompts = observations.filter((o) => o.kind === 'prompt').map((o) => o.text);
  return candidates.filter((c) => {
    const cited = c.sources.map((s) => bySequence.get(s)).filter((o): o is ObservationLine => o !== undefined);
    const fromPerson = cited.some((o) => o.kind === 'prompt');
    if ((c.kind === 'convention' || c.kind === 'decision') && !fromPerson) return false;
    const text = `${c.title}\n${c.body.replace(/^Stated by the user: /, '')}`;
    if (!hasInstructionShape(text)) return true;
    const shaped = text.split(/(?<=[.!?])\s+|\n+/).filter((s) => instructionShaped(s));
    return fromPerson && shaped.every((s) => saidInPrompt(s, prompts));
  });
}

/** An answer of at most this many characters, on one line, is "a one-line answer". */
const SHORT_ANSWER = 200;

/**
 * Whether a session has nothing to teach: no change, no failed call, no check run, no learning kept
 * (no rule or decision stated), and its closing answer (if any) is short.
 */
export function teachesNothing(observations: ObservationLine[], learnings: LearningCandidate[]): boolean {
  const own = ownWork(observations);
  if (learnings.length > 0) return false;
  if (own.some((o) => o.kind === 'tool' && (EDIT_TOOLS.has(o.toolName ?? '') || isFailedTitle(o)))) return false;
  if (own.some((o) => o.kind === 'tool' && o.toolName === 'Bash' && checkRunOf(commandOf(o)))) return false;
  const answer = [...own].reverse().find((o) => o.kind === 'stop' && o.text.trim())?.text.trim() ?? '';
  return answer.length <= SHORT_ANSWER && !answer.includes('\n');
}

/** A summary of a session with nothing to teach: what it did is kept as what was looked at. */
export function lookedAtOnly<T extends SummaryFields>(fields: T): T {
  const investigated = [fields.investigated, fields.learned, fields.completed, fields.nextSteps].map((s) => s.trim()).filter(Boolean).join(' ');
  return { ...fields, investigated, learned: '', completed: '', nextSteps: '' };
}
