/**
 * The hook events memflow captures, by the name of its API route and by Claude Code's name.
 * Pure constants: the API, the CLI's hook client (bundled small) and workflow code all import it.
 */
export const HOOK_EVENTS = [
  'session-start',
  'user-prompt-submit',
  'pre-tool-use',
  'post-tool-use',
  'stop',
  'session-end',
  'pre-compact',
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
};

export const isHookEvent = (name: string): name is HookEventName => (HOOK_EVENTS as readonly string[]).includes(name);
