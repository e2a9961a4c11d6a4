/**
 * A local scripted stand-in for Anthropic's Messages API as Claude Code uses it through
 * ANTHROPIC_BASE_URL: `POST /v1/messages` streamed as server-sent events (message_start,
 * content_block_start/delta/stop, message_delta, message_stop), and `POST /v1/messages/count_tokens`.
 * Requests that offer tools are the agent's turns (the script's turn for where the conversation
 * is); side requests without tools get a short text. Every request is recorded.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { RecordingServer, sendJson, sendSse, type Recorded, type Script } from './scripted-turns.js';

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: { name: string }[];
  messages?: { role: string; content: string | { type: string }[] }[];
}

export class FakeAnthropicAgent extends RecordingServer {
  constructor(public script: Script) {
    super();
  }

  /** The agent's own model requests (they offer its tools), in arrival order. */
  get modelRequests(): Recorded[] {
    return this.requests.filter((r) => r.path.split('?')[0] === '/v1/messages' && ((r.body as MessagesBody)?.tools?.length ?? 0) > 0);
  }

  protected route(rec: Recorded, res: http.ServerResponse): void {
    const path = rec.path.split('?')[0]!;
    if (path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 100 });
    if (path !== '/v1/messages') return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${rec.path}` } });
    const body = (rec.body ?? {}) as MessagesBody;
    const tools = (body.tools ?? []).map((t) => t.name);
    const results = (body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'tool_result').length;
    const turn = tools.length ? this.script({ tools, results, request: body }) : { text: 'Fix failing check' };
    const block = 'tool' in turn ? { type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: turn.tool, input: turn.args } : { type: 'text', text: turn.text };
    const stopReason = 'tool' in turn ? 'tool_use' : 'end_turn';
    const message = { id: `msg_${crypto.randomBytes(8).toString('hex')}`, type: 'message', role: 'assistant', model: body.model ?? 'claude-sonnet-4-5', content: [] as unknown[], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } };
    if (body.stream !== true) return sendJson(res, 200, { ...message, content: [block], stop_reason: stopReason, usage: { ...message.usage, output_tokens: 20 } });
    const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
    const delta = block.type === 'tool_use' ? { type: 'input_json_delta', partial_json: JSON.stringify((block as { input: unknown }).input) } : { type: 'text_delta', text: (block as { text: string }).text };
    sendSse(res, [
      { event: 'message_start', data: { type: 'message_start', message } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: start } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 20 } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  }
}
