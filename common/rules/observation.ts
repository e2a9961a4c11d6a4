/**
 * How a stored hook event reads as a timeline item: a compact title and text, without the noise of
 * the raw payload (which stays in hook_events). Pure functions, so they are tested directly.
 */
import type { HookEventName } from '../../messages/hooks-v1.js';
import { contentAfter, symbolsOfChange } from './changed-symbols.js';
import { failedDespiteExitZero } from './check-output.js';
import { PRIVATE_MARKER } from './redaction-markers.js';

export type ObservationKind = 'start' | 'prompt' | 'tool' | 'stop' | 'compact' | 'end';

/** The timeline kind of each event; notifications and unknown future events are stored, not shown. */
export const KIND_OF_EVENT: Record<HookEventName, ObservationKind | undefined> = {
  'session-start': 'start',
  'user-prompt-submit': 'prompt',
  'pre-tool-use': 'tool',
  'post-tool-use': 'tool',
  'post-tool-use-failure': 'tool',
  stop: 'stop',
  'subagent-stop': 'stop',
  'stop-failure': 'stop',
  'pre-compact': 'compact',
  'post-compact': 'compact',
  'session-end': 'end',
  notification: undefined,
  other: undefined,
};

/** Longest rendering of a tool input or result kept in an observation; the raw event keeps the rest. */
const MAX_PART = 4000;

type Payload = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function clip(text: string, max = MAX_PART): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 1);
}

/**
 * A title reads without redaction markers: `[private]` text is simply absent, a redacted value is
 * an ellipsis (the text and the raw event keep the markers).
 */
export function cleanTitle(title: string): string {
  return title
    .replaceAll(PRIVATE_MARKER, ' ')
    .replace(/\[redacted:[^\]\s]+\]/g, '…')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Paths under the session's directory read relative to it (another worktree's root means nothing). */
function relativeTo(cwd: string | undefined, text: string): string {
  if (!cwd || cwd === '/') return text;
  const root = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return text.replaceAll(root, '').replaceAll(` ${cwd} `, ' . ');
}

/** The one-line gist of a tool call, from the inputs Claude Code's tools actually take. */
export function toolTitle(toolName: string, input: unknown, cwd?: string): string {
  const i = (input ?? {}) as Payload;
  // A search is told by what it looks for, then where (Grep and Glob take a pattern and a path).
  const searched = str(i.pattern) && (str(i.path) ? `${str(i.pattern)} in ${str(i.path)}` : str(i.pattern));
  const detail =
    str(i.command) ?? str(i.file_path) ?? searched ?? str(i.path) ?? str(i.url) ?? str(i.query) ?? str(i.description) ?? str(i.prompt);
  const oneLine = detail && cleanTitle(relativeTo(cwd, detail));
  return oneLine ? `${toolName}: ${clip(oneLine, 160)}` : toolName;
}

/**
 * Tool result as text: Bash's stdout/stderr, or the response as JSON without what only repeats the
 * repository: an Edit's whole pre-edit file (`originalFile`) and a Read's file content (the call
 * names the file; the file itself is in the repository, not a memory).
 */
function toolResult(response: unknown, toolName?: string, input?: unknown): string {
  if (response && typeof response === 'object') {
    const r = response as Payload;
    if (typeof r.stdout === 'string' || typeof r.stderr === 'string') {
      return [str(r.stdout), str(r.stderr) && `stderr:\n${r.stderr as string}`].filter(Boolean).join('\n');
    }
    const { originalFile, file, ...rest } = r;
    // The whole file before an Edit or Write is not kept, but what the change touched is read from it
    // first (common/rules/changed-symbols.ts): a rewrite of a whole file is told by what it changed.
    if (typeof originalFile === 'string' && toolName && input && typeof input === 'object') {
      const after = contentAfter(toolName, input as Payload, originalFile);
      const path = str((input as Payload).file_path) ?? '';
      if (after !== undefined) return render({ changedSymbols: symbolsOfChange(path, originalFile, after), ...rest });
    }
    if (file && typeof file === 'object') {
      const { content: _content, ...meta } = file as Payload;
      return render({ ...rest, file: meta });
    }
    return render(rest);
  }
  return render(response);
}

/**
 * A failed tool call's result: PostToolUseFailure has no tool_response, only the `error` Claude Code
 * reports ("Command exited with non-zero status code 1", or the tool's message), and whether the user
 * interrupted it. Written so the summarizers read it as the failure it is.
 */
function failureResult(payload: Payload): string {
  const error = str(payload.error) ?? render(payload.error) ?? '';
  const interrupted = payload.is_interrupt === true ? ' (interrupted by the user)' : '';
  return `failed${interrupted}: ${error || 'no error text'}`;
}

export interface RenderedObservation {
  kind: ObservationKind;
  title: string;
  text: string;
  toolName?: string;
  toolUseId?: string;
}

/** The first line of Claude's own account of a turn, for a title. */
const gist = (text: string | undefined) => (text ? clip(cleanTitle(text), 140) || undefined : undefined);

/** The timeline item of an event, or undefined for events that are kept only as raw events. */
export function renderEvent(event: HookEventName, payload: Payload): RenderedObservation | undefined {
  const kind = KIND_OF_EVENT[event];
  if (!kind) return undefined;
  switch (event) {
    case 'session-start':
      return { kind, title: `Session started (${str(payload.source) ?? 'startup'})`, text: str(payload.cwd) ?? '' };
    case 'user-prompt-submit': {
      const prompt = str(payload.prompt) ?? '';
      return { kind, title: clip(cleanTitle(prompt), 160) || 'Prompt', text: prompt };
    }
    case 'pre-tool-use':
    case 'post-tool-use':
    case 'post-tool-use-failure': {
      const toolName = str(payload.tool_name) ?? 'tool';
      const input = clip(render(payload.tool_input));
      const result =
        event === 'post-tool-use' ? clip(toolResult(payload.tool_response, toolName, payload.tool_input)) : event === 'post-tool-use-failure' ? clip(failureResult(payload)) : '';
      const text = result ? `${input}\n---\n${result}` : input;
      const failed = event === 'post-tool-use-failure' || (event === 'post-tool-use' && failedDespiteExitZero(toolName, payload.tool_input, payload.tool_response));
      const title = `${failed ? 'FAILED ' : ''}${toolTitle(toolName, payload.tool_input, str(payload.cwd))}`;
      return { kind, title, text, toolName, ...(str(payload.tool_use_id) ? { toolUseId: str(payload.tool_use_id)! } : {}) };
    }
    case 'stop': {
      // Claude's own account of what it did and why: the best summary of a turn there is.
      const said = str(payload.last_assistant_message);
      return { kind, title: said ? `Agent stopped: ${gist(said)}` : 'Agent stopped', text: said ?? '' };
    }
    case 'subagent-stop': {
      const said = str(payload.last_assistant_message);
      const who = str(payload.agent_type) ?? 'subagent';
      return { kind, title: said ? `Subagent ${who} finished: ${gist(said)}` : `Subagent ${who} finished`, text: said ?? '' };
    }
    case 'stop-failure': {
      const error = str(payload.error) ?? str(payload.message) ?? 'API error';
      return { kind, title: `Turn ended by an error: ${gist(error)}`, text: render(payload.error_details ?? payload.error ?? '') };
    }
    case 'pre-compact':
      return { kind, title: `Context compaction (${str(payload.trigger) ?? 'auto'})`, text: str(payload.custom_instructions) ?? '' };
    case 'post-compact':
      return { kind, title: `Context compacted (${str(payload.trigger) ?? 'auto'})`, text: str(payload.compact_summary) ?? '' };
    case 'session-end':
      return { kind, title: `Session ended (${str(payload.reason) ?? 'other'})`, text: '' };
  }
}
