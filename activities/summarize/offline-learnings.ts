/**
 * The learnings the offline summarizer keeps: only what the timeline proves, and never the opposite
 * of how the session ended.
 * - fix: a check failed, files were changed, and the check passed afterwards and was still passing
 *   at the end. It carries the decisive error line (the assertion or error message, not
 *   "Traceback (most recent call last):" or "Exit code 1"), quoted fenced as what the tool printed
 *   (common/rules/tool-output-fence.ts), and what changed (files, and the symbols the diff touched).
 * - dead_end: a check failed, files were changed, the same check failed again and never passed
 *   later: "tried X, it did not work".
 * Conventions and decisions are the person's own words, taken for every summarizer alike
 * (./stated-learnings.ts): the offline extractor adds none of its own.
 */
import { changesOf } from '../../common/rules/changed-symbols.js';
import { EDIT_TOOLS, covers, checkRuns, finalRuns, ownWork, subject, type ObservationLine, type Run } from '../../common/rules/check-outcomes.js';
import { fenceToolOutput } from '../../common/rules/tool-output-fence.js';
import { list, oneLine, unique } from './offline-text.js';
import type { LearningCandidate } from './summary-prompt.js';

function editsBetween(observations: ObservationLine[], from: number, to: number): ObservationLine[] {
  return observations.filter((o) => o.kind === 'tool' && EDIT_TOOLS.has(o.toolName ?? '') && o.sequence > from && o.sequence < to);
}

/** A run's decisive error, quoted as what the tool printed (fenced, instruction-shaped sentences removed). */
const errorOf = (r: Run, max = 200) => (r.error ? fenceToolOutput('output', r.error, max) : 'no error text in its output');

export function offlineLearnings(all: ObservationLine[]): LearningCandidate[] {
  const observations = ownWork(all);
  const runs = checkRuns(observations);
  const last = finalRuns(runs);
  const out: LearningCandidate[] = [];
  const done = new Set<Run>();
  for (const fail of runs) {
    if (!fail.failed || done.has(fail)) continue;
    // How this failure ended: the run that settled it last (the final state of its part of the check).
    const settledBy = last.find((r) => r.obs.sequence > fail.obs.sequence && covers(r, fail));
    // Failures settled together by the same passing run are one fix (the first one carries the error).
    for (const other of runs) if (other.failed && other.obs.sequence > fail.obs.sequence && settledBy && covers(settledBy, other)) done.add(other);
    if (settledBy && !settledBy.failed) {
      const edits = editsBetween(observations, fail.obs.sequence, settledBy.obs.sequence);
      if (edits.length === 0) continue; // passed again without a change: flaky or environmental, proves nothing
      const changes = changesOf(edits, observations);
      out.push({
        kind: 'fix',
        title: oneLine(`${oneLine(fail.command, 45)} failed, ${errorOf(fail, 140)}`, 200),
        // The title says what failed and why; the body what fixed it and how that was verified.
        body: oneLine(`Fixed by changing ${changes}; \`${settledBy.command}\` passed afterwards and at the end of the session.`, 1200),
        confidence: 0.7,
        // The check that failed passed after the change and was still passing at the end.
        outcome: 'confirmed',
        sources: [fail.obs.sequence, ...edits.slice(0, 5).map((e) => e.sequence), settledBy.obs.sequence],
      });
      continue;
    }
    // Never passed again: a change made in between and a later failing run make a dead end.
    const again = runs.find((r) => r.obs.sequence > fail.obs.sequence && r.failed && covers(r, fail));
    if (!again) continue;
    // A run in between that passed says the change worked; what failed later is another problem.
    if (runs.some((r) => r.obs.sequence > fail.obs.sequence && r.obs.sequence < again.obs.sequence && !r.failed && r.check.key === fail.check.key)) continue;
    const edits = editsBetween(observations, fail.obs.sequence, again.obs.sequence);
    if (edits.length === 0) continue;
    const files = unique(edits.map(subject));
    out.push({
      kind: 'dead_end',
      title: oneLine(`Changing ${list(files, 3)} did not fix ${fail.command}`, 200),
      body: oneLine(`Tried changing ${changesOf(edits, observations)} to fix \`${fail.command}\` (${errorOf(fail)}); it did not work: it still failed, ${errorOf(again)}.`, 1200),
      confidence: 0.6,
      outcome: 'refuted',
      sources: [fail.obs.sequence, ...edits.slice(0, 5).map((e) => e.sequence), again.obs.sequence],
    });
  }
  return out.slice(0, 12);
}
