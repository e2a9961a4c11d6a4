/**
 * Gemini CLI (hooks in .gemini/settings.json; they run synchronously). What the real Gemini CLI
 * 0.61.0 sends, measured (tests/fixtures/hosts/gemini-0.61.0.jsonl): session_id, cwd,
 * transcript_path, hook_event_name and a timestamp on every event; BeforeAgent carries the prompt;
 * AfterAgent carries the final answer as `prompt_response`. The turn's tool calls come from Gemini's
 * chat recording (cli/hosts/transcripts.ts), read when the turn ends: native name, args, and what the
 * tool handed the model, where a shell command's text has "Output: …" and, when it failed, "Exit
 * Code: N". PreCompress fired before every model turn of a
 * session that never compacted, so it is not kept (it would record compactions that did not happen).
 * SessionStart reads Claude Code's hookSpecificOutput (measured: the context reaches the first
 * model request inside <hook_context>, prepended to the prompt BeforeAgent then carries).
 * The push at the code: Gemini's BeforeTool cannot add to what the model reads (its hooks reference:
 * only a decision or changed arguments), AfterTool can (`hookSpecificOutput.additionalContext`,
 * appended to the tool's result inside <hook_context>). So AfterTool on the file tools only (read_file,
 * read_many_files, replace, write_file: its matcher; a shell command runs no hook) is memflow's file
 * touch, answered with what memflow knows of the file; the call itself is still stored from the chat
 * recording when the turn ends.
 */
import type { HookEventName } from '../../messages/hooks-v1.js';
import { claudeShapedAnswer, fileTouchEvent, hookEvent, obj, recentInstant, shellResult, str, withTranscriptCalls, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload, type TranscriptToolCall } from './shared.js';

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

type Common = { sessionId: string; cwd?: string; transcriptPath?: string };

/** Gemini CLI's tools that read or change one file, or several: the AfterTool hook's matcher (install-gemini.ts). */
export const GEMINI_FILE_TOOLS = ['read_file', 'read_many_files', 'replace', 'write_file'] as const;

/** The file touch of one of Gemini's file tools (a read's file, or read_many_files' plain paths). */
function fileTouchOf(common: Common, agent: MemflowAgent, name: string | undefined, input: Payload): HostHookEvent | undefined {
  if (!name || !(GEMINI_FILE_TOOLS as readonly string[]).includes(name)) return undefined;
  const withTool = { ...agent, toolName: name };
  if (name === 'read_many_files') {
    const paths = Array.isArray(input.paths) ? input.paths.filter((p): p is string => typeof p === 'string' && !/[*?[{]/.test(p)) : [];
    return fileTouchEvent(common, withTool, 'Read', paths, undefined);
  }
  const file = str(input.file_path) ?? str(input.absolute_path);
  return file ? fileTouchEvent(common, withTool, name === 'read_file' ? 'Read' : name === 'write_file' ? 'Write' : 'Edit', [file], undefined) : undefined;
}

/** One tool call of Gemini's transcript as memflow's event, keyed by its call id (read twice, stored once). */
export function toolCallEvent(common: Common, agent: MemflowAgent, call: TranscriptToolCall): HostHookEvent {
  const shell = call.name === 'run_shell_command';
  const tool = shell ? { tool_name: 'Bash', tool_input: { command: str(call.args.command) ?? '', description: str(call.args.description) } } : neutral(call.name, call.args);
  let result: { event: HookEventName; fields: Payload };
  if (call.error !== undefined) result = { event: 'post-tool-use-failure', fields: { error: call.error, is_interrupt: false } };
  else if (shell) {
    const { output, exitCode } = parseShellContent(call.output);
    result = shellResult(output, exitCode);
  } else result = { event: 'post-tool-use', fields: { tool_response: { output: call.output } } };
  const withAgent = { ...agent, toolName: call.name, toolInput: call.args };
  return { ...hookEvent(result.event, common, withAgent, { ...tool, tool_use_id: call.id, ...result.fields }), key: `gemini-tool:${call.id}`, ...recentInstant(call.at) };
}

const withCalls = (event: HostHookEvent, common: Common, agent: MemflowAgent, calls: TranscriptToolCall[] | undefined): HostHookEvent => withTranscriptCalls(event, calls, (c) => toolCallEvent(common, agent, c));

export const gemini: HostAdapter = {
  host: 'gemini',
  callsAtTurnEnd: true,
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
      // Tool calls are read from Gemini's chat recording when the turn ends (AfterAgent; SessionEnd for a
      // turn cut short), not from AfterTool: Gemini runs every hook as a process the agent waits for,
      // which cost each tool call more than memflow's budget. AfterTool runs on the file tools only
      // (GEMINI_FILE_TOOLS) and is the file touch: answered, never kept (the transcript has that call).
      case 'AfterTool':
        return fileTouchOf(common, agent, str(payload.tool_name), obj(payload.tool_input));
      case 'AfterAgent':
        return withCalls(hookEvent('stop', common, agent, { last_assistant_message: str(payload.prompt_response), stop_hook_active: payload.stop_hook_active === true }), common, agent, opts.extras?.toolCalls);
      case 'SessionEnd':
        return withCalls(hookEvent('session-end', common, agent, { reason: str(payload.reason) ?? 'other' }), common, agent, opts.extras?.toolCalls);
      default:
        return undefined;
    }
  },
  // Per prompt too: the API's UserPromptSubmit answer carries memory for the prompt (issue 46).
  hostAnswer: (event, json) => claudeShapedAnswer(event, json, 'BeforeAgent', 'AfterTool'),
};
