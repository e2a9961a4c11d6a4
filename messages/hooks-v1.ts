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
export const EVENT_ROUTE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const MAX_EVENT_ROUTE_NAME = 64;
/** The hook events a batch (POST /v1/hooks:batch) may not hold: their answer is the memory handed to the agent. */
export const UNBATCHED_HOOK_EVENTS: ReadonlySet<string> = new Set(['session-start', 'user-prompt-submit']);
export const isEventRouteName = (name: string): boolean => name.length <= MAX_EVENT_ROUTE_NAME && EVENT_ROUTE_NAME.test(name);

/** The stored event for a route name: a known one, or `other` for a future event. */
export const storedEventOf = (name: string): HookEventName => (isHookEvent(name) ? name : 'other');

/** Events that complete a tool call (its result, or its failure). */
export const TOOL_RESULT_EVENTS: ReadonlySet<HookEventName> = new Set(['post-tool-use', 'post-tool-use-failure']);
/** Events of one tool call, merged into one observation by tool_use_id. */
export const TOOL_EVENTS: ReadonlySet<HookEventName> = new Set(['pre-tool-use', 'post-tool-use', 'post-tool-use-failure']);

/** The coding agents memflow captures, as the API names them (sessions, search and context filter by it). */
export const AGENTS = ['claude-code', 'codex', 'gemini', 'opencode', 'copilot'] as const;
export type AgentName = (typeof AGENTS)[number];
export const isAgentName = (s: string): s is AgentName => (AGENTS as readonly string[]).includes(s);

/**
 * The agent (and its version) a hook payload came from. The hook clients of other agents add
 * `memflowAgent: { host, version }` (cli/hosts/shared.ts); Claude Code's own payloads — the API's
 * native shape, posted by Claude Code's http hooks through the relay — carry none, and no version.
 */
export function agentOfPayload(payload: Record<string, unknown>): { agent: AgentName; version: string | null } {
  const a = payload.memflowAgent;
  const host = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>).host : undefined;
  const version = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>).version : undefined;
  const agent = host === 'claude' || host === undefined ? 'claude-code' : typeof host === 'string' && isAgentName(host) ? host : undefined;
  if (!agent) return { agent: 'claude-code', version: null };
  return { agent, version: typeof version === 'string' && version.length > 0 ? version.slice(0, 100) : null };
}

/**
 * The start context's token budget a hook client may ask for with SessionStart
 * (`memflowContextTokens`, an integer in this range; absent: the API's default, 1500). The relay asks
 * a smaller one for Claude Code's sessions, which it also hands memory with each prompt and at each
 * file the agent first touches (docs/push.md, "How much at the start").
 */
export const CONTEXT_TOKENS_RANGE = { min: 100, max: 32_000 } as const;
/** The start budget the relay asks for Claude Code's sessions (docs/push.md says why this number). */
export const START_TOKENS_WITH_PUSHES = 800;

/** The payload's `memflowContextTokens`: absent, a budget in range, or why it is refused. */
export function contextTokensOfPayload(payload: Record<string, unknown>): { tokens?: number; error?: string } {
  const v = payload.memflowContextTokens;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'number' || !Number.isInteger(v) || v < CONTEXT_TOKENS_RANGE.min || v > CONTEXT_TOKENS_RANGE.max) {
    return { error: `memflowContextTokens: must be an integer from ${CONTEXT_TOKENS_RANGE.min} to ${CONTEXT_TOKENS_RANGE.max} (the start context's token budget), not ${JSON.stringify(v).slice(0, 40)}` };
  }
  return { tokens: v };
}

/**
 * The start budget the relay asks for a session's context: a smaller one for Claude Code's sessions
 * (agentOfPayload), which the relay also pushes memory to with each
 * prompt and at each file; other agents' (no file push) the API's default.
 */
export function relayStartTokens(payload: Record<string, unknown>): number | undefined {
  return agentOfPayload(payload).agent === 'claude-code' ? START_TOKENS_WITH_PUSHES : undefined;
}

/**
 * Claude Code keeps injected context only up to 10,000 characters (above, it saves the text to a file
 * and injects a 2 KB preview), whatever our token budget says: stay under it, cut between lines.
 */
export const MAX_INJECTED_CHARS = 9_500;

/**
 * SessionStart's hook output with a project's start context (cut to Claude Code's injection
 * limit), and the items a client with the working tree checks (memflowCheck, taken out before
 * Claude Code sees the answer) when there are any: what the API answers and what the relay holds.
 */
export function sessionStartOutput(context: string, check?: { project: string; items: unknown[] }) {
  return {
    hookSpecificOutput: { hookEventName: CLAUDE_EVENT_NAMES['session-start'], additionalContext: withinInjectionCap(context) },
    ...(check && check.items.length > 0 ? { memflowCheck: check } : {}),
  };
}

/** The UserPromptSubmit hook's answer: the memory pushed with this prompt, or nothing (`{}`). */
export function promptPushOutput(context: string) {
  return context ? { hookSpecificOutput: { hookEventName: CLAUDE_EVENT_NAMES['user-prompt-submit'], additionalContext: withinInjectionCap(context) } } : {};
}

/** The PreToolUse answer on a file tool: what was decided or learned about that file, or nothing (`{}`). */
export function fileTouchOutput(context: string) {
  return context ? { hookSpecificOutput: { hookEventName: CLAUDE_EVENT_NAMES['pre-tool-use'], additionalContext: withinInjectionCap(context) } } : {};
}

/**
 * The PostToolUse answer of a tool call in Claude Code: what was decided or learned about the file a Read read (a
 * Read has no PreToolUse hook there), and a push held for the session (cli/relay/later-push.ts); or nothing.
 */
export function fileResultOutput(context: string) {
  return context ? { hookSpecificOutput: { hookEventName: CLAUDE_EVENT_NAMES['post-tool-use'], additionalContext: withinInjectionCap(context) } } : {};
}

export function withinInjectionCap(context: string, max = MAX_INJECTED_CHARS): string {
  if (context.length <= max) return context;
  const marker = "\n[memflow: cut at Claude Code's injection limit; more with the MCP tools or `memflow context`]";
  const cut = context.slice(0, max - marker.length);
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > cut.length / 2 ? cut.slice(0, lastLine) : cut}${marker}`;
}
