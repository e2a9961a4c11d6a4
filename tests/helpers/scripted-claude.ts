/**
 * A local stand-in for Anthropic's Messages API that plays the model for the real Claude Code CLI
 * (ANTHROPIC_BASE_URL points at it). Claude Code streams (`stream: true`), so answers are the real
 * server-sent events: message_start, content_block_start/delta/stop (text_delta, input_json_delta),
 * message_delta with the stop_reason, message_stop. Non-streaming requests get the same message as one
 * JSON body.
 *
 * Scripts are keyed by the session's first prompt: a request whose first user message contains a
 * script's `prompt` is answered with that script's step number N, where N is how many assistant turns
 * the request already carries. So the answer depends only on the request (retries and parallel
 * sessions are safe). A step is a tool call (tool_use block) or the final text. Requests that offer
 * no tools (Claude Code's side requests: titles, summaries) and requests matching no script get a short
 * text. Every request is recorded, so a test can read exactly what Claude Code sent to the model.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Step = { tool: string; input: Record<string, unknown> } | { text: string };

export interface Script {
  /** Matched as a substring of the first user message's text. */
  prompt: string;
  steps: Step[];
}

interface Block {
  type: string;
  text?: string;
  content?: unknown;
}

export interface MessagesBody {
  model?: string;
  stream?: boolean;
  system?: string | Block[];
  tools?: { name: string }[];
  messages: { role: string; content: string | Block[] }[];
}

export interface Recorded {
  at: number;
  path: string;
  body: MessagesBody;
  /** The script it was answered from, if any, and the step number. */
  script?: string;
  step?: number;
}

/** All the text of a message's content (text blocks, tool results, nested). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(textOf).join('\n');
  if (content && typeof content === 'object') {
    const b = content as Block;
    return [b.text ?? '', b.content !== undefined ? textOf(b.content) : ''].filter(Boolean).join('\n');
  }
  return '';
}

/** Everything a request showed the model: system prompt and every message. */
export function requestText(body: MessagesBody): string {
  return [textOf(body.system ?? ''), ...body.messages.map((m) => textOf(m.content))].join('\n');
}

export class ScriptedClaude {
  readonly requests: Recorded[] = [];
  private readonly scripts: Script[] = [];
  private server?: http.Server;
  url = '';
  /** The text answer of a request matching no script (a side request, or a headless run offering no tools); 'OK.' when undefined. */
  textAnswer: (body: MessagesBody) => string | undefined = () => undefined;

  add(script: Script): void {
    this.scripts.push(script);
  }

  /** Requests answered from the script whose prompt is `prompt`, in order. */
  requestsOf(prompt: string): Recorded[] {
    return this.requests.filter((r) => r.script === prompt);
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'POST' || !url.pathname.startsWith('/v1/messages')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not found' } }));
      return;
    }
    let body: MessagesBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesBody;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'not JSON' } }));
      return;
    }
    if (url.pathname.endsWith('/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: Math.ceil(requestText(body).length / 4) }));
      return;
    }
    const rec: Recorded = { at: Date.now(), path: url.pathname, body };
    this.requests.push(rec);
    const first = body.messages.find((m) => m.role === 'user');
    const script = body.tools?.length ? this.scripts.find((s) => first && textOf(first.content).includes(s.prompt)) : undefined;
    let step: Step = { text: this.textAnswer(body) ?? 'OK.' };
    if (script) {
      const n = body.messages.filter((m) => m.role === 'assistant').length;
      rec.script = script.prompt;
      rec.step = n;
      step = script.steps[n] ?? { text: 'Done.' };
    }
    const message = messageOf(body.model ?? 'claude-sonnet-4-5', step);
    if (body.stream) writeStream(res, message);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
  }
}

interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Record<string, unknown>[];
  stop_reason: string;
  stop_sequence: null;
  usage: { input_tokens: number; output_tokens: number };
}

function messageOf(model: string, step: Step): Message {
  const content =
    'tool' in step
      ? [{ type: 'tool_use', id: `toolu_${crypto.randomBytes(12).toString('hex')}`, name: step.tool, input: step.input }]
      : [{ type: 'text', text: step.text }];
  return {
    id: `msg_${crypto.randomBytes(12).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: 'tool' in step ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 100, output_tokens: 20 },
  };
}

function writeStream(res: http.ServerResponse, m: Message): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', { type: 'message_start', message: { ...m, content: [], stop_reason: null, usage: { input_tokens: m.usage.input_tokens, output_tokens: 1 } } });
  m.content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    } else {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: m.stop_reason, stop_sequence: null }, usage: { output_tokens: m.usage.output_tokens } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}
