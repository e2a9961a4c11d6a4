/**
 * What every host adapter shares: the Claude-Code-shaped hook body memflow's API takes, the agent
 * that produced it (`memflowAgent`), and one tool vocabulary for all hosts.
 *
 * Tool calls are stored under one neutral vocabulary whatever the host called them — a shell
 * command is `Bash` with `tool_input.command`, a file edit `Edit` with file_path/old_string/
 * new_string, a whole-file write `Write`, a read `Read`, a search `Grep`/`Glob`, a fetch `WebFetch`,
 * a delegated task `Task` — so the rest of memflow (timelines, failure/fix detection, citations,
 * context) reads every host's calls the same way, and one agent never meets another's tool names
 * (`exec_command`, `run_shell_command`, `apply_patch`) in its context. The host's own tool name and
 * input stay in `memflowAgent.toolName` / `memflowAgent.toolInput`.
 */
import { CLAUDE_EVENT_NAMES, type HookEventName } from '../../messages/hooks-v1.js';

export type HostName = 'claude' | 'codex' | 'gemini' | 'opencode' | 'copilot';
export const HOST_NAMES: readonly HostName[] = ['claude', 'codex', 'gemini', 'opencode', 'copilot'];
export const isHostName = (s: string): s is HostName => (HOST_NAMES as readonly string[]).includes(s);

/** Display names, for labels in context ("Codex: …"). */
export const HOST_LABELS: Record<HostName, string> = { claude: 'Claude Code', codex: 'Codex', gemini: 'Gemini CLI', opencode: 'OpenCode', copilot: 'Copilot CLI' };

export type Payload = Record<string, unknown>;

export interface MemflowAgent {
  host: HostName;
  version?: string;
  /** The host's own name for the tool and its own input, when they differ from the stored ones. */
  toolName?: string;
  toolInput?: unknown;
}

/** An event for POST /v1/hooks/{event}: memflow's route name and the Claude-Code-shaped body. */
export interface HostHookEvent {
  event: HookEventName;
  body: Payload & { session_id: string; hook_event_name: string; memflowAgent: MemflowAgent };
  /**
   * A stable Idempotency-Key, for an event that a later hook may read again from the host's
   * transcript (the API then stores it once); without it every delivery gets a fresh key.
   */
  key?: string;
  /** Events to store before this one, in order: the turn's tool calls read from the host's transcript. */
  before?: HostHookEvent[];
  /** When it happened (ISO 8601), when that was before the hook that took it: a call read at the end of its turn. */
  occurredAt?: string;
}

/** What a host's hook client may add from outside the payload (read from the host's transcript). */
export interface HostExtras {
  /** Exit code of the shell command of this tool call, when the payload does not carry it. */
  exitCode?: number;
  /** The agent's final message, when the stop payload does not carry it. */
  lastAssistantMessage?: string;
  /** Tool calls of the host's transcript that no hook reported (Gemini CLI's and Copilot CLI's, read when a turn ends). */
  toolCalls?: TranscriptToolCall[];
}

/** One finished tool call as the host's transcript recorded it. */
export interface TranscriptToolCall {
  /** The host's id of the call (unique in its session). */
  id: string;
  name: string;
  args: Payload;
  /** What the tool handed the model (for a shell command, the host's text with output and exit code). */
  output: string;
  /** Set when the host recorded the call as failed. */
  error?: string;
  /** A shell command's exit code, where the host records it apart from the output (Copilot). */
  exitCode?: number;
  /** When it finished (ISO 8601, as the host recorded it), if it says. */
  at?: string;
}

export interface AdapterOptions {
  version?: string;
  extras?: HostExtras;
}

export interface HostAdapter {
  host: HostName;
  /** Maps a native event to memflow's hook event, or undefined for events memflow does not keep. */
  toHookEvent(nativeEvent: string, payload: Payload, opts?: AdapterOptions): HostHookEvent | undefined;
  /** The host's expected stdout for memflow's answer (the API's Claude-Code-shaped hook output). */
  hostAnswer(event: HookEventName, apiAnswerJson: string): string;
  /**
   * The file touch a kept tool result carries (memflow's `post-tool-use` body, mapped): the files the call read or
   * changed, as a `pre-tool-use` body (fileTouchEvent), answered with the result where the host hands a result hook's
   * context to the model (Codex: its shell command's files). Undefined: no touch, or a host that pushes before the call.
   */
  resultTouch?(body: Payload): Payload | undefined;
  /**
   * Its tool calls are read from its transcript when the turn ends, and no hook runs for most of them (Gemini CLI,
   * Copilot CLI): between a prompt and its stop the agent is working even when no hook comes (session-activity.ts).
   */
  callsAtTurnEnd?: true;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
export const obj = (v: unknown): Payload => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : {});


/** A transcript's time as `occurredAt` when it is a plain instant of the last day (else the event is stored as of its hook). */
export function recentInstant(at: string | undefined): { occurredAt?: string } {
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isFinite(ms) && ms <= Date.now() && ms > Date.now() - 86_400_000 ? { occurredAt: new Date(ms).toISOString() } : {};
}

/** The event with the turn's tool calls read from the host's transcript stored before it (`before`), each mapped by `toEvent`. */
export const withTranscriptCalls = (event: HostHookEvent, calls: TranscriptToolCall[] | undefined, toEvent: (call: TranscriptToolCall) => HostHookEvent): HostHookEvent =>
  calls && calls.length > 0 ? { ...event, before: calls.map(toEvent) } : event;

/** Builds the event with the common fields; undefined fields are left out. */
export function hookEvent(event: HookEventName, common: { sessionId: string; cwd?: string; transcriptPath?: string }, agent: MemflowAgent, fields: Payload = {}): HostHookEvent {
  const body: Payload = {
    session_id: common.sessionId,
    hook_event_name: CLAUDE_EVENT_NAMES[event],
    ...(common.cwd ? { cwd: common.cwd } : {}),
    ...(common.transcriptPath ? { transcript_path: common.transcriptPath } : {}),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
  body.memflowAgent = Object.fromEntries(Object.entries(agent).filter(([, v]) => v !== undefined));
  return { event, body: body as HostHookEvent['body'] };
}

/**
 * A finished shell command in the stored vocabulary: a zero (or unknown) exit is a PostToolUse with
 * Bash's {stdout, stderr}; a non-zero exit is a PostToolUseFailure whose `error` says the exit code
 * the way Claude Code does, followed by the output (what the failure was).
 */
export function shellResult(output: string, exitCode: number | undefined): { event: HookEventName; fields: Payload } {
  if (exitCode !== undefined && exitCode !== 0) {
    const error = `Command exited with non-zero status code ${exitCode}${output.trim() ? `\n${output.trimEnd()}` : ''}`;
    return { event: 'post-tool-use-failure', fields: { error, is_interrupt: false } };
  }
  return { event: 'post-tool-use', fields: { tool_response: { stdout: output, stderr: '', interrupted: false, isImage: false } } };
}

/** A unified-diff-ish patch (Codex/OpenCode `apply_patch`) as Edit/Write inputs: the files it touches. */
export function patchFiles(patch: string): { file_path: string; action: 'add' | 'update' | 'delete' }[] {
  const out: { file_path: string; action: 'add' | 'update' | 'delete' }[] = [];
  for (const m of patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$/gm)) {
    out.push({ file_path: m[2]!.trim(), action: m[1]!.toLowerCase() as 'add' | 'update' | 'delete' });
  }
  return out;
}

/** SessionStart (or per-prompt) context in the Claude Code hook-output shape (Codex and Gemini CLI read it too). */
export function contextOf(apiAnswerJson: string): string | undefined {
  try {
    const parsed = JSON.parse(apiAnswerJson) as { hookSpecificOutput?: { additionalContext?: unknown } };
    return str(parsed?.hookSpecificOutput?.additionalContext);
  } catch {
    return undefined;
  }
}

/**
 * The Claude-Code-shaped answer, passed through for hosts that read that shape: at session start
 * (Codex, Gemini CLI), and per prompt where the host reads context from its prompt hook too — Codex's
 * UserPromptSubmit (Claude Code's shape), Gemini CLI's BeforeAgent (`hookSpecificOutput.additionalContext`,
 * its hooks reference); `promptEvent` names the host's own prompt event. At a file touch (memflow's
 * `pre-tool-use`), the same shape under the host's own tool event (`toolEvent`: Codex's PreToolUse,
 * Gemini CLI's AfterTool); with a kept tool result (`post-tool-use`), under `resultEvent` (Codex's PostToolUse:
 * the push at the code for the files its shell command read, HostAdapter.resultTouch).
 */
export function claudeShapedAnswer(event: HookEventName, apiAnswerJson: string, promptEvent?: string, toolEvent?: string, resultEvent?: string): string {
  const hookEventName =
    event === 'session-start' ? 'SessionStart' : event === 'user-prompt-submit' ? promptEvent : event === 'pre-tool-use' ? toolEvent : event === 'post-tool-use' ? resultEvent : undefined;
  if (!hookEventName) return '{}';
  const context = contextOf(apiAnswerJson);
  return context ? JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext: context } }) : '{}';
}

/** memflow's file touch (`pre-tool-use`, answered and not kept) for the files a host's tool call reads or changes. */
export function fileTouchEvent(common: { sessionId: string; cwd?: string; transcriptPath?: string }, agent: MemflowAgent, tool: 'Read' | 'Edit' | 'Write', files: string[], toolUseId: string | undefined): HostHookEvent | undefined {
  const named = files.filter((f) => f.length > 0 && f.length <= 1000).slice(0, 4);
  if (named.length === 0) return undefined;
  return hookEvent('pre-tool-use', common, agent, { tool_name: tool, tool_input: { file_path: named[0], ...(named.length > 1 ? { file_paths: named } : {}) }, tool_use_id: toolUseId });
}
