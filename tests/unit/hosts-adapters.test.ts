/**
 * The host adapters (cli/hosts/) on what the real CLIs sent: the payloads recorded from Codex
 * 0.169.0, Gemini CLI 0.61.0, OpenCode 1.18.33 and Copilot CLI 1.0.102 in a session that ran a
 * failing check, fixed it and ran it passing (tests/fixtures/hosts/). Pure functions: no servers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { codex } from '../../cli/hosts/codex.js';
import { copilot, parseShellResult } from '../../cli/hosts/copilot.js';
import { gemini, parseShellContent, userPrompt } from '../../cli/hosts/gemini.js';
import { installGemini } from '../../cli/hosts/install-gemini.js';
import { CODEX_MATCHERS, installCodex } from '../../cli/hosts/install-codex.js';
import { installOpencode, OPENCODE_PLUGIN_PATH } from '../../cli/hosts/install-opencode.js';
import { codexExitCode, copilotLastMessage, copilotUnansweredToolCalls, geminiUnansweredToolCalls } from '../../cli/hosts/transcripts.js';
import { COPILOT_HOOKS_PATH, copilotState, installCopilot } from '../../cli/hosts/install-copilot.js';
import { opencode } from '../../cli/hosts/opencode.js';
import type { HostHookEvent, Payload } from '../../cli/hosts/shared.js';
import { parseHookArgs } from '../../cli/hook-main.js';
import { renderEvent } from '../../common/rules/observation.js';

const fixture = (name: string): Payload[] =>
  fs
    .readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hosts', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Payload);

const API_START = JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: '## memflow\n- FAILED Bash: npm test' } });

/** Every mapped event is Claude-Code-shaped and says which agent sent it. */
function checkShape(e: HostHookEvent, host: string): void {
  assert.equal(typeof e.body.session_id, 'string');
  assert.equal(e.body.memflowAgent.host, host);
  assert.equal(e.body.memflowAgent.version, '1.2.3');
  assert.ok(renderEvent(e.event, e.body), `${e.event} renders as a timeline item`);
}

test('codex: a failed command (exit code from the rollout) is a failure with its output; the final answer is kept', () => {
  const events = fixture('codex-0.169.0.jsonl');
  const mapped = events.map((p, i) => codex.toHookEvent(p.hook_event_name as string, p, { version: '1.2.3', extras: i === 3 ? { exitCode: 1 } : { exitCode: 0 } }));
  const kept = mapped.filter((e): e is HostHookEvent => e !== undefined);
  for (const e of kept) checkShape(e, 'codex');
  assert.deepEqual(kept.map((e) => e.event), ['session-start', 'user-prompt-submit', 'post-tool-use-failure', 'post-tool-use', 'post-tool-use', 'stop', 'session-end'], 'PreToolUse is not kept (PostToolUse has the input)');
  const failed = kept[2]!;
  assert.equal(failed.body.tool_name, 'Bash');
  assert.deepEqual(failed.body.tool_input, { command: 'python3 check.py' });
  assert.match(failed.body.error as string, /^Command exited with non-zero status code 1/);
  assert.equal(failed.body.memflowAgent.toolName, 'Bash');
  assert.equal((kept[4]!.body.tool_response as Payload).stdout, 'ok\n');
  assert.match(kept[5]!.body.last_assistant_message as string, /passes now/);
  assert.equal(renderEvent(failed.event, failed.body)?.title, 'FAILED Bash: python3 check.py');
  // Without the rollout's exit code the call is kept as a plain result, never dropped.
  assert.equal(codex.toHookEvent('PostToolUse', events[3]!)?.event, 'post-tool-use');
  assert.equal(codex.hostAnswer('session-start', API_START), API_START);
  assert.equal(codex.hostAnswer('post-tool-use', '{}'), '{}');
});

test('gemini: the turn\'s tool calls come from the chat recording at AfterAgent, shell exit codes from the output, native tools in the neutral vocabulary; AfterTool is a file touch on the file tools only (never kept), PreCompress is not kept', () => {
  const events = fixture('gemini-0.61.0.jsonl');
  const mapped = events.map((p) => gemini.toHookEvent(p.hook_event_name as string, p, { version: '1.2.3' })).filter((e): e is HostHookEvent => e !== undefined);
  for (const e of mapped) checkShape(e, 'gemini');
  const kept = mapped.filter((e) => e.event !== 'pre-tool-use');
  assert.deepEqual(kept.map((e) => e.event), ['session-start', 'user-prompt-submit', 'stop', 'session-end']);
  // AfterTool of a file tool: memflow's file touch (answered by the relay, not kept); of a shell command: nothing.
  const touch = gemini.toHookEvent('AfterTool', { session_id: 's', cwd: '/r', tool_name: 'read_file', tool_input: { file_path: 'pay/retry.py' } })!;
  assert.equal(touch.event, 'pre-tool-use');
  assert.deepEqual(touch.body.tool_input, { file_path: 'pay/retry.py' });
  assert.equal(gemini.toHookEvent('AfterTool', { session_id: 's', tool_name: 'run_shell_command', tool_input: { command: 'cat x' } }), undefined);
  assert.deepEqual(JSON.parse(gemini.hostAnswer('pre-tool-use', JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', additionalContext: 'rule' } }))), { hookSpecificOutput: { hookEventName: 'AfterTool', additionalContext: 'rule' } });
  assert.match(kept[2]!.body.last_assistant_message as string, /passes now/);

  // The chat recording of a session that ran the failing check, read a missing file, wrote the fix
  // and ran the check again (recorded when its AfterAgent hook ran).
  const chat = path.join(import.meta.dirname, '..', 'fixtures', 'hosts', 'gemini-0.61.0-chat.jsonl');
  const calls = geminiUnansweredToolCalls(chat, true);
  assert.deepEqual(calls.map((c) => c.name), ['run_shell_command', 'read_file', 'write_file', 'run_shell_command']);
  const afterAgent = events.find((p) => p.hook_event_name === 'AfterAgent')!;
  const stop = gemini.toHookEvent('AfterAgent', afterAgent, { version: '1.2.3', extras: { toolCalls: calls } })!;
  const before = stop.before ?? [];
  for (const e of before) checkShape(e, 'gemini');
  assert.deepEqual(before.map((e) => e.event), ['post-tool-use-failure', 'post-tool-use-failure', 'post-tool-use', 'post-tool-use']);
  const [failed, missing, write, passed] = before;
  assert.match(failed!.body.error as string, /^Command exited with non-zero status code 1\nexpected 3, got 2$/);
  assert.equal(failed!.body.tool_name, 'Bash');
  assert.equal(failed!.body.memflowAgent.toolName, 'run_shell_command');
  assert.equal(missing!.body.tool_name, 'Read');
  assert.match(missing!.body.error as string, /^File not found: .*missing\.py$/);
  assert.equal(write!.body.tool_name, 'Write');
  assert.equal((write!.body.tool_input as Payload).file_path, 'check.py');
  assert.equal(write!.body.memflowAgent.toolName, 'write_file');
  assert.equal((passed!.body.tool_response as Payload).stdout, 'passed');
  // Each call keeps its id: read again (SessionEnd, a retried hook), it is the same event.
  assert.deepEqual(before.map((e) => e.body.tool_use_id), calls.map((c) => c.id));
  assert.deepEqual(before.map((e) => e.key), calls.map((c) => `gemini-tool:${c.id}`));
  // Stored as of when the call ran (its transcript time), when that is a plain recent instant.
  const ran = new Date(Date.now() - 5_000).toISOString();
  const timed = (at: string) => gemini.toHookEvent('AfterAgent', afterAgent, { extras: { toolCalls: [{ ...calls[0]!, at }] } })!.before![0]!.occurredAt;
  assert.equal(timed(ran), ran);
  assert.equal(timed(new Date(Date.now() + 600_000).toISOString()), undefined, 'not in the future');
  assert.equal(timed('yesterday-ish'), undefined);
  // SessionEnd after an answered turn reads nothing more; after a turn cut short, that turn's calls.
  assert.deepEqual(geminiUnansweredToolCalls(chat, false), []);
  const lines = fs.readFileSync(chat, 'utf8').split('\n').filter(Boolean);
  const cut = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-chat-')), 'chat.jsonl');
  const lastCall = lines.findLastIndex((l) => l.includes('"toolCalls"'));
  fs.writeFileSync(cut, `${lines.slice(0, lastCall + 1).join('\n')}\n`);
  assert.deepEqual(geminiUnansweredToolCalls(cut, false).map((c) => c.name), ['run_shell_command', 'read_file', 'write_file', 'run_shell_command']);
  assert.deepEqual(geminiUnansweredToolCalls(path.join(cut, 'none'), true), []);
  // A long session: earlier turns with outputs larger than a read chunk come before the last turn;
  // only the last turn's calls are read.
  const earlier = Array.from({ length: 3 }, (_, t) => [
    { id: `u${t}`, timestamp: '2026-11-26T03:00:00.000Z', type: 'user', content: [{ text: `turn ${t}` }] },
    { id: `g${t}`, timestamp: '2026-11-26T03:00:01.000Z', type: 'gemini', content: '' },
    { id: `g${t}`, timestamp: '2026-11-26T03:00:01.000Z', type: 'gemini', content: '', toolCalls: [{ id: `old-${t}`, name: 'read_file', args: { file_path: 'big.txt' }, status: 'success', result: [{ functionResponse: { id: `old-${t}`, name: 'read_file', response: { output: 'x'.repeat(300_000) } } }] }] },
    { id: `a${t}`, timestamp: '2026-11-26T03:00:02.000Z', type: 'gemini', content: `done ${t}` },
  ]).flat().map((m) => JSON.stringify(m));
  const long = path.join(path.dirname(cut), 'long.jsonl');
  fs.writeFileSync(long, `${[lines[0]!, ...earlier, ...lines.slice(1)].join('\n')}\n`);
  assert.deepEqual(geminiUnansweredToolCalls(long, true).map((c) => c.id), calls.map((c) => c.id));
  fs.writeFileSync(long, `${[lines[0]!, ...earlier, ...lines.slice(1, lastCall + 1)].join('\n')}\n`);
  assert.deepEqual(geminiUnansweredToolCalls(long, false).map((c) => c.id), calls.map((c) => c.id), 'a turn cut short, read at SessionEnd');
  fs.writeFileSync(long, `${[lines[0]!, ...earlier].join('\n')}\n`);
  assert.deepEqual(geminiUnansweredToolCalls(long, true).map((c) => c.id), ['old-2'], 'the last turn of the long ones');

  assert.deepEqual(parseShellContent('Output: (empty)\nProcess Group PGID: 1'), { output: '', exitCode: 0 });
  assert.equal(gemini.hostAnswer('session-start', API_START), API_START);
  // The context Gemini CLI prepends to the first prompt is not stored as the user's prompt.
  assert.equal(userPrompt('<hook_context># memflow\n- FAILED Bash: x</hook_context>\n\nMake check.py pass.'), 'Make check.py pass.');
});

test('codex and copilot transcripts: the exit code and the last message near the end are found, a line cut at the read limit is not', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-transcripts-'));
  const file = path.join(dir, 'rollout.jsonl');
  const exit = (id: string, code: number) => JSON.stringify({ type: 'event_msg', payload: { type: 'item_completed', item: { type: 'CommandExecution', id, exit_code: code } } });
  const message = (content: string) => JSON.stringify({ type: 'assistant.message', data: { content } });
  // 700 KB before the end: the first call and message lie beyond the 512 KB looked at.
  const filler = Array.from({ length: 700 }, (_, i) => JSON.stringify({ type: 'noise', i, text: 'x'.repeat(1000) }));
  fs.writeFileSync(file, `${[exit('call-old', 3), message('old answer'), ...filler, exit('call-1', 1), message('first'), exit('call-2', 0), message('fixed it')].join('\n')}\n`);
  assert.equal(codexExitCode(file, 'call-1'), 1);
  assert.equal(codexExitCode(file, 'call-2'), 0);
  assert.equal(codexExitCode(file, 'call-old'), undefined, 'beyond the tail');
  assert.equal(codexExitCode(file, 'call-none'), undefined);
  assert.equal(copilotLastMessage(file), 'fixed it');
  fs.writeFileSync(file, `${[message('only, far back'), ...filler].join('\n')}\n`);
  assert.equal(copilotLastMessage(file), undefined);
  assert.equal(copilotLastMessage(path.join(dir, 'missing.jsonl')), undefined);
});

test("opencode install: the plugin outside .opencode/ named in opencode.json (once, beside the user's own), the MCP entry the relay's; an older install's .opencode plugin goes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencode-install-'));
  const old = path.join(dir, '.opencode', 'plugin');
  fs.mkdirSync(old, { recursive: true });
  fs.writeFileSync(path.join(old, 'memflow.js'), "// memflow: hands OpenCode's session events to memflow's local relay\n");
  fs.writeFileSync(path.join(old, 'mine.js'), 'export const Mine = async () => ({})\n');
  fs.writeFileSync(path.join(dir, 'opencode.json'), JSON.stringify({ plugin: ['opencode-wakatime'], mcp: { other: { type: 'local', command: ['x'] } } }));
  const opts = { dir, home: dir, url: 'http://127.0.0.1:8080/', relayPort: 7719, project: { name: 'shop', key: 'abc123' } };
  const first = installOpencode(opts);
  assert.ok(fs.readFileSync(path.join(dir, OPENCODE_PLUGIN_PATH), 'utf8').startsWith("// memflow: hands OpenCode's session events"));
  assert.ok(!fs.existsSync(path.join(old, 'memflow.js')), "the older install's plugin is gone");
  assert.ok(fs.existsSync(path.join(old, 'mine.js')), "the user's own plugin stays");
  assert.match(first.notes.join('\n'), /removed the plugin an older memflow put in \.opencode/);
  installOpencode(opts);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'opencode.json'), 'utf8')) as { plugin: string[]; mcp: Record<string, unknown> };
  assert.deepEqual(config.plugin, ['opencode-wakatime', `./${OPENCODE_PLUGIN_PATH}`], 'named once, after the user\'s own');
  assert.deepEqual(config.mcp.other, { type: 'local', command: ['x'] });
  // The API's URL from the environment when OpenCode runs (never frozen), the repository's project.
  assert.deepEqual(config.mcp.memflow, { type: 'remote', url: 'http://127.0.0.1:7719/mcp', headers: { Authorization: 'Bearer {env:MEMFLOW_API_KEY}', 'X-Memflow-Url': '{env:MEMFLOW_URL}', 'X-Memflow-Project': 'shop', 'X-Memflow-Project-Key': 'abc123' }, enabled: true });
  // A --url given to install is written as given (like Claude Code's hooks).
  installOpencode({ ...opts, hookUrl: 'http://127.0.0.1:8080/' });
  const given = JSON.parse(fs.readFileSync(path.join(dir, 'opencode.json'), 'utf8')) as { mcp: Record<string, { headers: Record<string, string> }> };
  assert.equal(given.mcp.memflow!.headers['X-Memflow-Url'], 'http://127.0.0.1:8080');
  // Without a relay port: the API's own /mcp.
  installOpencode({ dir, home: dir, url: 'http://127.0.0.1:8080' });
  const api = JSON.parse(fs.readFileSync(path.join(dir, 'opencode.json'), 'utf8')) as { mcp: Record<string, unknown> };
  assert.deepEqual(api.mcp.memflow, { type: 'remote', url: 'http://127.0.0.1:8080/mcp', headers: { Authorization: 'Bearer {env:MEMFLOW_API_KEY}' }, enabled: true });
});

test('gemini install: hooks once per prompt and session, and AfterTool on the file tools only; an older install\'s AfterTool hook on every tool goes, the user\'s own stays', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-install-'));
  const file = path.join(dir, '.gemini', 'settings.json');
  fs.mkdirSync(path.dirname(file));
  const old = { type: 'command', name: 'memflow', command: 'source memflow-hook AfterTool --host gemini', timeout: 10_000 };
  const own = { type: 'command', command: 'echo mine' };
  fs.writeFileSync(file, JSON.stringify({ hooks: { AfterTool: [{ matcher: '*', hooks: [old, own] }], BeforeTool: [{ matcher: '*', hooks: [old] }] } }));
  installGemini({ dir, home: dir, url: 'http://127.0.0.1:7711', noMcp: true });
  const hooks = (JSON.parse(fs.readFileSync(file, 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> }).hooks;
  assert.deepEqual(Object.keys(hooks).sort(), ['AfterAgent', 'AfterTool', 'BeforeAgent', 'SessionEnd', 'SessionStart']);
  const afterTool = hooks.AfterTool as unknown as { matcher: string; hooks: { command: string }[] }[];
  assert.deepEqual(afterTool.flatMap((g) => g.hooks.map((h) => h.command)).filter((c) => !c.includes('memflow-hook')), ['echo mine']);
  const ours = afterTool.filter((g) => g.hooks.some((h) => h.command.includes('memflow-hook')));
  assert.deepEqual(ours.map((g) => g.matcher), ['^(?:read_file|read_many_files|replace|write_file)$'], 'the file tools only');
  for (const e of ['SessionStart', 'BeforeAgent', 'AfterAgent', 'SessionEnd']) assert.match(hooks[e]![0]!.hooks[0]!.command, new RegExp(`^source .*memflow-hook ${e} `));
  // Installed twice: one AfterTool group of memflow's still.
  installGemini({ dir, home: dir, url: 'http://127.0.0.1:7711', noMcp: true });
  const again = (JSON.parse(fs.readFileSync(file, 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> }).hooks;
  assert.equal(again.AfterTool!.filter((g) => g.hooks.some((h) => h.command.includes('memflow-hook'))).length, 1);
});

test('opencode: the plugin-forwarded events (built from the recorded plugin calls) map to a failure, an edit, a pass and the final answer', () => {
  const rows = fixture('opencode-1.18.33.jsonl') as { kind: string; data: Payload }[];
  const dir = '$REPO';
  const native: [string, Payload][] = [];
  let last: string | undefined;
  for (const { kind, data } of rows) {
    const props = (data.properties ?? {}) as Payload;
    if (kind === 'event' && data.type === 'session.created') native.push(['session.created', { sessionID: props.sessionID, directory: dir }]);
    if (kind === 'chat.message') native.push(['chat.message', { sessionID: (data.input as Payload).sessionID, directory: dir, prompt: 'fix the check' }]);
    if (kind === 'tool.execute.after') {
      const input = data.input as Payload;
      native.push(['tool.execute.after', { sessionID: input.sessionID, directory: dir, tool: input.tool, callID: input.callID, args: input.args, output: data.output }]);
    }
    if (kind === 'event' && data.type === 'message.part.updated') last = ((props.part as Payload).text as string) || last;
    if (kind === 'event' && data.type === 'session.idle') native.push(['session.idle', { sessionID: props.sessionID, directory: dir, lastAssistantMessage: last }]);
  }
  // What the plugin sends for each session it saw when OpenCode exits (its dispose).
  native.push(['session.ended', { sessionID: native[0]![1].sessionID, directory: dir }]);
  const kept = native.map(([n, p]) => opencode.toHookEvent(n, p, { version: '1.2.3' })).filter((e): e is HostHookEvent => e !== undefined);
  for (const e of kept) checkShape(e, 'opencode');
  assert.deepEqual(kept.map((e) => e.event), ['session-start', 'user-prompt-submit', 'post-tool-use-failure', 'post-tool-use', 'post-tool-use', 'stop', 'session-end']);
  assert.match(kept[2]!.body.error as string, /status code 1\nexpected 3, got 2/);
  assert.equal(kept[3]!.body.tool_name, 'Edit');
  assert.equal((kept[3]!.body.tool_input as Payload).file_path, 'check.py');
  assert.equal(kept[3]!.body.memflowAgent.toolName, 'apply_patch');
  assert.match(kept[5]!.body.last_assistant_message as string, /passes now/);
  assert.equal(opencode.hostAnswer('session-start', API_START), '## memflow\n- FAILED Bash: npm test', 'the plugin takes plain text');
  const push = JSON.stringify({ hookSpecificOutput: { hookEventName: 'UserPromptSubmit', additionalContext: '# memflow: bears on this prompt\n- retries are capped at 7' } });
  assert.equal(opencode.hostAnswer('user-prompt-submit', push), '# memflow: bears on this prompt\n- retries are capped at 7', "the prompt's push, as plain text for the plugin to add to the message");
  assert.equal(opencode.hostAnswer('user-prompt-submit', '{}'), '', 'nothing pushed: nothing added');
  assert.equal(opencode.hostAnswer('post-tool-use', '{}'), '');
});

test("copilot: the turn's tool calls come from its events.jsonl at agentStop (exit codes, a failed tool, the edit), keyed by call id; postToolUse is not kept; the final answer from the transcript, no context answer", () => {
  const events = fixture('copilot-1.0.102.jsonl');
  // The session's events.jsonl as the real Copilot CLI 1.0.102 wrote it (a failing check, a view of a missing file, the fix, the passing run).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-events-'));
  const file = path.join(dir, 'events.jsonl');
  const lines = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hosts', 'copilot-1.0.102-events.jsonl'), 'utf8').split('\n').filter(Boolean);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const calls = copilotUnansweredToolCalls(file, true);
  assert.deepEqual(calls.map((c) => [c.name, c.exitCode, c.error]), [['bash', 1, undefined], ['view', undefined, 'Path does not exist'], ['edit', undefined, undefined], ['bash', 0, undefined]]);
  assert.deepEqual(copilotUnansweredToolCalls(file, false), [], 'at sessionEnd after an answered turn: nothing more');
  const lastCall = lines.findLastIndex((l) => l.includes('"tool.execution_complete"'));
  fs.writeFileSync(file, `${lines.slice(0, lastCall + 1).join('\n')}\n`);
  assert.equal(copilotUnansweredToolCalls(file, false).length, 4, 'a turn cut short before its answer, read at sessionEnd');
  assert.deepEqual(copilotUnansweredToolCalls(path.join(dir, 'missing.jsonl'), true), []);

  const kept = events
    .map((p) => copilot.toHookEvent(p.hook_event as string, p, { version: '1.2.3', extras: p.hook_event === 'agentStop' ? { lastAssistantMessage: 'fixed it', toolCalls: calls } : {} }))
    .filter((e): e is HostHookEvent => e !== undefined);
  for (const e of kept) checkShape(e, 'copilot');
  assert.deepEqual(kept.map((e) => e.event), ['session-start', 'user-prompt-submit', 'stop', 'session-end'], 'preToolUse is a file touch only when it names a file; postToolUse is not kept');
  const stop = kept[2]!;
  assert.equal(stop.body.last_assistant_message, 'fixed it');
  const before = stop.before ?? [];
  for (const e of before) checkShape(e, 'copilot');
  assert.deepEqual(before.map((e) => e.event), ['post-tool-use-failure', 'post-tool-use-failure', 'post-tool-use', 'post-tool-use']);
  assert.deepEqual(before.map((e) => e.key), calls.map((c) => `copilot-tool:${c.id}`));
  assert.match(before[0]!.body.error as string, /^Command exited with non-zero status code 1\nexpected 3, got 2$/);
  assert.equal(renderEvent(before[0]!.event, before[0]!.body)?.title, 'FAILED Bash: python3 check.py');
  assert.equal(before[1]!.body.tool_name, 'Read');
  assert.equal(before[1]!.body.error, 'Path does not exist');
  assert.equal(before[2]!.body.tool_name, 'Edit');
  assert.match((before[2]!.body.tool_input as Payload).file_path as string, /check\.py$/);
  assert.equal(before[2]!.body.memflowAgent.toolName, 'edit');
  assert.equal((before[3]!.body.tool_response as Payload).stdout, 'passed');
  assert.ok(before.every((e) => typeof e.body.tool_use_id === 'string'));
  assert.equal(copilot.toHookEvent('postToolUse', events.find((p) => p.hook_event === 'postToolUse')!), undefined, "an older install's postToolUse: its call is read at the turn's end");
  assert.deepEqual(parseShellResult('ok\n<shellId: 3 completed with exit code 0>'), { output: 'ok', exitCode: 0 });
  assert.equal(copilot.hostAnswer('session-start', API_START), '{}');
});

test("copilot install: no hook after each tool call, preToolUse on the tools that name files only, every command sourced into Copilot's bash", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copilot-install-'));
  installCopilot({ dir, home: dir, url: 'http://127.0.0.1:7711', noMcp: true, startContext: 'ctx' });
  const hooks = (JSON.parse(fs.readFileSync(path.join(dir, COPILOT_HOOKS_PATH), 'utf8')) as { hooks: Record<string, { bash: string; matcher?: string }[]> }).hooks;
  assert.deepEqual(Object.keys(hooks), ['sessionStart', 'userPromptSubmitted', 'preToolUse', 'agentStop', 'preCompact', 'sessionEnd']);
  assert.equal(hooks.preToolUse![0]!.matcher, '^(?:bash|view|edit|create)$');
  for (const [event, [h]] of Object.entries(hooks)) assert.match(h!.bash, new RegExp(`^source memflow-hook ${event} --host copilot`));
  for (const tool of ['bash', 'view', 'edit', 'create']) assert.ok(new RegExp(hooks.preToolUse![0]!.matcher!).test(tool));
  for (const tool of ['grep', 'glob', 'web_fetch', 'task', 'bash_extra']) assert.ok(!new RegExp(hooks.preToolUse![0]!.matcher!).test(tool), tool);
  assert.equal(copilotState({ dir, home: dir }).installed, true, 'a sourced command is still recognised as memflow\'s');
});

test('memflow hook parses --host, --host-version (both spellings) and --relay, and ignores what it does not know', () => {
  assert.deepEqual(parseHookArgs(['PostToolUse', '--host', 'codex', '--host-version=0.169.0', '--bogus']), { event: 'PostToolUse', host: 'codex', hostVersion: '0.169.0', relay: false });
  assert.deepEqual(parseHookArgs(['stop', '--url=http://x']), { event: 'stop', url: 'http://x', relay: false });
  assert.deepEqual(parseHookArgs(['stop', '--host']), { event: 'stop', relay: false });
  assert.deepEqual(parseHookArgs(['stop', '--relay']), { event: 'stop', relay: true });
});

test("Codex's install: PreToolUse runs for patches only (a shell call's files get their push with its PostToolUse); an earlier install's every-tool group is narrowed, a group shared with another hook is left to it", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-install-'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-repo-'));
  const file = path.join(home, '.codex', 'hooks.json');
  type Groups = Record<string, { matcher?: string; hooks: { command: string }[] }[]>;
  const read = () => (JSON.parse(fs.readFileSync(file, 'utf8')) as { hooks: Groups }).hooks;
  installCodex({ home, dir, url: 'http://127.0.0.1:1', noMcp: true, version: '0.169.0' });
  const fresh = read();
  assert.equal(fresh.PreToolUse!.length, 1);
  assert.equal(fresh.PreToolUse![0]!.matcher, CODEX_MATCHERS.PreToolUse);
  assert.match(CODEX_MATCHERS.PreToolUse!, /apply_patch/);
  assert.equal(fresh.PostToolUse![0]!.matcher, undefined, 'every tool');
  // An earlier install: PreToolUse for every tool, memflow's alone in its group; and a PostToolUse group shared with the user's own hook.
  const earlier = read();
  delete earlier.PreToolUse![0]!.matcher;
  earlier.PostToolUse![0]!.matcher = 'Bash';
  earlier.PostToolUse![0]!.hooks.push({ command: 'my-logger' });
  fs.writeFileSync(file, JSON.stringify({ hooks: earlier }));
  installCodex({ home, dir, url: 'http://127.0.0.1:1', noMcp: true, version: '0.169.0' });
  const again = read();
  assert.equal(again.PreToolUse!.length, 1);
  assert.equal(again.PreToolUse![0]!.matcher, CODEX_MATCHERS.PreToolUse, 'narrowed in place');
  assert.deepEqual(again.PostToolUse!.map((g) => [g.matcher, g.hooks.map((h) => h.command.split(' ')[0])]), [['Bash', ['my-logger']], [undefined, ['memflow-hook']]], "the user's group keeps its matcher and hook; memflow's moves to a group of its own");
  installCodex({ home, dir, url: 'http://127.0.0.1:1', noMcp: true, version: '0.169.0' });
  assert.deepEqual(read(), again, 'installing again changes nothing');
});
