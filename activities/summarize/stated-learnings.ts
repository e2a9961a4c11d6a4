/**
 * The rules a person stated in a session, as learnings — whichever summarizer ran. Each prompt is
 * read with the agent's turn before it (common/rules/stated-rule.ts): a rule stated outright ("we
 * always run the linter before committing"), one given as a reminder inside a request, and a
 * decision settled by accepting, correcting or picking from what the agent proposed ("no, not 5 —
 * exactly 7"). The person's words are kept verbatim (and the proposal they settled, marked as the
 * agent's), attributed to the person (origin `user`: trust above anything a tool printed or a model
 * extracted), dated by the prompt.
 *
 * A model's own decision or convention drawn from the same prompt is dropped in favour of these:
 * the person's words are the rule, a paraphrase is not.
 */
import { ruleLikeness, SAID_THRESHOLD, statedRulesOf } from '../../common/rules/stated-rule.js';
import { scopeOf } from '../../common/rules/rule-scope.js';
import { oneLine } from './offline-text.js';
import type { LearningCandidate } from './summary-prompt.js';

/** What the extractor reads of a session: its prompts and the agent's answers, in order. */
export interface TurnLine {
  sequence: number;
  kind: string;
  text: string;
}

/** A stated rule as a learning candidate, with who stated it. */
export type StatedCandidate = LearningCandidate & { origin: 'user'; scope: string[] };

/** Stated rules of one session, at most this many (a pasted style guide is not 40 learnings). */
const MAX_STATED = 12;

/** How a decision was settled, as the body says it. */
const SETTLED: Record<string, string> = {
  "the agent's proposal accepted": 'accepting',
  "the agent's proposal corrected": 'correcting',
  "one of the agent's options chosen": 'choosing from',
  "the agent's question answered": 'answering',
};

/** A prompt this short is quoted whole: the rule with what the person said around it (which code, why). */
const WHOLE_PROMPT_CHARS = 480;

export function statedLearnings(turns: TurnLine[]): StatedCandidate[] {
  const out: StatedCandidate[] = [];
  let previous: TurnLine | undefined;
  // The session's first prompt says what the conversation was about: part of every rule's scope.
  const opening = turns.find((t) => t.kind === 'prompt')?.text ?? '';
  for (const t of turns) {
    if (t.kind === 'stop') {
      if (t.text.trim()) previous = t;
      continue;
    }
    if (t.kind !== 'prompt') continue;
    const verdict = statedRulesOf(t.text, previous?.text);
    const said = verdict.rules.length === 1 && t.text.trim().length <= WHOLE_PROMPT_CHARS ? t.text : undefined;
    for (const r of verdict.rules) {
      const words = oneLine(r.quote, 600);
      const quote = oneLine(said ?? r.quote, 600);
      const proposal = r.proposal ? oneLine(r.proposal, 400) : undefined;
      // A decision settled on the agent's proposal carries its topic in the proposal: the title says both.
      const title = oneLine(proposal && words.length < 80 ? `${words} (on the agent's proposal: ${proposal})` : words, 200);
      // The body is what an agent is handed: the person's words, and what they settled.
      const body = proposal ? `"${quote}" — the user, ${SETTLED[r.why] ?? 'settling'} the agent's proposal: "${proposal}"` : `"${quote}" — the user`;
      out.push({
        kind: r.kind,
        title,
        body,
        confidence: 0.8,
        sources: previous && proposal ? [t.sequence, previous.sequence] : [t.sequence],
        outcome: 'unverified',
        origin: 'user',
        scope: scopeOf([r.quote, t.text, r.proposal ?? '', previous?.text ?? '', opening]),
      });
    }
    previous = undefined;
  }
  return out.slice(0, MAX_STATED);
}

/**
 * The prompts the per-prompt push may quote later (observations.rule_like): they read like a rule
 * (ruleLikeness ≥ SAID_THRESHOLD: a rule marker, no request or question around it) but no rule was
 * taken from them — the markers miss some rules people state, and those still reach a later task in
 * the person's words (api/context/prompt-push.ts).
 */
export function ruleLikePrompts(turns: TurnLine[], stated: StatedCandidate[]): number[] {
  const fromRules = new Set(stated.map((s) => s.sources[0]));
  return turns.filter((t) => t.kind === 'prompt' && !fromRules.has(t.sequence) && ruleLikeness(t.text) >= SAID_THRESHOLD).map((t) => t.sequence);
}

/**
 * The candidates to merge: the stated rules, and the model's (or the offline extractor's) other
 * learnings — a decision or convention drawn from a prompt a stated rule already came from is
 * dropped (the person's words win over a paraphrase).
 */
export function withStatedRules(extracted: LearningCandidate[], stated: StatedCandidate[]): (LearningCandidate | StatedCandidate)[] {
  const statedPrompts = new Set(stated.map((s) => s.sources[0]));
  const kept = extracted.filter((c) => !((c.kind === 'decision' || c.kind === 'convention') && c.sources.some((n) => statedPrompts.has(n))));
  return [...stated, ...kept];
}
