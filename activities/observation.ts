/**
 * How a stored hook event reads as a timeline item: a compact title and text, without the noise of
 * the raw payload (which stays in hook_events). Pure functions, so they are tested directly.
 */
import type { HookEventName } from '../workflows/session/messages.js';

export type ObservationKind = 'start' | 'prompt' | 'tool' | 'stop' | 'compact' | 'end';

export const KIND_OF_EVENT: Record<HookEventName, ObservationKind> = {
  'session-start': 'start',
  'user-prompt-submit': 'prompt',
  'pre-tool-use': 'tool',
  'post-tool-use': 'tool',
  stop: 'stop',
  'pre-compact': 'compact',
  'session-end': 'end',
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

/** The one-line gist of a tool call, from the inputs Claude Code's tools actually take. */
export function toolTitle(toolName: string, input: unknown): string {
  const i = (input ?? {}) as Payload;
  const detail =
    str(i.command) ?? str(i.file_path) ?? str(i.path) ?? str(i.pattern) ?? str(i.url) ?? str(i.query) ?? str(i.description) ?? str(i.prompt);
  const oneLine = detail?.replace(/\s+/g, ' ').trim();
  return oneLine ? `${toolName}: ${clip(oneLine, 160)}` : toolName;
}

/** Tool result as text: Bash's stdout/stderr, or the response as JSON. */
function toolResult(response: unknown): string {
  if (response && typeof response === 'object') {
    const r = response as Payload;
    if (typeof r.stdout === 'string' || typeof r.stderr === 'string') {
      return [str(r.stdout), str(r.stderr) && `stderr:\n${r.stderr as string}`].filter(Boolean).join('\n');
    }
  }
  return render(response);
}

export interface RenderedObservation {
  kind: ObservationKind;
  title: string;
  text: string;
  toolName?: string;
  toolUseId?: string;
}

export function renderEvent(event: HookEventName, payload: Payload): RenderedObservation {
  const kind = KIND_OF_EVENT[event];
  switch (event) {
    case 'session-start':
      return { kind, title: `Session started (${str(payload.source) ?? 'startup'})`, text: str(payload.cwd) ?? '' };
    case 'user-prompt-submit': {
      const prompt = str(payload.prompt) ?? '';
      return { kind, title: clip(prompt.replace(/\s+/g, ' ').trim(), 160) || 'Prompt', text: prompt };
    }
    case 'pre-tool-use':
    case 'post-tool-use': {
      const toolName = str(payload.tool_name) ?? 'tool';
      const input = clip(render(payload.tool_input));
      const result = event === 'post-tool-use' ? clip(toolResult(payload.tool_response)) : '';
      const text = result ? `${input}\n---\n${result}` : input;
      return { kind, title: toolTitle(toolName, payload.tool_input), text, toolName, ...(str(payload.tool_use_id) ? { toolUseId: str(payload.tool_use_id)! } : {}) };
    }
    case 'stop':
      return { kind, title: 'Agent stopped', text: '' };
    case 'pre-compact':
      return { kind, title: `Context compaction (${str(payload.trigger) ?? 'auto'})`, text: str(payload.custom_instructions) ?? '' };
    case 'session-end':
      return { kind, title: `Session ended (${str(payload.reason) ?? 'other'})`, text: '' };
  }
}
