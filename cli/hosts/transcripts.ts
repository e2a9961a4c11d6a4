/**
 * What a host's hook payload leaves out but its own transcript file has, read by the hook client
 * (never by the adapters, which stay pure): Codex's exit code of a command (its rollout JSONL has an
 * `item_completed` CommandExecution with the call id and `exit_code`), and Copilot's final answer
 * (its events.jsonl has `assistant.message` events). Only the file's tail is read; any problem
 * yields undefined (the event is then stored without it).
 */
import fs from 'node:fs';
import type { HostExtras, Payload } from './shared.js';

const TAIL_BYTES = 512 * 1024;

function tailLines(file: string): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    return start > 0 ? lines.slice(1) : lines;
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function parse(line: string): Payload | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' ? (v as Payload) : undefined;
  } catch {
    return undefined;
  }
}

export function codexExitCode(transcriptPath: string, callId: string): number | undefined {
  const lines = tailLines(transcriptPath);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes(callId) || !line.includes('exit_code')) continue;
    const item = (parse(line)?.payload as Payload | undefined)?.item as Payload | undefined;
    if (item?.id === callId && typeof item.exit_code === 'number') return item.exit_code;
  }
  return undefined;
}

export function copilotLastMessage(transcriptPath: string): string | undefined {
  const lines = tailLines(transcriptPath);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"assistant.message"')) continue;
    const content = ((parse(line)?.data as Payload | undefined)?.content as unknown) ?? undefined;
    if (typeof content === 'string' && content.trim()) return content;
  }
  return undefined;
}

/**
 * Whether this native event always finds something in the host's transcript, so that a reader may
 * wait for it: Copilot's stop (its final message). Codex's exit codes are there before its hook runs,
 * and not every tool call has one.
 */
export function expectsExtras(host: string, nativeEvent: string, payload: Payload): boolean {
  return host === 'copilot' && nativeEvent === 'agentStop' && typeof payload.transcriptPath === 'string';
}

/** The extras of one native event, read from the host's transcript when the payload lacks them. */
export function extrasOf(host: string, nativeEvent: string, payload: Payload): HostExtras {
  const transcript = typeof payload.transcript_path === 'string' ? payload.transcript_path : typeof payload.transcriptPath === 'string' ? payload.transcriptPath : undefined;
  if (!transcript) return {};
  if (host === 'codex' && nativeEvent === 'PostToolUse' && typeof payload.tool_use_id === 'string') {
    const exitCode = codexExitCode(transcript, payload.tool_use_id);
    return exitCode === undefined ? {} : { exitCode };
  }
  if (host === 'copilot' && nativeEvent === 'agentStop') {
    const lastAssistantMessage = copilotLastMessage(transcript);
    return lastAssistantMessage ? { lastAssistantMessage } : {};
  }
  return {};
}
