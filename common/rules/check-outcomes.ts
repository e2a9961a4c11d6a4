/**
 * The checks a session ran (tests, builds, linters, scripts) and how each ended, from its Bash tool
 * calls. A run failed when Claude Code reported the call as failed (PostToolUseFailure, the title
 * starts with "FAILED ") or when its output shows a failure although it exited 0 (a test piped
 * through tail). A later run of the same check settles an earlier one when it covers what failed:
 * it ran the whole check, or the targets the failure was in (common/rules/check-runs.ts). What is left
 * at the end is each part's last run: the session's outcome.
 */
import { decisiveErrorLine, outputShowsFailure } from './check-output.js';
import { checkRunOf, normalizeTarget, type CheckRun } from './check-runs.js';
import { isSelfActivity } from './self-activity.js';

/** A timeline item as stored (common/rules/observation.ts): a tool call's text is its input, "---", its result. */
export interface ObservationLine {
  sequence: number;
  kind: string;
  toolName?: string | null;
  title: string;
  text: string;
}
type OfflineObservation = ObservationLine;

export interface Run {
  obs: OfflineObservation;
  /** The command line as the agent ran it. */
  command: string;
  check: CheckRun;
  failed: boolean;
  /** The decisive error line of a failed run, when its output has one. */
  error?: string;
  /** Tests the failure names (normalized), when the output names them. */
  failing: string[];
}

export const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

/** The session's own work: memflow's tool calls (its MCP tools, ToolSearch selecting them) removed. */
export function ownWork<T extends ObservationLine>(observations: T[]): T[] {
  return observations.filter((o) => !(o.kind === 'tool' && isSelfActivity(o.toolName, o.text)));
}

export type SessionOutcome = 'passing' | 'failing' | 'unverified';

/** The input part of a tool observation (before "---"). */
export function inputOf(o: ObservationLine): string {
  const i = o.text.indexOf('\n---\n');
  return i < 0 ? o.text : o.text.slice(0, i);
}

/** The result part of a tool observation (after the input and "---"). */
export function resultOf(o: ObservationLine): string {
  const i = o.text.indexOf('\n---\n');
  return i < 0 ? '' : o.text.slice(i + 5);
}

/** The tool input as an object, when it is JSON. */
export function inputJson(o: ObservationLine): Record<string, unknown> {
  try {
    const v = JSON.parse(inputOf(o)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The part of a tool title after "Tool: " (and after "FAILED "). */
export const subject = (o: ObservationLine) => o.title.replace(/^(FAILED )?[^:]+:\s*/, '');

/** The command of a Bash call: from its input when it is there (titles are clipped), else its title. */
export function commandOf(o: ObservationLine): string {
  const c = inputJson(o).command;
  return typeof c === 'string' && c.trim() ? c.trim().replace(/\s+/g, ' ') : subject(o);
}

/** Tests a failed run's output names: `FAIL test/x.test.ts`, `FAILED tests/x.py::t`, `FAIL: t (mod.Class)`, `--- FAIL: TestX`. */
function failingTests(output: string): string[] {
  const out = new Set<string>();
  for (const line of output.split('\n')) {
    const m =
      line.match(/^\s*FAIL\s+(\S+\.\w+)/) ??
      line.match(/^FAILED (\S+?)::/) ??
      line.match(/^(?:FAIL|ERROR): \w+ \(([\w.]+?)\.\w+\)/) ??
      line.match(/^--- FAIL: (\w+)/);
    if (m?.[1]) out.add(normalizeTarget(m[1]));
  }
  return [...out];
}

export function isFailedTitle(o: ObservationLine): boolean {
  return o.title.startsWith('FAILED ');
}

/** The Bash calls that ran checks, in order, with whether each failed and why. */
export function checkRuns(observations: ObservationLine[]): Run[] {
  const runs: Run[] = [];
  for (const o of observations) {
    if (o.kind !== 'tool' || o.toolName !== 'Bash' || isSelfActivity(o.toolName, o.text)) continue;
    const result = resultOf(o);
    if (result === '') continue; // still waiting for its result
    const command = commandOf(o);
    const check = checkRunOf(command);
    if (!check) continue;
    const failed = isFailedTitle(o) || outputShowsFailure(result);
    // Without a decisive line, what Claude Code reported ("Command exited with non-zero status code 1") is all there is.
    const reported = isFailedTitle(o) ? (result.split('\n')[0] ?? '').replace(/^failed(\s\(interrupted by the user\))?:\s*/, '').trim() : '';
    const error = failed ? (decisiveErrorLine(result) ?? (reported || undefined)) : undefined;
    runs.push({ obs: o, command, check, failed, ...(error ? { error } : {}), failing: failed ? failingTests(result) : [] });
  }
  return runs;
}

/** Whether run `later` says how `earlier` (of the same check) ends. */
export function covers(later: Run, earlier: Run): boolean {
  if (later.check.key !== earlier.check.key) return false;
  if (later.check.targets.length === 0) return true;
  const targets = later.check.targets.map((t) => t.replace(/^-[-\w]*=/, ''));
  const hit = (x: string) => targets.some((t) => x === t || x.includes(t) || t.includes(x));
  // A failure that names its tests is settled by a run of those tests.
  if (earlier.failed && earlier.failing.length > 0) return earlier.failing.every(hit);
  if (earlier.check.targets.length === 0) return true;
  return earlier.check.targets.map((t) => t.replace(/^-[-\w]*=/, '')).some(hit);
}

/** Each part of each check as it ended: the last run that settled it. */
export function finalRuns(runs: Run[]): Run[] {
  let states: Run[] = [];
  for (const r of runs) {
    states = states.filter((s) => !covers(r, s));
    states.push(r);
  }
  return states;
}

export function sessionOutcome(runs: Run[]): SessionOutcome {
  const last = finalRuns(runs);
  if (last.length === 0) return 'unverified';
  return last.some((r) => r.failed) ? 'failing' : 'passing';
}
