/**
 * What the scripted model stand-ins (fake-openai, fake-gemini) share: a script of turns, chosen by
 * where the conversation is — the number of tool results the agent has sent back so far — so a
 * retried request or a side request (a title, a "next speaker" check) never skips a step, and every
 * new session starts at the first turn.
 */
import type http from 'node:http';
import { LocalServer } from './local-server.js';

/**
 * One answer of the model: a call of one of the tools the agent offered, or a final text. `namespace`:
 * the Responses API's tool namespace the tool was offered in (Codex offers an MCP server's tools as
 * the namespace `mcp__<server>`, and takes a call only with it).
 */
export type Turn = { tool: string; args: Record<string, unknown>; namespace?: string } | { text: string };

/**
 * Builds the turn from what the agent offered (its tool names differ per host) and how many tool
 * results it has sent back in this conversation.
 */
export type Script = (ctx: { tools: string[]; results: number; request: unknown }) => Turn;

/** A script from a fixed list of turns; after the list, a final text. */
export function scriptOf(turns: ((tools: string[]) => Turn)[], final = 'Done.'): Script {
  return ({ tools, results }) => turns[results]?.(tools) ?? { text: final };
}

/** A tool as a model request offers it: Responses, Chat Completions, or Gemini's declarations. */
interface OfferedTool {
  type?: string;
  name?: string;
  function?: { name?: string };
  functionDeclarations?: { name?: string }[];
}

/**
 * The tool names a model request offers, whatever the wire: Responses (`name`, or only `type` for
 * built-in tools such as web search), Chat Completions (`function.name`), Gemini
 * (`functionDeclarations[].name`).
 */
export function offeredTools(body: unknown): string[] {
  const tools = (body as { tools?: OfferedTool[] } | undefined)?.tools ?? [];
  return tools
    .flatMap((t) => (t.functionDeclarations ? t.functionDeclarations.map((d) => d.name) : [t.name ?? t.function?.name ?? t.type]))
    .filter((n): n is string => typeof n === 'string' && n.length > 0);
}

/** The first offered tool name among `names` (hosts rename tools between versions). */
export function pick(tools: string[], ...names: string[]): string {
  const hit = names.find((n) => tools.includes(n));
  if (!hit) throw new Error(`none of ${names.join(', ')} offered; the agent offered: ${tools.join(', ')}`);
  return hit;
}

export interface Recorded {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A small HTTP server that records every request and hands it to `route`. */
export abstract class RecordingServer extends LocalServer {
  readonly requests: Recorded[] = [];

  protected abstract route(rec: Recorded, res: http.ServerResponse): void;

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* recorded as text */
    }
    const rec: Recorded = { at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(rec);
    try {
      this.route(rec, res);
    } catch (err) {
      sendJson(res, 500, { error: { message: (err as Error).message, type: 'server_error' } });
    }
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Writes server-sent events; `event` adds an `event:` line (the Responses API names its events). */
export function sendSse(res: http.ServerResponse, events: { event?: string; data: unknown }[], done = false): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

/** The text of everything the agent sent to the model, for "does the request carry X" checks. */
export function requestText(body: unknown): string {
  return JSON.stringify(body ?? '');
}

/**
 * The tool results a model request carries back, whatever the wire, as text: Responses
 * (`function_call_output`), Chat Completions (`role: "tool"` messages), Gemini (`functionResponse`
 * parts) and Anthropic Messages (`tool_result` blocks). What a tool answered, apart from the rest of
 * the conversation (a start context or a prompt's memory may say the same things).
 */
export function toolResultText(body: unknown): string {
  const b = (body ?? {}) as {
    input?: { type?: string; output?: unknown }[] | string;
    messages?: { role?: string; content?: unknown }[];
    contents?: { parts?: { functionResponse?: unknown }[] }[];
  };
  const out: unknown[] = [];
  if (Array.isArray(b.input)) out.push(...b.input.filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output').map((i) => i.output));
  for (const m of b.messages ?? []) {
    if (m.role === 'tool') out.push(m.content);
    else if (Array.isArray(m.content)) out.push(...(m.content as { type?: string; content?: unknown }[]).filter((c) => c.type === 'tool_result').map((c) => c.content));
  }
  for (const c of b.contents ?? []) out.push(...(c.parts ?? []).filter((p) => p.functionResponse).map((p) => p.functionResponse));
  return out.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n');
}

/** A model request of the conversation itself: it offers the agent's tools (side requests, titles, do not). */
export function offersTools(body: unknown): boolean {
  return offeredTools(body).length > 0;
}
