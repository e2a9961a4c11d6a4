/**
 * A local HTTP server that speaks Anthropic's Messages API (POST /v1/messages) for the real
 * `@anthropic-ai/sdk` pointed at it with `baseURL`. It records every request and answers from a script:
 * queued one-off behaviours (429 with retry-after, 529 overloaded, 500, 401, 400, an invalid tool input,
 * a text answer without the tool, a body that is not JSON, a slow answer) and otherwise a normal
 * tool_use answer built from the request, so summaries and learnings reflect the real input.
 *
 * Usage is computed like the real API reports it: tiktoken counts of what was sent, and prompt caching
 * of the prefix up to the last `cache_control` block (tools, then system) when it is at least
 * `minCacheTokens` long: the first request writes it (cache_creation_input_tokens), later identical
 * prefixes read it (cache_read_input_tokens) for 5 minutes.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { LocalServer } from './local-server.js';
import { countTokens } from '../../common/rules/tokens.js';

export type Behaviour =
  | { kind: 'status'; status: number; type: string; headers?: Record<string, string> }
  | { kind: 'tool-input'; input: unknown }
  | { kind: 'text' }
  | { kind: 'not-json' }
  | { kind: 'slow'; ms: number };

export const behaviours = {
  rateLimited: (retryAfterSeconds = 1): Behaviour => ({ kind: 'status', status: 429, type: 'rate_limit_error', headers: { 'retry-after': String(retryAfterSeconds) } }),
  overloaded: (retryAfterSeconds?: number): Behaviour => ({
    kind: 'status',
    status: 529,
    type: 'overloaded_error',
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
  }),
  serverError: (): Behaviour => ({ kind: 'status', status: 500, type: 'api_error' }),
  unauthorized: (): Behaviour => ({ kind: 'status', status: 401, type: 'authentication_error' }),
  badRequest: (): Behaviour => ({ kind: 'status', status: 400, type: 'invalid_request_error' }),
  invalidToolInput: (): Behaviour => ({ kind: 'tool-input', input: { title: '', request: 42 } }),
  text: (): Behaviour => ({ kind: 'text' }),
  notJson: (): Behaviour => ({ kind: 'not-json' }),
  slow: (ms: number): Behaviour => ({ kind: 'slow', ms }),
};

export interface RecordedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: MessagesRequest;
  status: number;
  usage?: Usage;
}

interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

interface ContentBlock {
  type: string;
  text?: string;
  content?: unknown;
  cache_control?: unknown;
  [k: string]: unknown;
}

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string | ContentBlock[];
  tools?: { name: string; description?: string; input_schema: { properties?: Record<string, unknown> }; cache_control?: unknown }[];
  tool_choice?: { type: string; name?: string };
  messages: { role: string; content: string | ContentBlock[] }[];
}

/** Builds the tool input of a normal answer; tests may replace it. */
export type Responder = (req: MessagesRequest) => Record<string, unknown>;

export class FakeAnthropic extends LocalServer {
  readonly requests: RecordedRequest[] = [];
  private readonly script: Behaviour[] = [];
  /** Answer every request with this behaviour until cleared (e.g. a long outage). */
  always: Behaviour | undefined;
  responder: Responder = defaultResponder;
  minCacheTokens = 1024;
  private readonly cache = new Map<string, number>();

  enqueue(...b: Behaviour[]): void {
    this.script.push(...b);
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
    this.always = undefined;
    this.responder = defaultResponder;
  }

  /** Requests that got a 200 with a tool answer. */
  get answered(): RecordedRequest[] {
    return this.requests.filter((r) => r.status === 200 && r.usage);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      return send(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` } });
    }
    let body: MessagesRequest;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesRequest;
    } catch {
      return send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'body is not JSON' } });
    }
    const record: RecordedRequest = { at: Date.now(), headers: req.headers, body, status: 200 };
    this.requests.push(record);
    const problem = validate(req.headers, body);
    if (problem) {
      record.status = 400;
      return send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: problem } });
    }
    let behaviour = this.always ?? this.script.shift();
    if (behaviour?.kind === 'slow') {
      const { ms } = behaviour;
      await new Promise((r) => setTimeout(r, ms));
      behaviour = undefined;
    }
    if (behaviour?.kind === 'status') {
      record.status = behaviour.status;
      return send(res, behaviour.status, { type: 'error', error: { type: behaviour.type, message: `fake ${behaviour.type}` } }, behaviour.headers);
    }
    if (behaviour?.kind === 'not-json') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${crypto.randomUUID()}` });
      res.end('{"id":"msg_broken","content":[{"type":"tool_use"');
      return;
    }
    const toolName = body.tool_choice?.name ?? body.tools?.[0]?.name ?? 'tool';
    const content =
      behaviour?.kind === 'text'
        ? [{ type: 'text', text: 'Here is a summary of the session in prose instead of a tool call.' }]
        : [{ type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: toolName, input: behaviour?.kind === 'tool-input' ? behaviour.input : this.responder(body) }];
    const usage = this.usage(body, JSON.stringify(content));
    record.usage = usage;
    send(res, 200, {
      id: `msg_${crypto.randomBytes(8).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: behaviour?.kind === 'text' ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage: { ...usage, cache_creation: null, inference_geo: null, output_tokens_details: null, server_tool_use: null, service_tier: 'standard' },
    });
  }

  /** Token usage as the API reports it, with the cacheable prefix (tools + system) cached for 5 minutes. */
  private usage(body: MessagesRequest, output: string): Usage {
    const tools = JSON.stringify(body.tools ?? []);
    const system = typeof body.system === 'string' ? body.system : (body.system ?? []).map((b) => b.text ?? '').join('\n');
    const prefixTokens = countTokens(tools) + countTokens(system);
    const restTokens = body.messages.reduce((sum, m) => sum + 4 + countTokens(messageText(m.content)), 0);
    const cacheable = Array.isArray(body.system) && body.system.some((b) => b.cache_control) && prefixTokens >= this.minCacheTokens;
    const usage = { input_tokens: restTokens, output_tokens: countTokens(output), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!cacheable) return { ...usage, input_tokens: restTokens + prefixTokens };
    const key = crypto.createHash('sha256').update(`${body.model}\n${tools}\n${system}`).digest('hex');
    const seen = this.cache.get(key);
    this.cache.set(key, Date.now());
    if (seen !== undefined && Date.now() - seen < 5 * 60_000) return { ...usage, cache_read_input_tokens: prefixTokens };
    return { ...usage, cache_creation_input_tokens: prefixTokens };
  }
}

/** The text a message carries, as the model reads it (not its JSON envelope). */
function messageText(content: string | ContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (b.type === 'text' ? (b.text ?? '') : b.type === 'tool_use' ? JSON.stringify(b.input) : typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '')))
    .join('\n');
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${crypto.randomUUID()}`, ...headers });
  res.end(JSON.stringify(body));
}

/** What the real API would refuse with a 400 (or 401) before generating anything. */
function validate(headers: http.IncomingHttpHeaders, body: MessagesRequest): string | undefined {
  // The SDK sends the key as x-api-key or (since 1.x) as a bearer token.
  if (!headers['x-api-key'] && !/^Bearer \S+/.test(headers.authorization ?? '')) return 'x-api-key or authorization header is required';
  if (!headers['anthropic-version']) return 'anthropic-version header is required';
  if (typeof body.model !== 'string' || !body.model) return 'model: field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: must be a positive integer';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.messages[0]!.role !== 'user') return 'messages: first message must use the "user" role';
  for (let i = 1; i < body.messages.length; i++) {
    if (body.messages[i]!.role === body.messages[i - 1]!.role) return `messages.${i}: roles must alternate between "user" and "assistant"`;
  }
  if (body.tool_choice?.type === 'tool' && !body.tools?.some((t) => t.name === body.tool_choice!.name)) return 'tool_choice: names a tool that is not in tools';
  return undefined;
}

/** The API key a request carried, in whichever header the SDK used. */
export function apiKeyOf(headers: http.IncomingHttpHeaders): string | undefined {
  const key = headers['x-api-key'];
  return typeof key === 'string' ? key : headers.authorization?.replace(/^Bearer /, '');
}

/** Text of the first user message (the summarizer's input). */
export function userText(req: MessagesRequest): string {
  const c = req.messages[0]!.content;
  return typeof c === 'string' ? c : c.map((b) => b.text ?? '').join('\n');
}

/**
 * A plausible summary of what the request shows: the prompts as the request, Read/Grep calls as
 * investigated, edits as completed; and, when the tool asks for learnings, one fix per Bash command
 * that failed and later passed, citing the observations, plus a restatement of a known learning whose
 * title shares most words with a prompt.
 */
export const defaultResponder: Responder = (req) => {
  const text = userText(req);
  const items = [...text.matchAll(/^#(\d+) (\w+): (.*)$/gm)].map((m) => ({ n: Number(m[1]), kind: m[2]!, title: m[3]! }));
  const prompts = items.filter((i) => i.kind === 'prompt');
  const tools = items.filter((i) => i.kind === 'tool');
  const parts = [...text.matchAll(/^## Observations #\d+-#\d+\n(.*)$/gm)].map((m) => m[1]!);
  const answer: Record<string, unknown> = {
    title: prompts[0] ? `Worked on: ${prompts[0].title.slice(0, 150)}` : parts[0] ? `Session: ${parts[0].slice(0, 150)}` : 'Session work',
    request: prompts.map((p) => p.title).join('; ').slice(0, 3000),
    investigated: tools.filter((t) => /^(Read|Grep|Glob)\b/.test(t.title)).map((t) => t.title).join('; ').slice(0, 3000),
    learned: '',
    completed: tools.filter((t) => /^(Edit|Write|MultiEdit)\b/.test(t.title)).map((t) => t.title).join('; ').slice(0, 3000),
    nextSteps: '',
  };
  if (req.tools?.[0]?.input_schema.properties?.learnings) {
    const learnings: Record<string, unknown>[] = [];
    const bash = tools.filter((t) => t.title.startsWith('Bash:'));
    const edit = tools.find((t) => /^(Edit|Write|MultiEdit)\b/.test(t.title));
    if (bash.length > 0 && edit) {
      learnings.push({
        kind: 'fix',
        title: `${bash[0]!.title.replace(/^Bash:\s*/, '')} passes after fixing ${edit.title.replace(/^\w+:\s*/, '')}`,
        body: `The command failed until ${edit.title} was changed; then it passed.`,
        confidence: 0.9,
        sources: [bash[0]!.n, edit.n, ...(bash.length > 1 ? [bash.at(-1)!.n] : [])],
      });
    }
    const known = [...text.matchAll(/^(K\d+) \[(\w+)\] (.*)$/gm)];
    for (const p of prompts) {
      const words = new Set(p.title.toLowerCase().match(/[a-z]{4,}/g) ?? []);
      const match = known.find((k) => (k[3]!.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => words.has(w)).length >= 3);
      if (match) {
        learnings.push({ kind: match[2], title: match[3], body: `Confirmed again: ${p.title}`, confidence: 0.8, sources: [p.n], restates: match[1] });
      }
    }
    answer.learnings = learnings;
  }
  return answer;
};
