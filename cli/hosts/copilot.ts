/**
 * GitHub Copilot CLI (.github/hooks/*.json, version 1, camelCase events). What the real Copilot CLI
 * 1.0.102 sends, measured (tests/fixtures/hosts/copilot-1.0.102.jsonl): sessionId, timestamp, cwd;
 * postToolUse carries toolName, toolArgs and `toolResult.textResultForLlm`, where a shell command's
 * exit code is only in the text ("<shellId: 0 completed with exit code 1>") — a failed command is a
 * *successful* tool call for Copilot; agentStop carries transcriptPath but not the final answer (the
 * hook client reads it from the transcript's last assistant.message and hands it in as extras).
 * Copilot ignores sessionStart output (its hooks reference: "Output processed: No"), so its context
 * goes into a custom-instructions file instead (copilot-instructions.ts).
 * preToolUse is the push at the code: a `view`, `edit` or `create` names its file, a shell command the
 * files it reads (command-files.ts); Copilot 1.0.102 hands a preToolUse hook's top-level
 * `additionalContext` to the model with the call (measured: the nested `hookSpecificOutput` form is
 * not read), so that is the answer's shape.
 */
import { contextOf, fileTouchEvent, hookEvent, obj, shellResult, str, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload } from './shared.js';
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

export const copilot: HostAdapter = {
  host: 'copilot',
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
      case 'postToolUse':
      case 'postToolUseFailure': {
        const name = str(payload.toolName) ?? 'tool';
        const args = obj(payload.toolArgs);
        const withAgent = { ...agent, toolName: name, toolInput: args };
        const text = str(obj(payload.toolResult).textResultForLlm) ?? '';
        if (nativeEvent === 'postToolUseFailure') {
          const call = name === 'bash' ? { tool_name: 'Bash', tool_input: { command: str(args.command) ?? '' } } : neutral(name, args);
          return hookEvent('post-tool-use-failure', common, withAgent, { ...call, error: str(payload.error) ?? 'failed', is_interrupt: false });
        }
        if (name === 'bash') {
          const { output, exitCode } = parseShellResult(text);
          const r = shellResult(output, exitCode);
          return hookEvent(r.event, common, withAgent, { tool_name: 'Bash', tool_input: { command: str(args.command) ?? '', description: str(args.description) }, ...r.fields });
        }
        return hookEvent('post-tool-use', common, withAgent, { ...neutral(name, args), tool_response: { output: text } });
      }
      case 'agentStop':
        return hookEvent('stop', common, agent, { last_assistant_message: opts.extras?.lastAssistantMessage, stop_hook_active: payload.stop_hook_active === true });
      case 'preCompact':
        return hookEvent('pre-compact', common, agent, { trigger: str(payload.trigger) ?? 'auto', custom_instructions: str(payload.customInstructions) });
      case 'sessionEnd':
        return hookEvent('session-end', common, agent, { reason: str(payload.reason) ?? 'other' });
      default:
        return undefined;
    }
  },
  hostAnswer: (event, json) => {
    const context = event === 'pre-tool-use' ? contextOf(json) : undefined;
    return context ? JSON.stringify({ additionalContext: context }) : '{}';
  },
};
