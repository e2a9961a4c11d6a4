/**
 * Where a model summarized the session, the model decides which of the person's statements settle
 * something (a convention, a decision) and which settle nothing lasting (a request, a question, a bug
 * report, a plan, a musing): its `statements` (summary-prompt.ts) overrule the offline detector
 * (./stated-learnings.ts, common/rules/stated-rule*.ts), which decides only where no model ran, or
 * for a prompt the model did not judge (a long session's timeline is cut in the middle).
 * - a statement the detector took for a rule (or a note) that the model says is a request, question,
 *   bug report, plan or musing: nothing is kept of it (the session's history keeps it);
 * - a statement the model says is a convention or decision: kept as that kind, in the person's words
 *   (the detector's quote when it found one, else the words the model copied, when they are the
 *   prompt's, else the prompt), with the code it names (anchors) and the files around it (scope);
 * - a model's own decision or convention drawn from a prompt it judged to settle nothing is dropped.
 */
import { anchorsOf, codeNamesIn } from '../../common/rules/anchors.js';
import { scopeOf } from '../../common/rules/rule-scope.js';
import { oneLine } from './offline-text.js';
import { fileOfTitle, type StatedCandidate, type TurnLine } from './stated-learnings.js';
import { RULE_STATEMENTS, type Statement } from './summary-prompt.js';

/** Statements of one session, at most this many (as the detector's). */
const MAX_STATED = 12;
/** A prompt this short is quoted whole when the model's words are not found in it. */
const WHOLE_PROMPT_CHARS = 600;

const squash = (s: string) => s.replace(/\s+/gu, ' ').trim();

/** The model's verdict per prompt (the prompts of `turns` only; a later verdict on the same prompt wins). */
export function verdictsByPrompt(turns: TurnLine[], statements: Statement[] | undefined): Map<number, Statement> {
  const prompts = new Set(turns.filter((t) => t.kind === 'prompt').map((t) => t.sequence));
  return new Map((statements ?? []).filter((s) => prompts.has(s.source)).map((s) => [s.source, s]));
}

/** The stated candidates as the model's verdicts decide them (see the file's comment); the detector's alone without verdicts. */
export function decidedStatements(turns: TurnLine[], detected: StatedCandidate[], statements: Statement[] | undefined): StatedCandidate[] {
  const verdicts = verdictsByPrompt(turns, statements);
  if (verdicts.size === 0) return detected;
  const out: StatedCandidate[] = [];
  for (const c of detected) {
    const v = verdicts.get(c.sources[0]!);
    if (!v) out.push(c);
    else if (RULE_STATEMENTS.includes(v.says)) out.push({ ...c, kind: v.says as 'convention' | 'decision', confidence: 0.8 });
  }
  const covered = new Set(detected.map((c) => c.sources[0]));
  const opening = turns.find((t) => t.kind === 'prompt')?.text ?? '';
  const prompts = turns.filter((t) => t.kind === 'prompt');
  for (const [n, t] of prompts.entries()) {
    const v = verdicts.get(t.sequence);
    if (!v || !RULE_STATEMENTS.includes(v.says) || covered.has(t.sequence)) continue;
    const words = v.words && squash(t.text).includes(squash(v.words)) ? v.words : t.text.length <= WHOLE_PROMPT_CHARS ? t.text : (v.words ?? t.text);
    const quote = oneLine(words, 600);
    const i = turns.indexOf(t);
    const previous = turns.slice(0, i).reverse().find((x) => x.kind === 'stop' && x.text.trim());
    const from = n > 0 ? turns.indexOf(prompts[n - 1]!) : 0;
    const to = n + 1 < prompts.length ? turns.indexOf(prompts[n + 1]!) : turns.length;
    const files = [...new Set(turns.slice(from, to).map(fileOfTitle).filter((f): f is string => f !== undefined))].slice(0, 10);
    out.push({
      kind: v.says as 'convention' | 'decision',
      title: oneLine(quote, 200),
      body: `"${quote}" — the user`,
      confidence: 0.8,
      sources: [t.sequence],
      outcome: 'unverified',
      origin: 'user',
      scope: [...new Set([...files, ...scopeOf([quote, t.text, previous?.text ?? '', opening])])],
      anchors: anchorsOf([quote], [t.text, previous?.text ?? '', opening]),
      spoken: codeNamesIn(t.text),
      nextOnly: [],
    });
  }
  return out.slice(0, MAX_STATED);
}

/** Whether a prompt is one the model judged to settle nothing (a request, a question, ...). */
export function settlesNothing(verdicts: Map<number, Statement>, sequence: number): boolean {
  const v = verdicts.get(sequence);
  return v !== undefined && !RULE_STATEMENTS.includes(v.says);
}

/** The model's own learnings without a decision or convention drawn only from prompts it judged to settle nothing. */
export function withoutUnsettled<C extends { kind: string; sources: number[] }>(learnings: C[], verdicts: Map<number, Statement>): C[] {
  return learnings.filter((c) => !((c.kind === 'decision' || c.kind === 'convention') && c.sources.some((s) => settlesNothing(verdicts, s)) && !c.sources.some((s) => verdicts.has(s) && !settlesNothing(verdicts, s))));
}
