/**
 * A local scripted stand-in for OpenAI's model API, as the agent CLIs use it through a provider
 * base URL: the Responses API (`POST /v1/responses`, streamed as named server-sent events — Codex,
 * Copilot's `responses` wire) and Chat Completions (`POST /v1/chat/completions`, streamed chunks —
 * OpenCode's OpenAI-compatible provider, Copilot's default wire). It records every request; each
 * answer is the script's turn for where the conversation is (see scripted-turns.ts).
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { RecordingServer, offeredTools, sendJson, sendSse, type Recorded, type Script, type Turn } from './scripted-turns.js';

interface ResponsesBody {
  model?: string;
  stream?: boolean;
  tools?: { type?: string; name?: string; function?: { name?: string } }[];
  input?: { type?: string; role?: string }[] | string;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  tools?: { type?: string; function?: { name?: string } }[];
  messages?: { role?: string }[];
}

export class FakeOpenAI extends RecordingServer {
  constructor(public script: Script) {
    super();
  }

  /** The model requests (Responses or Chat Completions) in arrival order. */
  get modelRequests(): Recorded[] {
    return this.requests.filter((r) => r.method === 'POST' && /\/(responses|chat\/completions)$/.test(r.path.split('?')[0]!));
  }

  protected route(rec: Recorded, res: http.ServerResponse): void {
    const path = rec.path.split('?')[0]!;
    if (rec.method === 'GET' && path.endsWith('/models')) {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-5', object: 'model', created: 0, owned_by: 'memflow-tests' }] });
    }
    if (rec.method === 'POST' && path.endsWith('/responses')) return this.responses(rec.body as ResponsesBody, res);
    if (rec.method === 'POST' && path.endsWith('/chat/completions')) return this.chat(rec.body as ChatBody, res);
    sendJson(res, 404, { error: { message: `no route ${rec.method} ${rec.path}`, type: 'invalid_request_error' } });
  }

  private responses(body: ResponsesBody, res: http.ServerResponse): void {
    const tools = offeredTools(body);
    const input = Array.isArray(body.input) ? body.input : [];
    const results = input.filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output').length;
    const turn = this.script({ tools, results, request: body });
    const id = `resp_${crypto.randomBytes(8).toString('hex')}`;
    const item = responsesItem(turn, body.tools ?? []);
    const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 120 };
    const response = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model ?? 'gpt-5', status: 'in_progress', output: [] as unknown[] };
    if (body.stream === false) return sendJson(res, 200, { ...response, status: 'completed', output: [item], usage });
    const events: { event: string; data: unknown }[] = [
      { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response } },
      { event: 'response.output_item.added', data: { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress' } } },
    ];
    if ('text' in turn) {
      events.push({ event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 2, item_id: item.id, output_index: 0, content_index: 0, delta: turn.text } });
    }
    events.push(
      { event: 'response.output_item.done', data: { type: 'response.output_item.done', sequence_number: 3, output_index: 0, item } },
      { event: 'response.completed', data: { type: 'response.completed', sequence_number: 4, response: { ...response, status: 'completed', output: [item], usage } } },
    );
    sendSse(res, events);
  }

  private chat(body: ChatBody, res: http.ServerResponse): void {
    const tools = offeredTools(body);
    const results = (body.messages ?? []).filter((m) => m.role === 'tool').length;
    // A request without tools is a side request (a title, a summary): a short text, no step taken.
    const turn: Turn = tools.length ? this.script({ tools, results, request: body }) : { text: 'Fix failing check' };
    const id = `chatcmpl-${crypto.randomBytes(8).toString('hex')}`;
    const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'gpt-5' };
    const usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };
    const call = 'tool' in turn ? { index: 0, id: `call_${crypto.randomBytes(6).toString('hex')}`, type: 'function', function: { name: turn.tool, arguments: JSON.stringify(turn.args) } } : undefined;
    if (body.stream !== true) {
      const message = call ? { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] } : { role: 'assistant', content: (turn as { text: string }).text };
      return sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }], usage });
    }
    const delta = call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: (turn as { text: string }).text };
    sendSse(
      res,
      [
        { data: { ...base, choices: [{ index: 0, delta, finish_reason: null }] } },
        { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: call ? 'tool_calls' : 'stop' }] } },
        { data: { ...base, choices: [], usage } },
      ],
      true,
    );
  }
}

/** A Responses output item for a turn: a function call (or a custom tool call for freeform tools) or a message. */
function responsesItem(turn: Turn, offered: ResponsesBody['tools'] & object): Record<string, unknown> & { id: string } {
  const id = `item_${crypto.randomBytes(6).toString('hex')}`;
  if ('text' in turn) return { id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] };
  const call_id = `call_${crypto.randomBytes(6).toString('hex')}`;
  const spec = offered.find((t) => (t.name ?? t.function?.name) === turn.tool);
  if (spec?.type === 'custom') {
    // Freeform tools (Codex's apply_patch) take raw text as input.
    return { id, type: 'custom_tool_call', status: 'completed', call_id, name: turn.tool, input: String(turn.args.input ?? '') };
  }
  return { id, type: 'function_call', status: 'completed', call_id, name: turn.tool, ...(turn.namespace ? { namespace: turn.namespace } : {}), arguments: JSON.stringify(turn.args) };
}
