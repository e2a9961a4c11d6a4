/**
 * One failure of the start context's "What failed, and what fixed it": the decisive error line of a
 * failed tool call (the assertion or error message, not "Exit code 1"), what was changed before the
 * same check passed again (a check is the same across arguments that only repeat or filter it), or
 * that it was still failing at its last run, and the agent's own account of the turn (Claude's, or
 * Codex's, ...: labelled with the agent).
 */
import { EDIT_TOOLS, changesOf, checkRuns, covers, finalRuns, resultOf, type ObservationLine } from '../../common/rules/check-outcomes.js';
import { decisiveErrorLine } from '../../common/rules/check-output.js';

/** What followed a failure in its session (tool calls and stops, in order); a stop names its agent. */
export type LaterItem = ObservationLine & { agent?: string | null };

/** How the context names the agent whose account a stop is (memflowAgent.host; none: Claude Code). */
const AGENT_LABELS: Record<string, string> = { codex: 'Codex', gemini: 'Gemini CLI', opencode: 'OpenCode', copilot: 'Copilot CLI' };
const agentLabel = (host: string | null | undefined) => (host && AGENT_LABELS[host]) || 'Claude';

/** The error of a failed call: its decisive line, else the first line of what Claude Code reported. */
export function failureError(failure: ObservationLine): string {
  const result = resultOf(failure);
  return decisiveErrorLine(result) ?? (result.split('\n')[0] ?? '').replace(/^failed:\s*/, '').trim();
}

export function failureStory(failure: ObservationLine, later: LaterItem[]): string {
  const parts = [`failed: ${failureError(failure) || 'no error text'}`];
  const items = [failure, ...later.filter((o) => o.sequence > failure.sequence)];
  const runs = checkRuns(items);
  const run = runs.find((r) => r.obs === failure);
  if (run) {
    const settled = finalRuns(runs).find((r) => r !== run && covers(r, run));
    if (settled && !settled.failed) {
      const edits = items.filter((o) => o.kind === 'tool' && EDIT_TOOLS.has(o.toolName ?? '') && o.sequence < settled.obs.sequence);
      if (edits.length > 0) parts.push(`fixed in ${changesOf(edits)}`);
      parts.push('passed on a later run');
    } else if (settled) parts.push('still failing at its last run');
  } else if (later.some((o) => o.kind === 'tool' && o.title === failure.title.replace(/^FAILED /, ''))) {
    parts.push('passed on a later run');
  }
  const said = later.find((o) => o.kind === 'stop' && o.text.trim());
  if (said) parts.push(`${agentLabel(said.agent)}: ${said.text.slice(0, 600)}`);
  return parts.join(' → ');
}
