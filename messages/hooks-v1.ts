/**
 * The hook events memflow captures, by the name of its API route and by Claude Code's name.
 * Pure constants: the API, the CLI's hook client (bundled small) and workflow code all import it.
 *
 * Every event of the Claude Code hooks reference that carries memory-worthy information has a name
 * here. An event Claude Code adds later is still accepted (any kebab-case name, see isEventRouteName)
 * and stored as `other` with its payload, so nothing a newer client sends is refused or lost.
 */
export const HOOK_EVENTS = [
  'session-start',
  'user-prompt-submit',
  'pre-tool-use',
  'post-tool-use',
  'stop',
  'session-end',
  'pre-compact',
  'post-tool-use-failure',
  'post-compact',
  'subagent-stop',
  'stop-failure',
  'notification',
  'other',
] as const;

export type HookEventName = (typeof HOOK_EVENTS)[number];

export const CLAUDE_EVENT_NAMES: Record<HookEventName, string> = {
  'session-start': 'SessionStart',
  'user-prompt-submit': 'UserPromptSubmit',
  'pre-tool-use': 'PreToolUse',
  'post-tool-use': 'PostToolUse',
  stop: 'Stop',
  'session-end': 'SessionEnd',
  'pre-compact': 'PreCompact',
  'post-tool-use-failure': 'PostToolUseFailure',
  'post-compact': 'PostCompact',
  'subagent-stop': 'SubagentStop',
  'stop-failure': 'StopFailure',
  notification: 'Notification',
  other: 'Other',
};

export const isHookEvent = (name: string): name is HookEventName => (HOOK_EVENTS as readonly string[]).includes(name);

/** A route name an event may have: kebab-case, as Claude Code's names become (PostToolUseFailure → post-tool-use-failure). */
export const isEventRouteName = (name: string): boolean => name.length <= 64 && /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(name);

/** The stored event for a route name: a known one, or `other` for a future event. */
export const storedEventOf = (name: string): HookEventName => (isHookEvent(name) ? name : 'other');

/** Events that complete a tool call (its result, or its failure). */
export const TOOL_RESULT_EVENTS: ReadonlySet<HookEventName> = new Set(['post-tool-use', 'post-tool-use-failure']);
/** Events of one tool call, merged into one observation by tool_use_id. */
export const TOOL_EVENTS: ReadonlySet<HookEventName> = new Set(['pre-tool-use', 'post-tool-use', 'post-tool-use-failure']);

/**
 * Claude Code keeps injected context only up to 10,000 characters (above, it saves the text to a file
 * and injects a 2 KB preview), whatever our token budget says: stay under it, cut between lines.
 */
export const MAX_INJECTED_CHARS = 9_500;

export function withinInjectionCap(context: string, max = MAX_INJECTED_CHARS): string {
  if (context.length <= max) return context;
  const marker = "\n[memflow: cut at Claude Code's injection limit; more with the MCP tools or `memflow context`]";
  const cut = context.slice(0, max - marker.length);
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > cut.length / 2 ? cut.slice(0, lastLine) : cut}${marker}`;
}
