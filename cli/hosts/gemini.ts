/**
 * Gemini CLI (hooks in .gemini/settings.json; they run synchronously). What the real Gemini CLI
 * 0.61.0 sends, measured (tests/fixtures/hosts/gemini-0.61.0.jsonl): session_id, cwd,
 * transcript_path, hook_event_name and a timestamp on every event; BeforeAgent carries the prompt;
 * AfterTool carries the native tool name and input and `tool_response: {llmContent, returnDisplay}`
 * where a shell command's llmContent has "Output: …" and, when it failed, "Exit Code: N"; AfterAgent
 * carries the final answer as `prompt_response`. PreCompress fired before every model turn of a
 * session that never compacted, so it is not kept (it would record compactions that did not happen).
 * SessionStart reads Claude Code's hookSpecificOutput (measured: the context reaches the first
 * model request inside <hook_context>, prepended to the prompt BeforeAgent then carries).
 */
import { claudeShapedAnswer, hookEvent, obj, shellResult, str, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload } from './shared.js';

/** Gemini CLI's tools in the stored vocabulary: name and input. */
function neutral(name: string, input: Payload): { tool_name: string; tool_input: Payload } {
  switch (name) {
    case 'write_file':
      return { tool_name: 'Write', tool_input: { file_path: str(input.file_path), content: input.content } };
    case 'replace':
      return { tool_name: 'Edit', tool_input: { file_path: str(input.file_path), old_string: input.old_string, new_string: input.new_string } };
    case 'read_file':
    case 'read_many_files':
      return { tool_name: 'Read', tool_input: { file_path: str(input.file_path) ?? str(input.absolute_path), ...input } };
    case 'grep_search':
    case 'search_file_content':
      return { tool_name: 'Grep', tool_input: { pattern: input.pattern, path: input.dir_path ?? input.path } };
    case 'glob':
      return { tool_name: 'Glob', tool_input: { pattern: input.pattern, path: input.dir_path ?? input.path } };
    case 'web_fetch':
      return { tool_name: 'WebFetch', tool_input: input };
    default:
      return { tool_name: name, tool_input: input };
  }
}

/** "Output: …\nExit Code: 1\nProcess Group PGID: …" → output and exit code (0 when none is said). */
export function parseShellContent(llmContent: string): { output: string; exitCode: number } {
  const body = llmContent.replace(/^<untrusted_context>\n?|\n?<\/untrusted_context>$/g, '');
  const exit = /^Exit Code: (-?\d+)$/m.exec(body);
  const output = /^Output: ([\s\S]*?)(?=^(?:Error|Exit Code|Signal|Background PIDs|Process Group PGID):|$(?![\s\S]))/m.exec(body)?.[1] ?? '';
  return { output: output.trimEnd() === '(empty)' ? '' : output.trimEnd(), exitCode: exit ? Number(exit[1]) : 0 };
}

/**
 * The user's own prompt: Gemini CLI prepends the SessionStart context to the first prompt inside
 * <hook_context> (measured), and storing that would feed memflow's context back into its memory.
 */
export function userPrompt(prompt: string): string {
  return prompt.replace(/^<hook_context>[\s\S]*?<\/hook_context>\s*/, '');
}

export const gemini: HostAdapter = {
  host: 'gemini',
  toHookEvent(nativeEvent, payload, opts = {}): HostHookEvent | undefined {
    const sessionId = str(payload.session_id);
    if (!sessionId) return undefined;
    const common = { sessionId, cwd: str(payload.cwd), transcriptPath: str(payload.transcript_path) };
    const agent: MemflowAgent = { host: 'gemini', version: opts.version };
    switch (nativeEvent) {
      case 'SessionStart':
        return hookEvent('session-start', common, agent, { source: str(payload.source) ?? 'startup' });
      case 'BeforeAgent':
        return hookEvent('user-prompt-submit', common, agent, { prompt: userPrompt(str(payload.prompt) ?? '') });
      case 'AfterTool': {
        const name = str(payload.tool_name) ?? 'tool';
        const input = obj(payload.tool_input);
        const response = obj(payload.tool_response);
        const llmContent = typeof response.llmContent === 'string' ? response.llmContent : JSON.stringify(response.llmContent ?? '');
        const withAgent = { ...agent, toolName: name, toolInput: input };
        if (name === 'run_shell_command') {
          const { output, exitCode } = parseShellContent(llmContent);
          const r = shellResult(output, exitCode);
          return hookEvent(r.event, common, withAgent, { tool_name: 'Bash', tool_input: { command: str(input.command) ?? '', description: str(input.description) }, ...r.fields });
        }
        const error = str(response.error) ?? (obj(response.error).message as string | undefined);
        if (error) return hookEvent('post-tool-use-failure', common, withAgent, { ...neutral(name, input), error, is_interrupt: false });
        return hookEvent('post-tool-use', common, withAgent, { ...neutral(name, input), tool_response: { output: llmContent } });
      }
      case 'AfterAgent':
        return hookEvent('stop', common, agent, { last_assistant_message: str(payload.prompt_response), stop_hook_active: payload.stop_hook_active === true });
      case 'SessionEnd':
        return hookEvent('session-end', common, agent, { reason: str(payload.reason) ?? 'other' });
      default:
        return undefined;
    }
  },
  hostAnswer: claudeShapedAnswer,
};
