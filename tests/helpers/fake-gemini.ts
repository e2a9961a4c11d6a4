/**
 * A local scripted stand-in for the Gemini API as Gemini CLI reaches it through
 * GOOGLE_GEMINI_BASE_URL: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (server-sent
 * events of GenerateContentResponse), `:generateContent` (one JSON answer; the CLI's side requests
 * such as its "next speaker" check and routing use it) and `:countTokens`. It records every request;
 * each answer of the main conversation is the script's turn for where the conversation is.
 */
import type http from 'node:http';
import { RecordingServer, offeredTools, sendJson, sendSse, type Recorded, type Script, type Turn } from './scripted-turns.js';

interface Part {
  text?: string;
  functionCall?: { name: string; args?: unknown };
  functionResponse?: unknown;
}

interface GenerateBody {
  contents?: { role?: string; parts?: Part[] }[];
  generationConfig?: { responseMimeType?: string; responseJsonSchema?: unknown; responseSchema?: unknown };
}

export class FakeGemini extends RecordingServer {
  /** The text answer of a request that offers no tools, when it is not a side request asking for JSON of a schema. */
  textAnswer: (body: unknown) => string | undefined = () => undefined;

  constructor(public script: Script) {
    super();
  }

  /** The requests of the main conversation (they offer the agent's tools), in arrival order. */
  get modelRequests(): Recorded[] {
    return this.requests.filter((r) => /:(stream)?generateContent/i.test(r.path) && offeredTools(r.body).length > 0);
  }

  protected route(rec: Recorded, res: http.ServerResponse): void {
    const path = rec.path.split('?')[0]!;
    const body = (rec.body ?? {}) as GenerateBody;
    if (path.endsWith(':countTokens')) return sendJson(res, 200, { totalTokens: JSON.stringify(body).length >> 2 });
    const stream = path.endsWith(':streamGenerateContent');
    if (!stream && !path.endsWith(':generateContent')) return sendJson(res, 404, { error: { code: 404, message: `no route ${rec.method} ${rec.path}`, status: 'NOT_FOUND' } });
    const tools = offeredTools(body);
    let parts: Part[];
    if (tools.length) {
      const results = (body.contents ?? []).flatMap((c) => c.parts ?? []).filter((p) => p.functionResponse).length;
      parts = [partOf(this.script({ tools, results, request: body }))];
    } else {
      const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
      parts = [{ text: (schema ? undefined : this.textAnswer(body)) ?? sideAnswer(body) }];
    }
    const answer = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
      modelVersion: 'gemini-2.5-pro',
      responseId: `fake-${this.requests.length}`,
    };
    if (stream) return sendSse(res, [{ data: answer }]);
    sendJson(res, 200, answer);
  }
}

function partOf(turn: Turn): Part {
  return 'tool' in turn ? { functionCall: { name: turn.tool, args: turn.args } } : { text: turn.text };
}

/**
 * Side requests ask for JSON of a schema (the "next speaker" check, the model router's complexity
 * score): answer with an instance of it in which the user speaks next, else a short text.
 */
function sideAnswer(body: GenerateBody): string {
  const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
  if (schema) return JSON.stringify(instanceOf(schema));
  return 'Fix failing check';
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
}

/** A small valid value of a (Gemini-style, upper-case typed) JSON schema. */
function instanceOf(schema: unknown, key = ''): unknown {
  const s = schema as JsonSchema;
  if (s.enum?.length) return s.enum.includes('user') ? 'user' : s.enum[0];
  switch ((s.type ?? 'object').toLowerCase()) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, instanceOf(v, k)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 10;
    case 'boolean':
      return false;
    default:
      return key === 'next_speaker' ? 'user' : 'simple task';
  }
}
