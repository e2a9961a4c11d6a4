/**
 * The summarizer used without ANTHROPIC_API_KEY (and as the fallback when a model's answers stay
 * malformed): deterministic, no network. It reads what the tools show: what was asked (prompts), what
 * was looked at (Read, Grep, Glob, inspections), what was changed (Edit, Write), which checks failed
 * and how each ended (common/rules/check-outcomes.ts). Everything it writes is marked offline.
 *
 * - A batch summary tells one part of the session in order: what was looked at, changed and run in
 *   it, and what was still failing when the part ended. Its title names the part (#from–#to).
 * - The final summary tells the session's outcome: for each check its last run (a check is the same
 *   check across arguments that only repeat or filter it), what failed and what fixed it, and
 *   Claude's own closing account. "Still failing" only when the last run of that check failed.
 * - The title is the first prompt; the body does not say it again.
 * - Its learnings are the ones the timeline proves (./offline-learnings.ts).
 * - What a tool printed is quoted fenced and attributed, never as memflow's own words, and its
 *   instruction-shaped sentences are removed (common/rules/tool-output-fence.ts).
 * - The agent's closing account is labelled with the session's agent, not always "Claude".
 * memflow's own tool calls (its MCP tools, ToolSearch selecting them) are not the session's work and
 * are left out.
 */
import { EDIT_TOOLS, checkRuns, finalRuns, inputJson, ownWork, sessionOutcome, subject, type Run } from '../../common/rules/check-outcomes.js';
import { agentLabel } from '../../common/rules/agent-label.js';
import { fenceToolOutput, neutralise } from '../../common/rules/tool-output-fence.js';
import { offlineLearnings } from './offline-learnings.js';
import { list, oneLine, unique } from './offline-text.js';
import type { PromptObservation, FinalAnswer, SummaryFields } from './summary-prompt.js';

export interface OfflineObservation extends PromptObservation {
  toolName: string | null;
}

const READ_TOOLS = new Set(['Read', 'Grep', 'Glob', 'LS', 'WebFetch', 'WebSearch', 'NotebookRead']);

/**
 * A run as a summary names it: the command, and why it failed — what the tool printed, quoted fenced
 * (common/rules/tool-output-fence.ts): `npm install` (output: «npm ERR! …»).
 */
export const described = (r: Run) => `\`${oneLine(r.command, 120)}\`${r.failed ? ` (${r.error ? fenceToolOutput('output', r.error, 200) : 'failed, no error text'})` : ''}`;

/** Where a Read looked: the file and, when the read was partial, its lines. */
function lookedAt(o: OfflineObservation): string {
  const what = subject(o);
  if (o.toolName !== 'Read') return what;
  const input = inputJson(o);
  const offset = typeof input.offset === 'number' ? input.offset : undefined;
  const limit = typeof input.limit === 'number' ? input.limit : undefined;
  return offset !== undefined && limit !== undefined ? `${what} (lines ${offset}–${offset + limit - 1})` : what;
}

function topicOf(prompts: OfflineObservation[], edited: string[], tools: number): string {
  if (prompts[0]) return oneLine(prompts[0].title, 150);
  if (edited[0]) return `Changes to ${edited[0]}`;
  return `${tools} tool calls`;
}

/** The prompts as the request, without the one the title already says (unless the title cut it short). */
function requestOf(prompts: OfflineObservation[], topic: string): string {
  const texts = prompts.map((p) => oneLine(p.text || p.title, 300));
  const rest = texts[0] !== undefined && oneLine(texts[0], 150) === topic ? texts.slice(1) : texts;
  return rest.length > 0 ? list(rest, 4) : '';
}

interface Parts {
  prompts: OfflineObservation[];
  tools: OfflineObservation[];
  looked: string[];
  edited: string[];
  runs: Run[];
}

function partsOf(observations: OfflineObservation[]): Parts {
  const own = ownWork(observations);
  const tools = own.filter((o) => o.kind === 'tool');
  return {
    prompts: own.filter((o) => o.kind === 'prompt'),
    tools,
    looked: unique(tools.filter((o) => READ_TOOLS.has(o.toolName ?? '')).map(lookedAt)),
    edited: unique(tools.filter((o) => EDIT_TOOLS.has(o.toolName ?? '')).map(subject)),
    runs: checkRuns(own),
  };
}

function investigatedOf(p: Parts): string {
  const failures = unique(p.runs.filter((r) => r.failed).map(described));
  return [p.looked.length > 0 ? `Looked at ${list(p.looked, 8)}.` : '', failures.length > 0 ? `Saw failures: ${list(failures, 3)}.` : ''].filter(Boolean).join(' ');
}

/** The summary of one part of a session (a batch): what happened in it, in order. */
export function offlineBatchSummary(observations: OfflineObservation[]): SummaryFields {
  const p = partsOf(observations);
  const from = observations[0]?.sequence ?? 0;
  const to = observations.at(-1)?.sequence ?? 0;
  const topic = topicOf(p.prompts, p.edited, p.tools.length);
  const ran = p.runs.map((r) => `${oneLine(r.command, 100)} ${r.failed ? 'failed' : 'passed'}`);
  const stillFailing = finalRuns(p.runs).filter((r) => r.failed);
  return {
    title: `[offline] #${from}–#${to}: ${topic}`,
    request: requestOf(p.prompts, topic),
    investigated: investigatedOf(p),
    learned: '',
    completed: [p.edited.length > 0 ? `Changed ${list(p.edited, 8)}.` : '', ran.length > 0 ? `Ran, in order: ${list(ran, 6)}.` : ''].filter(Boolean).join(' '),
    nextSteps: stillFailing.length > 0 ? `Failing when this part ended: ${list(stillFailing.map(described), 3)}.` : '',
  };
}

/**
 * The agent's closing account of the session (its last Stop's message), first sentences; what the
 * agent repeats of a tool's output passes the same check as a quote does.
 */
function closingAccount(observations: OfflineObservation[]): string {
  const stop = [...observations].reverse().find((o) => o.kind === 'stop' && o.text.trim());
  return stop ? oneLine(neutralise(stop.text), 240) : '';
}

/**
 * The summary of a whole session: its outcome, what failed and what fixed it. `agent` is the
 * session's agent (sessions.agent): its closing account is labelled with it (Codex, Gemini CLI, …).
 */
export function offlineSummary(observations: OfflineObservation[], agent?: string | null): SummaryFields {
  const p = partsOf(observations);
  const topic = topicOf(p.prompts, p.edited, p.tools.length);
  const last = finalRuns(p.runs);
  const failing = last.filter((r) => r.failed);
  const passing = last.filter((r) => !r.failed);
  const outcome = sessionOutcome(p.runs);
  const fixed = last.filter((r) => !r.failed && p.runs.some((f) => f.failed && f.obs.sequence < r.obs.sequence && f.check.key === r.check.key));
  const said = closingAccount(observations);
  const outcomeLine =
    outcome === 'passing'
      ? `Outcome: passing — the last run of each check passed: ${list(passing.map(described), 4)}.`
      : outcome === 'failing'
        ? ''
        : p.edited.length > 0
          ? 'Outcome: not verified — no test or build was run after the changes.'
          : '';
  return {
    title: `[offline] ${topic}`,
    request: requestOf(p.prompts, topic),
    investigated: investigatedOf(p),
    learned: fixed.length > 0 ? `Fixed: ${list(fixed.map((r) => `\`${oneLine(r.command, 120)}\` passed after failing`), 4)}.` : '',
    completed: [p.edited.length > 0 ? `Changed ${list(p.edited, 8)}.` : '', outcomeLine, said ? `${agentLabel(agent)}: ${said}` : ''].filter(Boolean).join(' '),
    nextSteps: failing.length > 0 ? `Outcome: failing. Still failing at the end: ${list(failing.map(described), 3)}.` : '',
  };
}

export { offlineLearnings };

export function offlineFinal(observations: OfflineObservation[], agent?: string | null): FinalAnswer {
  return { ...offlineSummary(observations, agent), learnings: offlineLearnings(observations) };
}

/** A rolling summary from part summaries, without a model: their fields joined in order. */
export function mergeSummaries(parts: SummaryFields[]): SummaryFields {
  const join = (key: keyof SummaryFields) =>
    unique(parts.map((p) => p[key].trim()).filter(Boolean))
      .join(' ')
      .slice(0, 4000);
  const first = parts[0];
  return {
    // A part's title names its range; the session so far is named by its topic.
    title: first ? first.title.replace(/^\[offline\] #\d+–#\d+: /, '[offline] ') : '[offline] empty session',
    request: join('request'),
    investigated: join('investigated'),
    learned: join('learned'),
    completed: join('completed'),
    nextSteps: parts.at(-1)?.nextSteps ?? '',
  };
}
