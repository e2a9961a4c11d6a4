/**
 * GitHub Copilot CLI (.github/hooks/*.json, version 1, camelCase events). What the real Copilot CLI
 * 1.0.102 sends, measured (tests/fixtures/hosts/copilot-1.0.102.jsonl): sessionId, timestamp, cwd;
 * agentStop carries transcriptPath (its session's events.jsonl) but not the final answer.
 * Copilot ignores sessionStart output (its hooks reference: "Output processed: No"), so its context
 * goes into a custom-instructions file instead (copilot-instructions.ts).
 *
 * Tool calls are read from the session's events.jsonl when the turn ends (agentStop; sessionEnd for a
 * turn cut short: transcripts.ts copilotUnansweredToolCalls, tests/fixtures/hosts/copilot-1.0.102-events.jsonl),
 * keyed by Copilot's call id, with the final answer — not from postToolUse: Copilot runs every hook as
 * a process the agent waits for, and two per tool call (preToolUse and postToolUse) cost it more than
 * memflow's 10 ms per call (docs/benchmarks.md). A shell command's exit code is in the call's record
 * (and in its text, "<shellId: 0 completed with exit code 1>"): a failed command is a *successful*
 * tool call for Copilot. postToolUse of an older install is not kept (its call is read at the turn's end).
 * preToolUse is the push at the code, installed for the tools that name files only (its `matcher`,
 * which 1.0.102 honours: install-copilot.ts): a `view`, `edit` or `create` names its file, a shell
 * command the files it reads (command-files.ts); Copilot 1.0.102 hands a preToolUse hook's top-level
 * `additionalContext` to the model with the call (measured: the nested `hookSpecificOutput` form is
 * not read), so that is the answer's shape.
 */
import { contextOf, fileTouchEvent, hookEvent, obj, recentInstant, shellResult, str, withTranscriptCalls, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload, type TranscriptToolCall } from './shared.js';
import { filesReadBy } from './command-files.js';

/** Copilot's tool arguments: an object, or the same as JSON text. */
function argsOf(v: unknown): Payload {
  if (typeof v !== 'string') return obj(v);
  try {
    return obj(JSON.parse(v));
  } catch {
    return {};
  }
}

function neutral(name: string, args: Payload): { tool_name: string; tool_input: Payload } {
  switch (name) {
    case 'edit':
      return { tool_name: 'Edit', tool_input: { file_path: str(args.path), old_string: args.old_str, new_string: args.new_str } };
    case 'create':
      return { tool_name: 'Write', tool_input: { file_path: str(args.path), content: args.file_text } };
    case 'view':
      return { tool_name: 'Read', tool_input: { file_path: str(args.path) } };
    case 'grep':
      return { tool_name: 'Grep', tool_input: { pattern: args.pattern, path: args.path } };
    case 'glob':
      return { tool_name: 'Glob', tool_input: { pattern: args.pattern, path: args.path } };
    case 'web_fetch':
      return { tool_name: 'WebFetch', tool_input: { url: args.url } };
    case 'task':
      return { tool_name: 'Task', tool_input: args };
    default:
      return { tool_name: name, tool_input: args };
  }
}

/** "…\n<shellId: 0 completed with exit code 1>" → the output without the marker and the exit code. */
export function parseShellResult(text: string): { output: string; exitCode: number | undefined } {
  const m = /\n?<shellId: [^>]*?exit code (-?\d+)>\s*$/.exec(text);
  return m ? { output: text.slice(0, m.index), exitCode: Number(m[1]) } : { output: text, exitCode: undefined };
}

type Common = { sessionId: string; cwd?: string; transcriptPath?: string };

/** One tool call of Copilot's events.jsonl as memflow's event, keyed by its call id (read twice, stored once). */
export function toolCallEvent(common: Common, agent: MemflowAgent, call: TranscriptToolCall): HostHookEvent {
  const withAgent = { ...agent, toolName: call.name, toolInput: call.args };
  const shell = call.name === 'bash';
  const tool = shell ? { tool_name: 'Bash', tool_input: { command: str(call.args.command) ?? '', description: str(call.args.description) } } : neutral(call.name, call.args);
  let fields: Payload;
  let event: HostHookEvent['event'];
  if (call.error !== undefined) [event, fields] = ['post-tool-use-failure', { error: call.error, is_interrupt: false }];
  else if (shell) {
    const { output, exitCode } = parseShellResult(call.output);
    const r = shellResult(output, call.exitCode ?? exitCode);
    [event, fields] = [r.event, r.fields];
  } else [event, fields] = ['post-tool-use', { tool_response: { output: call.output } }];
  return { ...hookEvent(event, common, withAgent, { ...tool, tool_use_id: call.id, ...fields }), key: `copilot-tool:${call.id}`, ...recentInstant(call.at) };
}

const withCalls = (event: HostHookEvent, common: Common, agent: MemflowAgent, calls: TranscriptToolCall[] | undefined): HostHookEvent => withTranscriptCalls(event, calls, (c) => toolCallEvent(common, agent, c));

export const copilot: HostAdapter = {
  host: 'copilot',
  callsAtTurnEnd: true,
  toHookEvent(nativeEvent, payload, opts = {}): HostHookEvent | undefined {
    const sessionId = str(payload.sessionId);
    if (!sessionId) return undefined;
    const common = { sessionId, cwd: str(payload.cwd), transcriptPath: str(payload.transcriptPath) };
    const agent: MemflowAgent = { host: 'copilot', version: opts.version };
    switch (nativeEvent) {
      case 'sessionStart':
        return hookEvent('session-start', common, agent, { source: str(payload.source) === 'resume' ? 'resume' : 'startup' });
      case 'userPromptSubmitted':
        return hookEvent('user-prompt-submit', common, agent, { prompt: str(payload.prompt) ?? '' });
      case 'preToolUse': {
        const name = str(payload.toolName) ?? 'tool';
        const args = argsOf(payload.toolArgs);
        const withTool = { ...agent, toolName: name };
        if (name === 'bash') {
          const command = str(args.command);
          return command ? fileTouchEvent(common, withTool, 'Read', filesReadBy(command, common.cwd), undefined) : undefined;
        }
        const file = str(args.path);
        const tool = name === 'view' ? 'Read' : name === 'edit' ? 'Edit' : name === 'create' ? 'Write' : undefined;
        return tool && file ? fileTouchEvent(common, withTool, tool, [file], undefined) : undefined;
      }
      // postToolUse and postToolUseFailure (an older install's) are not kept: the turn's calls are read at its end.
      case 'agentStop':
        return withCalls(hookEvent('stop', common, agent, { last_assistant_message: opts.extras?.lastAssistantMessage, stop_hook_active: payload.stop_hook_active === true }), common, agent, opts.extras?.toolCalls);
      case 'preCompact':
        return hookEvent('pre-compact', common, agent, { trigger: str(payload.trigger) ?? 'auto', custom_instructions: str(payload.customInstructions) });
      case 'sessionEnd':
        return withCalls(hookEvent('session-end', common, agent, { reason: str(payload.reason) ?? 'other' }), common, agent, opts.extras?.toolCalls);
      default:
        return undefined;
    }
  },
  hostAnswer: (event, json) => {
    const context = event === 'pre-tool-use' ? contextOf(json) : undefined;
    return context ? JSON.stringify({ additionalContext: context }) : '{}';
  },
};
