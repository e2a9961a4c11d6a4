/**
 * OpenCode (a plugin: .memflow/opencode-plugin.js, named in opencode.json by `memflow install --host opencode`).
 * OpenCode has no command hooks: its plugins are modules loaded into its own process, called with
 * every bus event (`event`) and around every tool call (`tool.execute.before/after`). memflow's
 * plugin (install-opencode.ts) forwards a few of them as native events with a small payload:
 * - `session.created` {sessionID, directory}
 * - `chat.message` {sessionID, directory, prompt}
 * - `tool.execute.after` {sessionID, directory, tool, callID, args, output: {title, output, metadata}}
 *   — measured on OpenCode 1.18.33: a shell command's metadata has `exit` (its exit code) and
 *   `output`; apply_patch's has the diff and the files (tests/fixtures/hosts/opencode-1.18.33.jsonl);
 * - `session.idle` {sessionID, directory, lastAssistantMessage} — the plugin keeps the last finished
 *   assistant text part of the session (message.part.updated) and sends it when the session goes idle;
 * - `session.compacted` {sessionID, directory};
 * - `session.ended` {sessionID, directory} — not OpenCode's own: OpenCode has no session-end event (a
 *   session stays open for later), so the plugin sends it for each session it saw when OpenCode
 *   disposes of the plugin, which it does (and awaits) when it exits. A session resumed later is
 *   active again with its next event; one never disposed (a crash) is ended by memflow's idle timeout.
 * The SessionStart answer is the plain context text: the plugin adds it to the system prompt
 * (experimental.chat.system.transform). The UserPromptSubmit answer (chat.message) is the plain text
 * of the memory pushed with the prompt (cli/relay/prompt-answer.ts), or nothing: the plugin
 * waits for it within the prompt budget and adds it to the user's message as a synthetic text part.
 * - `tool.execute.before` {sessionID, directory, tool, callID, args} for the file tools (read, edit,
 *   write, apply_patch): the push at the code. OpenCode lets a plugin change a tool's result before the
 *   model reads it (`tool.execute.after`'s `output.output`), not add a message before the call; so the
 *   plugin asks the relay when the call starts (the file touch: answered, never kept) and appends the
 *   answer, the plain text of what memflow knows of the file, to the tool's result once it is there.
 */
import { contextOf, fileTouchEvent, hookEvent, obj, patchFiles, shellResult, str, type HostAdapter, type HostHookEvent, type MemflowAgent, type Payload } from './shared.js';

function neutral(name: string, args: Payload): { tool_name: string; tool_input: Payload } {
  switch (name) {
    case 'edit':
      return { tool_name: 'Edit', tool_input: { file_path: str(args.filePath), old_string: args.oldString, new_string: args.newString } };
    case 'write':
      return { tool_name: 'Write', tool_input: { file_path: str(args.filePath), content: args.content } };
    case 'read':
      return { tool_name: 'Read', tool_input: { file_path: str(args.filePath) } };
    case 'grep':
      return { tool_name: 'Grep', tool_input: { pattern: args.pattern, path: args.path } };
    case 'glob':
      return { tool_name: 'Glob', tool_input: { pattern: args.pattern, path: args.path } };
    case 'webfetch':
      return { tool_name: 'WebFetch', tool_input: { url: args.url } };
    case 'task':
      return { tool_name: 'Task', tool_input: args };
    case 'apply_patch': {
      const patch = str(args.patchText) ?? '';
      const first = patchFiles(patch)[0];
      return { tool_name: first?.action === 'add' ? 'Write' : 'Edit', tool_input: { file_path: first?.file_path, patch } };
    }
    default:
      return { tool_name: name, tool_input: args };
  }
}

export const opencode: HostAdapter = {
  host: 'opencode',
  toHookEvent(nativeEvent, payload, opts = {}): HostHookEvent | undefined {
    const sessionId = str(payload.sessionID);
    if (!sessionId) return undefined;
    const common = { sessionId, cwd: str(payload.directory) };
    const agent: MemflowAgent = { host: 'opencode', version: opts.version };
    switch (nativeEvent) {
      case 'session.created':
        return hookEvent('session-start', common, agent, { source: 'startup' });
      case 'chat.message':
        return hookEvent('user-prompt-submit', common, agent, { prompt: str(payload.prompt) ?? '' });
      case 'tool.execute.before': {
        const name = str(payload.tool) ?? 'tool';
        const args = obj(payload.args);
        const withTool = { ...agent, toolName: name };
        if (name === 'apply_patch') return fileTouchEvent(common, withTool, 'Edit', patchFiles(str(args.patchText) ?? '').map((f) => f.file_path), str(payload.callID));
        const file = str(args.filePath);
        const tool = name === 'read' ? 'Read' : name === 'edit' ? 'Edit' : name === 'write' ? 'Write' : undefined;
        return tool && file ? fileTouchEvent(common, withTool, tool, [file], str(payload.callID)) : undefined;
      }
      case 'tool.execute.after': {
        const name = str(payload.tool) ?? 'tool';
        const args = obj(payload.args);
        const out = obj(payload.output);
        const meta = obj(out.metadata);
        const withAgent = { ...agent, toolName: name, toolInput: args };
        const toolUseId = str(payload.callID);
        if (name === 'bash') {
          const output = str(meta.output) ?? str(out.output) ?? '';
          const r = shellResult(output, typeof meta.exit === 'number' ? meta.exit : undefined);
          return hookEvent(r.event, common, withAgent, { tool_name: 'Bash', tool_input: { command: str(args.command) ?? '', description: str(args.description) }, tool_use_id: toolUseId, ...r.fields });
        }
        const response: Payload = { title: str(out.title), output: str(out.output) };
        if (typeof meta.diff === 'string') response.diff = meta.diff;
        return hookEvent('post-tool-use', common, withAgent, { ...neutral(name, args), tool_response: response, tool_use_id: toolUseId });
      }
      case 'session.idle':
        return hookEvent('stop', common, agent, { last_assistant_message: str(payload.lastAssistantMessage), stop_hook_active: false });
      case 'session.compacted':
        return hookEvent('post-compact', common, agent, { trigger: 'auto' });
      case 'session.ended':
        return hookEvent('session-end', common, agent, { reason: 'other' });
      default:
        return undefined;
    }
  },
  hostAnswer(event, apiAnswerJson) {
    return event === 'session-start' || event === 'user-prompt-submit' || event === 'pre-tool-use' ? (contextOf(apiAnswerJson) ?? '') : '';
  },
};
