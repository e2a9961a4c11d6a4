/**
 * What a host's hook payload leaves out but its own transcript file has, read by the hook client
 * (never by the adapters, which stay pure): Codex's exit code of a command (its rollout JSONL has an
 * `item_completed` CommandExecution with the call id and `exit_code`), Copilot's final answer and
 * the tool calls of its turn (its events.jsonl has `assistant.message` and `tool.execution_*`
 * events), and Gemini CLI's tool calls of a turn (its chat recording, below). Only the file's tail is
 * read; any problem yields undefined (the event is then stored without it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostExtras, Payload, TranscriptToolCall } from './shared.js';

/** How far back Codex's exit codes and Copilot's last message are looked for (they are near the end). */
const TAIL_BYTES = 512 * 1024;
/** Gemini's chat recording and Copilot's events.jsonl hold whole tool outputs: a long turn's calls are found within this. */
const TURN_MAX_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;

function parse(line: string): Payload | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' ? (v as Payload) : undefined;
  } catch {
    return undefined;
  }
}

export function codexExitCode(transcriptPath: string, callId: string): number | undefined {
  for (const line of linesFromEnd(transcriptPath, TAIL_BYTES)) {
    if (!line.includes(callId) || !line.includes('exit_code')) continue;
    const item = (parse(line)?.payload as Payload | undefined)?.item as Payload | undefined;
    if (item?.id === callId && typeof item.exit_code === 'number') return item.exit_code;
  }
  return undefined;
}

/**
 * Copilot's final answer of the turn that just ended: the last message of its events.jsonl when that is
 * an answer (text, no tool requests). Copilot writes the file behind its hooks (measured on 1.0.102: the
 * answer and the turn's last tool call can come a moment after agentStop ran), so a last message that is
 * a user's or asks for tools means this turn's end is not there yet: undefined, read again at delivery
 * (never an earlier turn's answer). A sub-agent's messages (`parentToolCallId`) are passed over.
 */
export function copilotLastMessage(transcriptPath: string): string | undefined {
  for (const line of linesFromEnd(transcriptPath, TAIL_BYTES)) {
    const user = line.includes('"user.message"');
    if (!user && !line.includes('"assistant.message"')) continue;
    const record = parse(line);
    const data = (record?.data ?? {}) as Payload;
    if (record?.type === 'user.message') return undefined;
    if (record?.type !== 'assistant.message' || typeof data.parentToolCallId === 'string') continue;
    const asks = Array.isArray(data.toolRequests) && data.toolRequests.length > 0;
    return !asks && typeof data.content === 'string' && data.content.trim() ? data.content : undefined;
  }
  return undefined;
}

/**
 * Gemini CLI's chat recording (~/.gemini/tmp/<project>/chats/session-*.jsonl, `transcript_path` of
 * every hook): a header line, then message records (`id`, `type` user|gemini, `content`), each
 * written again when it changes — a model turn is recorded once when it arrives and again with its
 * `toolCalls` (`id`, `name`, `args`, `status` success|error|cancelled, `result[].functionResponse
 * .response` {output} or {error}) once they ran — and `$set` records (metadata, or the opening
 * `messages`). Measured on 0.61.0 (tests/fixtures/hosts/gemini-0.61.0-chat.jsonl): a turn's calls
 * are in the file before its AfterAgent hook runs.
 *
 * The calls not yet answered by a final answer: those after the last model message that is an
 * answer (text, no tool calls), read from the file's end back to that answer. At the end of a turn (`atTurnEnd`, AfterAgent) that turn's own final
 * answer is the last message and is skipped, so the turn's calls are returned — with those of an
 * earlier turn that was interrupted before its answer; at SessionEnd, the calls of a turn that never
 * got its answer (normally none).
 */
export function geminiUnansweredToolCalls(transcriptPath: string, atTurnEnd: boolean): TranscriptToolCall[] {
  // From the end back to the boundary, so a long session costs what its last turn costs. A message
  // met again further back is an older version of one already seen (the later version wins).
  const seen = new Set<string>();
  const found: Payload[] = [];
  let first = true;
  scan: for (const line of linesFromEnd(transcriptPath, TURN_MAX_BYTES)) {
    const record = parse(line);
    const opening = (record?.$set as Payload | undefined)?.messages;
    const messages = Array.isArray(opening) ? (opening as Payload[]).slice().reverse() : record && typeof record.id === 'string' && typeof record.type === 'string' ? [record] : [];
    for (const m of messages) {
      if (!m || typeof m.id !== 'string' || seen.has(m.id)) continue;
      seen.add(m.id);
      const answer = m.type === 'gemini' && !(Array.isArray(m.toolCalls) && m.toolCalls.length > 0) && typeof m.content === 'string' && m.content.trim() !== '';
      if (answer && !(first && atTurnEnd)) break scan;
      first = false;
      if (m.type === 'gemini' && Array.isArray(m.toolCalls)) found.push(...(m.toolCalls as Payload[]).slice().reverse());
    }
  }
  const calls: TranscriptToolCall[] = [];
  for (const c of found.reverse()) {
    if (typeof c?.id !== 'string' || typeof c.name !== 'string') continue;
    const parts = Array.isArray(c.result) ? (c.result as Payload[]) : [];
    const response = ((parts.find((p) => p?.functionResponse)?.functionResponse as Payload | undefined)?.response ?? {}) as Payload;
    const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
    const failed = c.status !== 'success' || response.error !== undefined;
    calls.push({
      id: c.id,
      name: c.name,
      args: c.args && typeof c.args === 'object' && !Array.isArray(c.args) ? (c.args as Payload) : {},
      output: text(response.output),
      ...(failed ? { error: text(response.error) || `the tool call was ${typeof c.status === 'string' ? c.status : 'not completed'}` } : {}),
      ...(typeof c.timestamp === 'string' ? { at: c.timestamp } : {}),
    });
  }
  return calls;
}

/**
 * Copilot CLI's session events (~/.copilot/session-state/<session>/events.jsonl, agentStop's
 * `transcriptPath`): one event a line, `{type, data, timestamp}`. A tool call is `tool.execution_start`
 * (`toolCallId`, `toolName`, `arguments`) and, once it ran, `tool.execution_complete` (`toolCallId`,
 * `success`, `result.content` — what the model was handed, for a shell command with its
 * "<shellId: …exit code n>" marker —, `shellExecution.exitCode`, or `error.message` when it failed);
 * the model's final answer is an `assistant.message` with text and no `toolRequests`. Measured on
 * 1.0.102 (tests/fixtures/hosts/copilot-1.0.102-events.jsonl): every call's lines are written before
 * the model's next request, so a turn's calls are all there when its agentStop hook runs.
 *
 * The finished calls not yet answered by a final answer, as for Gemini (geminiUnansweredToolCalls):
 * at the end of a turn (`atTurnEnd`, agentStop) the turn's own answer is skipped, so its calls are
 * returned, with those of an earlier turn cut short before its answer; at sessionEnd, those of a turn
 * that never got its answer. A sub-agent's messages (`parentToolCallId`) are no turn's end.
 */
export function copilotUnansweredToolCalls(transcriptPath: string, atTurnEnd: boolean): TranscriptToolCall[] {
  const done = new Map<string, Payload>();
  const calls: TranscriptToolCall[] = [];
  let first = true;
  for (const line of linesFromEnd(transcriptPath, TURN_MAX_BYTES)) {
    // Only the lines that matter are parsed (a session's file also holds its system prompt, usage and hook records).
    if (!line.includes('"tool.execution_') && !line.includes('"assistant.message"')) continue;
    const record = parse(line);
    const data = (record?.data ?? {}) as Payload;
    if (record?.type === 'assistant.message') {
      if (typeof data.parentToolCallId === 'string') continue;
      const answer = !(Array.isArray(data.toolRequests) && data.toolRequests.length > 0) && typeof data.content === 'string' && data.content.trim() !== '';
      if (answer && !(first && atTurnEnd)) break;
      first = false;
      continue;
    }
    const id = data.toolCallId;
    if (typeof id !== 'string') continue;
    if (record?.type === 'tool.execution_complete') done.set(id, { ...data, at: record.timestamp });
    else if (record?.type === 'tool.execution_start' && typeof data.toolName === 'string') {
      const end = done.get(id);
      if (!end) continue; // still running (a turn cut short): not a finished call
      done.delete(id);
      const result = (end.result ?? {}) as Payload;
      const error = (end.error ?? {}) as Payload;
      const exit = (end.shellExecution as Payload | undefined)?.exitCode;
      calls.push({
        id,
        name: data.toolName,
        args: data.arguments && typeof data.arguments === 'object' && !Array.isArray(data.arguments) ? (data.arguments as Payload) : {},
        output: typeof result.content === 'string' ? result.content : '',
        ...(end.success === false ? { error: typeof error.message === 'string' && error.message ? error.message : 'the tool call failed' } : {}),
        ...(typeof exit === 'number' ? { exitCode: exit } : {}),
        ...(typeof end.at === 'string' ? { at: end.at } : {}),
      });
    }
  }
  return calls.reverse();
}

/**
 * Where Copilot keeps a session's events when its hook does not say (sessionEnd carries no
 * `transcriptPath`, agentStop does): ~/.copilot/session-state/<session>/events.jsonl of the relay's
 * user, who is the agent's (peer-user.ts).
 */
export function copilotEventsFile(sessionId: unknown): string | undefined {
  return typeof sessionId === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(sessionId) ? path.join(os.homedir(), '.copilot', 'session-state', sessionId, 'events.jsonl') : undefined;
}

/**
 * The file's lines, last first, read backwards in chunks until `maxBytes` from the end (a line cut
 * there is not given); none when unreadable. A reader that stops early reads only what it needed.
 */
function* linesFromEnd(file: string, maxBytes: number): Generator<string> {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let pos = size;
    let rest = Buffer.alloc(0);
    while (pos > 0 && size - pos < maxBytes) {
      const start = Math.max(0, pos - CHUNK_BYTES, size - maxBytes);
      const chunk = Buffer.alloc(pos - start);
      fs.readSync(fd, chunk, 0, chunk.length, start);
      const data = rest.length > 0 ? Buffer.concat([chunk, rest]) : chunk;
      let end = data.length;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] !== 0x0a) continue;
        if (i + 1 < end) yield data.subarray(i + 1, end).toString('utf8');
        end = i;
      }
      rest = data.subarray(0, end);
      pos = start;
    }
    if (pos === 0 && rest.length > 0) yield rest.toString('utf8');
  } catch {
    // unreadable from here on: what was read stands
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether this native event always finds something in the host's transcript, so that a reader may
 * wait for it: Copilot's stop (its final message). Codex's exit codes are there before its hook runs,
 * and not every tool call has one.
 */
export function expectsExtras(host: string, nativeEvent: string, payload: Payload): boolean {
  return host === 'copilot' && nativeEvent === 'agentStop' && typeof payload.transcriptPath === 'string';
}

/** Whether `extras` still lacks what expectsExtras waits for (Copilot's final message; its turn's tool calls may be there first). */
export function lacksExpected(host: string, nativeEvent: string, payload: Payload, extras: HostExtras): boolean {
  return expectsExtras(host, nativeEvent, payload) && extras.lastAssistantMessage === undefined;
}

/** The extras of one native event, read from the host's transcript when the payload lacks them. */
export function extrasOf(host: string, nativeEvent: string, payload: Payload): HostExtras {
  const transcript =
    typeof payload.transcript_path === 'string' ? payload.transcript_path : typeof payload.transcriptPath === 'string' ? payload.transcriptPath : host === 'copilot' && nativeEvent === 'sessionEnd' ? copilotEventsFile(payload.sessionId) : undefined;
  if (!transcript) return {};
  if (host === 'codex' && nativeEvent === 'PostToolUse' && typeof payload.tool_use_id === 'string') {
    const exitCode = codexExitCode(transcript, payload.tool_use_id);
    return exitCode === undefined ? {} : { exitCode };
  }
  if (host === 'gemini' && (nativeEvent === 'AfterAgent' || nativeEvent === 'SessionEnd')) {
    const toolCalls = geminiUnansweredToolCalls(transcript, nativeEvent === 'AfterAgent');
    return toolCalls.length > 0 ? { toolCalls } : {};
  }
  if (host === 'copilot' && (nativeEvent === 'agentStop' || nativeEvent === 'sessionEnd')) {
    const toolCalls = copilotUnansweredToolCalls(transcript, nativeEvent === 'agentStop');
    const lastAssistantMessage = nativeEvent === 'agentStop' ? copilotLastMessage(transcript) : undefined;
    return { ...(lastAssistantMessage ? { lastAssistantMessage } : {}), ...(toolCalls.length > 0 ? { toolCalls } : {}) };
  }
  return {};
}
