/**
 * One failure of the start context's "What failed, and what fixed it": the decisive error line of a
 * failed tool call (the assertion or error message, not "Exit code 1"), what was changed before the
 * same check passed again (a check is the same across arguments that only repeat or filter it), or
 * that it was still failing at its last run, and the agent's own account of the turn (Claude's, or
 * Codex's, ...: labelled with the agent).
 */
import { agentLabel } from '../../common/rules/agent-label.js';
import { changesOf } from '../../common/rules/changed-symbols.js';
import { EDIT_TOOLS, checkRuns, covers, finalRuns, resultOf, type ObservationLine } from '../../common/rules/check-outcomes.js';
import { decisiveErrorLine } from '../../common/rules/check-output.js';
import { fenceToolOutput, neutralise } from '../../common/rules/tool-output-fence.js';

/** What followed a failure in its session (tool calls and stops, in order); a stop names its agent. */
export type LaterItem = ObservationLine & { agent?: string | null };


/** The error of a failed call: its decisive line, else the first line of what Claude Code reported. */
export function failureError(failure: ObservationLine): string {
  const result = resultOf(failure);
  return decisiveErrorLine(result) ?? (result.split('\n')[0] ?? '').replace(/^failed:\s*/, '').trim();
}

/**
 * The story of one failure. Its error is what a tool printed: quoted fenced and attributed
 * (common/rules/tool-output-fence.ts), so an instruction planted in an error message reaches the next
 * session as quoted data with its instruction removed. The agent's account told is the one of the
 * turn that settled the failure (the first stop after the run that passed, or failed for the last
 * time), not the first stop after the failure: turn 1's message is not the fix of turn 2.
 */
export function failureStory(failure: ObservationLine, later: LaterItem[]): string {
  const error = failureError(failure);
  const parts = [error ? `failed, ${fenceToolOutput('output', error, 300)}` : 'failed: no error text'];
  let settledAt = failure.sequence;
  const items = [failure, ...later.filter((o) => o.sequence > failure.sequence)];
  const runs = checkRuns(items);
  const run = runs.find((r) => r.obs === failure);
  if (run) {
    const settled = finalRuns(runs).find((r) => r !== run && covers(r, run));
    if (settled && !settled.failed) {
      const edits = items.filter((o) => o.kind === 'tool' && EDIT_TOOLS.has(o.toolName ?? '') && o.sequence < settled.obs.sequence);
      if (edits.length > 0) parts.push(`fixed in ${changesOf(edits, items)}`);
      parts.push('passed on a later run');
    } else if (settled) parts.push('still failing at its last run');
    if (settled) settledAt = settled.obs.sequence;
  } else if (later.some((o) => o.kind === 'tool' && o.title === failure.title.replace(/^FAILED /, ''))) {
    parts.push('passed on a later run');
  }
  const stops = later.filter((o) => o.kind === 'stop' && o.text.trim() && o.sequence > failure.sequence);
  const said = stops.find((o) => o.sequence > settledAt) ?? stops.at(-1);
  // An agent may repeat what a tool printed: its account passes the same check as a quote does.
  if (said) parts.push(`${agentLabel(said.agent)}: ${neutralise(said.text.slice(0, 600))}`);
  return parts.join(' → ');
}
