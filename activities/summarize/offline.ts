/**
 * The summarizer used without ANTHROPIC_API_KEY (and as the fallback when a model's answers stay
 * malformed): deterministic, no network. It reads what the tools show: what was asked (prompts), what
 * was looked at (Read, Grep, Glob, inspections), what was changed (Edit, Write), which commands failed
 * and whether they passed again after changes. Its learnings are the ones the timeline proves: a
 * command that failed, then passed after edits (a fix, with its error), and rules the user stated
 * ("always ...", "never ...", "use X instead of Y"). Everything it writes is marked offline.
 */
import type { ObservationLine } from './prompt.js';
import type { FinalAnswer, LearningCandidate, SummaryFields } from './schema.js';

export interface OfflineObservation extends ObservationLine {
  toolName: string | null;
}

const READ_TOOLS = new Set(['Read', 'Grep', 'Glob', 'LS', 'WebFetch', 'WebSearch', 'NotebookRead']);
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
const FAILURE = /\b(error|errors|failed|failing|failure|exception|traceback|panic|fatal|cannot|not found|ELIFECYCLE|exit code [1-9]\d*|✗|FAIL)\b/i;
const ERROR_MESSAGE = /\b(\w+Error|\w+Exception|error:|panic:|fatal:|Traceback)/;
const FAILED_COUNT = /\b[1-9]\d* (failed|failing|errors?)\b/i;
const SUCCESS_OVERRIDE = /\b(0 failed|0 errors|no errors|all tests passed)\b/i;
const RULE = /\b(always|never|don't|do not|must|should|prefer|instead of|we use|make sure)\b/i;
const DECISION = /\b(decided|decide|instead of|switch(ed)? to|chose|go with|let's use)\b/i;

/** The part of a tool title after "Tool: ". */
const subject = (o: OfflineObservation) => o.title.replace(/^[^:]+:\s*/, '');
const oneLine = (s: string, max = 160) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
};
const unique = <T>(xs: T[]) => [...new Set(xs)];

function list(items: string[], max: number): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  return shown.join('; ') + (rest > 0 ? `; and ${rest} more` : '');
}

/** The result part of a tool observation (after the input and "---"). */
function resultOf(o: OfflineObservation): string {
  const i = o.text.indexOf('\n---\n');
  return i < 0 ? '' : o.text.slice(i + 5);
}

function failed(o: OfflineObservation): boolean {
  const result = resultOf(o);
  return FAILED_COUNT.test(result) || (FAILURE.test(result) && !SUCCESS_OVERRIDE.test(result));
}

/** The most telling line of a failure: an error message if there is one, else the first failing line. */
function firstErrorLine(o: OfflineObservation): string {
  const lines = resultOf(o).split('\n');
  const line = lines.find((l) => ERROR_MESSAGE.test(l)) ?? lines.find((l) => FAILURE.test(l));
  return oneLine(line ?? resultOf(o), 200);
}

interface CommandRun {
  obs: OfflineObservation;
  command: string;
  failed: boolean;
}

function commandRuns(observations: OfflineObservation[]): CommandRun[] {
  return observations
    .filter((o) => o.kind === 'tool' && o.toolName === 'Bash' && resultOf(o) !== '')
    .map((o) => ({ obs: o, command: subject(o), failed: failed(o) }));
}

export function offlineSummary(observations: OfflineObservation[]): SummaryFields {
  const prompts = observations.filter((o) => o.kind === 'prompt');
  const tools = observations.filter((o) => o.kind === 'tool');
  const looked = unique(tools.filter((o) => READ_TOOLS.has(o.toolName ?? '')).map(subject));
  const edited = unique(tools.filter((o) => EDIT_TOOLS.has(o.toolName ?? '')).map(subject));
  const runs = commandRuns(observations);
  const failedRuns = runs.filter((r) => r.failed);
  const lastByCommand = new Map<string, CommandRun>();
  for (const r of runs) lastByCommand.set(r.command, r);
  const stillFailing = [...lastByCommand.values()].filter((r) => r.failed);
  const fixed = unique(failedRuns.map((r) => r.command)).filter((c) => lastByCommand.get(c)?.failed === false);
  const passing = [...lastByCommand.values()].filter((r) => !r.failed).map((r) => r.command);

  const request = prompts.length > 0 ? list(prompts.map((p) => oneLine(p.title, 200)), 4) : '';
  const investigated = [
    looked.length > 0 ? `Looked at ${list(looked, 8)}.` : '',
    failedRuns.length > 0 ? `Saw failures: ${list(unique(failedRuns.map((r) => `${r.command} (${firstErrorLine(r.obs)})`)), 3)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const learned = fixed.length > 0 ? `Failures resolved by the changes made: ${list(fixed, 4)}.` : '';
  const completed = [
    edited.length > 0 ? `Changed ${list(edited, 8)}.` : '',
    passing.length > 0 ? `Ran successfully: ${list(passing, 5)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const nextSteps = stillFailing.length > 0 ? `Still failing at the end: ${list(stillFailing.map((r) => `${r.command} (${firstErrorLine(r.obs)})`), 3)}.` : '';
  const topic = prompts[0] ? oneLine(prompts[0].title, 150) : edited[0] ? `Changes to ${edited[0]}` : `${tools.length} tool calls`;
  return { title: `[offline] ${topic}`, request, investigated, learned, completed, nextSteps };
}

/** The edits made between two command runs. */
function editsBetween(observations: OfflineObservation[], from: CommandRun, to: CommandRun): OfflineObservation[] {
  return observations.filter((o) => o.kind === 'tool' && EDIT_TOOLS.has(o.toolName ?? '') && o.sequence > from.obs.sequence && o.sequence < to.obs.sequence);
}

/** Learnings the timeline proves: failures fixed by edits, and rules or decisions the user stated. */
export function offlineLearnings(observations: OfflineObservation[]): LearningCandidate[] {
  const out: LearningCandidate[] = [];
  const runs = commandRuns(observations);
  const seen = new Set<string>();
  for (let i = 0; i < runs.length; i++) {
    const fail = runs[i]!;
    if (!fail.failed || seen.has(fail.command)) continue;
    const pass = runs.slice(i + 1).find((r) => r.command === fail.command && !r.failed);
    if (!pass) continue;
    const edits = editsBetween(observations, fail, pass);
    if (edits.length === 0) continue;
    seen.add(fail.command);
    const files = unique(edits.map(subject));
    const error = firstErrorLine(fail.obs);
    out.push({
      kind: 'fix',
      title: oneLine(`${fail.command} failed with: ${error}`, 200),
      body: `\`${fail.command}\` failed with "${error}". It passed again after changing ${list(files, 5)}.`,
      confidence: 0.7,
      // The command that failed passed after the change: the outcome confirms it.
      outcome: 'confirmed',
      sources: [fail.obs.sequence, ...edits.slice(0, 5).map((e) => e.sequence), pass.obs.sequence],
    });
  }
  out.push(...deadEnds(observations, runs, seen));
  for (const p of observations.filter((o) => o.kind === 'prompt')) {
    for (const sentence of p.text.split(/(?<=[.!?])\s+|\n+/)) {
      const s = sentence.trim();
      if (s.length < 12 || s.length > 300 || !RULE.test(s)) continue;
      out.push({
        kind: DECISION.test(s) ? 'decision' : 'convention',
        title: oneLine(s, 200),
        body: `Stated by the user: "${oneLine(s, 400)}"`,
        confidence: 0.5,
        sources: [p.sequence],
      });
    }
  }
  return out.slice(0, 12);
}

/**
 * Attempts the timeline refutes: a command failed, files were changed, and the same command failed
 * again with no later success. Stored as a dead end ("tried X, it did not work because Y"), never as
 * advice, with outcome refuted.
 */
function deadEnds(observations: OfflineObservation[], runs: CommandRun[], fixed: Set<string>): LearningCandidate[] {
  const out: LearningCandidate[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < runs.length; i++) {
    const fail = runs[i]!;
    if (!fail.failed || fixed.has(fail.command) || seen.has(fail.command)) continue;
    const later = runs.slice(i + 1).filter((r) => r.command === fail.command);
    if (later.length === 0 || later.some((r) => !r.failed)) continue;
    const again = later[0]!;
    const edits = editsBetween(observations, fail, again);
    if (edits.length === 0) continue;
    seen.add(fail.command);
    const files = unique(edits.map(subject));
    const error = firstErrorLine(again.obs);
    out.push({
      kind: 'dead_end',
      title: oneLine(`Changing ${list(files, 3)} did not fix ${fail.command}`, 200),
      body: `Tried changing ${list(files, 5)} to fix \`${fail.command}\` ("${firstErrorLine(fail.obs)}"); it did not work: the command still failed with "${error}".`,
      confidence: 0.6,
      outcome: 'refuted',
      sources: [fail.obs.sequence, ...edits.slice(0, 5).map((e) => e.sequence), again.obs.sequence],
    });
  }
  return out;
}

export function offlineFinal(observations: OfflineObservation[]): FinalAnswer {
  return { ...offlineSummary(observations), learnings: offlineLearnings(observations) };
}

/** A rolling or final summary from part summaries, without a model: their fields joined in order. */
export function mergeSummaries(parts: SummaryFields[]): SummaryFields {
  const join = (key: keyof SummaryFields) =>
    unique(parts.map((p) => p[key].trim()).filter(Boolean))
      .join(' ')
      .slice(0, 4000);
  const first = parts[0];
  return {
    title: first ? first.title : '[offline] empty session',
    request: join('request'),
    investigated: join('investigated'),
    learned: join('learned'),
    completed: join('completed'),
    nextSteps: parts.at(-1)?.nextSteps ?? '',
  };
}
