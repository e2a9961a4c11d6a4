/**
 * bench:decisions' agent: one task's session through the real relay (in this process), as the installed
 * hooks fire it — SessionStart, the task's prompt, then the files the agent reads (the failing test,
 * then the module) as Read calls after the model's turn (Claude Code's PostToolUse: memflow installs no
 * PreToolUse on Read), then the agent's next call (it runs the failing test: a push whose parse the Read did
 * not wait for comes with it, cli/relay/later-push.ts) — and what each hook answered.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { relaySettings } from '../cli/relay/lifecycle.js';
import { startRelay, type Relay } from '../cli/relay/relay-server.js';
import { postHook } from './hook-post.js';

/** What the agent was handed, per channel (lower-cased text; '' when nothing). */
export interface ProbeAnswers {
  start: string;
  prompt: string;
  /** One per file read, in order, then the agent's next call (the file pushes it carried). */
  files: string[];
  /** The hooks' round trips at the relay, ms (prompt, then each read, then the next call). */
  ms: number[];
}

export interface ProbeTarget {
  apiUrl: string;
  key: string;
}

const agent = new http.Agent({ keepAlive: true });

async function post(port: number, event: string, body: unknown, target: ProbeTarget, project: string): Promise<{ json: Record<string, unknown>; ms: number }> {
  const { status, text, ms } = await postHook(agent, port, event, body, { authorization: `Bearer ${target.key}`, 'x-memflow-url': target.apiUrl, 'x-memflow-project': project });
  if (status >= 400) throw new Error(`relay ${event}: HTTP ${status} ${text.slice(0, 200)}`);
  return { json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms };
}

const contextOf = (json: Record<string, unknown>) => ((json.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '').toLowerCase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A relay for the probes: its own spool, the API as its default, the hooks' real budgets. */
export async function probeRelay(apiUrl: string): Promise<Relay> {
  const settings = relaySettings();
  return startRelay({ port: 0, spoolDir: fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-decisions-relay-')), defaultUrl: apiUrl, startBudgetMs: settings.startBudgetMs, promptBudgetMs: settings.promptBudgetMs });
}

/**
 * One probe session: `root` is the project's working tree (the agent's cwd), `reads` paths in it.
 * `thinkMs` is the model's turn before the first read (the relay reads the project's anchors behind
 * the prompt meanwhile, as it does for a real agent), `stepMs` the turn between two reads.
 */
export async function probe(relay: Relay, target: ProbeTarget, p: { session: string; project: string; root: string; prompt: string; reads: readonly string[]; thinkMs: number; stepMs: number }): Promise<ProbeAnswers> {
  const base = { session_id: p.session, cwd: p.root, transcript_path: path.join(os.tmpdir(), `${p.session}.jsonl`) };
  const start = await post(relay.port, 'session-start', { ...base, hook_event_name: 'SessionStart', source: 'startup' }, target, p.project);
  const prompt = await post(relay.port, 'user-prompt-submit', { ...base, hook_event_name: 'UserPromptSubmit', prompt: p.prompt }, target, p.project);
  const out: ProbeAnswers = { start: contextOf(start.json), prompt: contextOf(prompt.json), files: [], ms: [prompt.ms] };
  await sleep(p.thinkMs);
  for (const [i, rel] of p.reads.entries()) {
    if (i) await sleep(p.stepMs);
    const file = path.join(p.root, rel);
    const read = await post(relay.port, 'post-tool-use', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: file }, tool_use_id: `${p.session}-read-${i}`, tool_response: { type: 'text', file: { filePath: file, numLines: 1 } } }, target, p.project);
    out.files.push(contextOf(read.json));
    out.ms.push(read.ms);
  }
  if (p.reads.length) {
    await sleep(p.stepMs);
    const next = await post(relay.port, 'post-tool-use', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'python -m pytest -q' }, tool_use_id: `${p.session}-run`, tool_response: { stdout: '1 failed', stderr: '', interrupted: false } }, target, p.project);
    out.files.push(contextOf(next.json));
    out.ms.push(next.ms);
  }
  await post(relay.port, 'session-end', { ...base, hook_event_name: 'SessionEnd', reason: 'other' }, target, p.project);
  return out;
}

export function closeProbeAgent(): void {
  agent.destroy();
}
