/**
 * Codex CLI (hooks.json / [hooks] in config.toml). What the real Codex 0.169.0 sends, measured
 * (tests/fixtures/hosts/codex-0.169.0.jsonl): Claude-Code-like payloads (session_id, cwd,
 * transcript_path, hook_event_name, tool_name "Bash", tool_input.command) — but PostToolUse fires
 * for failed commands too, and its `tool_response` is only the command's combined output, with no
 * exit code. The exit code is in the session's rollout file (transcript_path); the hook client reads
 * it there (codex-transcript.ts) and hands it in as `extras.exitCode`.
 * Stop carries `last_assistant_message`. SessionStart reads Claude Code's hookSpecificOutput.
 * The push at the code: Codex reads files through its shell (`cat`, `sed -n`, `rg`), so the files a command
 * reads (command-files.ts) are memflow's file touch, and what memflow knows of them goes back as PostToolUse's
 * `hookSpecificOutput.additionalContext`, which Codex hands the model as a developer message with the call's
 * result (tests/hosts-code-push.test.ts): one hook process per shell call (two bash starts cost 10 ms of a call's
 * ~13 here, docs/benchmarks.md). A patch's files are touched before it (PreToolUse, installed for patches only:
 * a rule must come before the edit), and with its result when no PreToolUse came.
 */
import { claudeShapedAnswer, fileTouchEvent, hookEvent, obj, patchFiles, shellResult, str, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload } from './shared.js';
import { filesReadBy } from './command-files.js';

/** Codex's names for its shell tool (the hooks say Bash; older builds shell or exec_command). */
const SHELL_TOOLS = new Set(['Bash', 'shell', 'exec_command']);

/** What every memflow event of a Codex session carries: the session, its working folder and its rollout file. */
const commonOf = (payload: Payload, sessionId: string) => ({ sessionId, cwd: str(payload.cwd), transcriptPath: str(payload.transcript_path) });

export const codex: HostAdapter = {
  host: 'codex',
  toHookEvent(nativeEvent, payload, opts = {}): HostHookEvent | undefined {
    const sessionId = str(payload.session_id);
    if (!sessionId) return undefined;
    const common = commonOf(payload, sessionId);
    const agent: MemflowAgent = { host: 'codex', version: opts.version };
    switch (nativeEvent) {
      case 'SessionStart':
        return hookEvent('session-start', common, agent, { source: str(payload.source) ?? 'startup', model: str(payload.model) });
      case 'UserPromptSubmit':
        return hookEvent('user-prompt-submit', common, agent, { prompt: str(payload.prompt) ?? '' });
      case 'PreToolUse': {
        const nativeName = str(payload.tool_name) ?? 'tool';
        const input = obj(payload.tool_input);
        const withTool = { ...agent, toolName: nativeName };
        if (SHELL_TOOLS.has(nativeName)) {
          const command = Array.isArray(input.command) ? input.command.filter((w): w is string => typeof w === 'string') : (str(input.command) ?? str(input.cmd));
          return command ? fileTouchEvent(common, withTool, 'Read', filesReadBy(command, common.cwd), str(payload.tool_use_id)) : undefined;
        }
        const patch = str(input.patch) ?? str(input.input) ?? str(input.command);
        if (nativeName === 'apply_patch' && patch) return fileTouchEvent(common, withTool, 'Edit', patchFiles(patch).map((f) => f.file_path), str(payload.tool_use_id));
        return undefined;
      }
      case 'PostToolUse': {
        const toolUseId = str(payload.tool_use_id);
        const nativeName = str(payload.tool_name) ?? 'tool';
        const input = obj(payload.tool_input);
        const output = typeof payload.tool_response === 'string' ? payload.tool_response : JSON.stringify(payload.tool_response ?? '');
        if (nativeName === 'Bash' || nativeName === 'shell' || nativeName === 'exec_command') {
          const command = str(input.command) ?? str(input.cmd) ?? '';
          const r = shellResult(output, opts.extras?.exitCode);
          return hookEvent(r.event, common, { ...agent, toolName: nativeName }, { tool_name: 'Bash', tool_input: { command }, tool_use_id: toolUseId, ...r.fields });
        }
        const patch = str(input.patch) ?? str(input.input) ?? str(input.command);
        if (nativeName === 'apply_patch' && patch) {
          const files = patchFiles(patch);
          const first = files[0];
          const fields: Payload = first
            ? { tool_name: first.action === 'add' ? 'Write' : 'Edit', tool_input: { file_path: first.file_path, patch }, tool_response: { output, files } }
            : { tool_name: 'Edit', tool_input: { patch }, tool_response: { output } };
          return hookEvent('post-tool-use', common, { ...agent, toolName: nativeName }, { ...fields, tool_use_id: toolUseId });
        }
        return hookEvent('post-tool-use', common, { ...agent, toolName: nativeName }, { tool_name: nativeName, tool_input: input, tool_response: output, tool_use_id: toolUseId });
      }
      case 'Stop':
        return hookEvent('stop', common, agent, { last_assistant_message: str(payload.last_assistant_message), stop_hook_active: payload.stop_hook_active === true });
      case 'PreCompact':
        return hookEvent('pre-compact', common, agent, { trigger: str(payload.trigger) ?? 'auto', custom_instructions: str(payload.custom_instructions) });
      case 'PostCompact':
        return hookEvent('post-compact', common, agent, { trigger: str(payload.trigger) ?? 'auto', compact_summary: str(payload.compact_summary) });
      case 'SessionEnd':
        return hookEvent('session-end', common, agent, { reason: str(payload.reason) ?? 'other' });
      default:
        return undefined;
    }
  },
  // Per prompt too: the API's UserPromptSubmit answer carries memory for the prompt (issue 46); at the code with the
  // shell call's result (PostToolUse), and before a patch (PreToolUse).
  hostAnswer: (event, json) => claudeShapedAnswer(event, json, 'UserPromptSubmit', 'PreToolUse', 'PostToolUse'),
  resultTouch(body) {
    const session = str(body.session_id);
    if (!session) return undefined;
    const common = commonOf(body, session);
    const was = obj(body.memflowAgent);
    const agent: MemflowAgent = { host: 'codex', version: str(was.version), toolName: str(was.toolName) };
    const input = obj(body.tool_input);
    const toolUseId = str(body.tool_use_id);
    if (body.tool_name === 'Bash') {
      const command = str(input.command);
      return command ? fileTouchEvent(common, agent, 'Read', filesReadBy(command, common.cwd), toolUseId)?.body : undefined;
    }
    // A patch's files (Edit or Write, tool_input.patch): their push, in case no PreToolUse came before it.
    const patch = str(input.patch);
    return patch ? fileTouchEvent(common, agent, 'Edit', patchFiles(patch).map((f) => f.file_path), toolUseId)?.body : undefined;
  },
};
