/**
 * A local HTTP server speaking the embeddings protocols memflow's remote providers use:
 * OpenAI's (POST /v1/embeddings {model, input, dimensions?} -> {object, data:[{object, embedding,
 * index}], model, usage}) and Voyage AI's (same path, {model, input, input_type, output_dimension?}
 * -> the same list shape, usage {total_tokens}). It checks the bearer key, records every request,
 * answers with deterministic vectors (memflow's local embedder, so similarity stays meaningful),
 * and can be told to fail the next requests with a status, as the real APIs do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { embedText } from '../../common/server/embeddings/local.js';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: { model?: string; input?: string[] | string; input_type?: string; dimensions?: number; output_dimension?: number; [k: string]: unknown };
}

export interface FakeEmbeddingsServer {
  /** Base URL to configure (…/v1). */
  baseURL: string;
  requests: RecordedRequest[];
  /** Answer the next `times` requests with this status (and a Retry-After header for 429). */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeEmbeddings(opts: { apiKey: string; flavour: 'openai' | 'voyage'; dimension: number }): Promise<FakeEmbeddingsServer> {
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];
  const error = (res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    // OpenAI: {error:{message,type}}; Voyage: {detail}.
    res.end(JSON.stringify(opts.flavour === 'openai' ? { error: { message, type: 'invalid_request_error' } } : { detail: message }));
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as RecordedRequest['body']) : {};
      requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return error(res, 404, `no route ${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return error(res, 401, 'Incorrect API key provided');
      const failWith = failures.shift();
      if (failWith) return error(res, failWith, `injected failure ${failWith}`, failWith === 429 ? { 'retry-after': '2' } : {});
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => typeof t !== 'string' || t === '')) {
        return error(res, 400, "'input' must be a non-empty array of non-empty strings");
      }
      if (opts.flavour === 'voyage' && body.input_type !== undefined && !['query', 'document'].includes(String(body.input_type))) {
        return error(res, 400, 'input_type must be query or document');
      }
      const dimension = Number(body.dimensions ?? body.output_dimension ?? opts.dimension);
      const data = inputs.map((text, index) => ({ object: 'embedding', embedding: embedText(`${body.input_type ?? ''} ${text}`, dimension), index }));
      // Real servers do not promise order in `data`; reverse it to prove the client uses `index`.
      data.reverse();
      const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: opts.flavour === 'openai' ? { prompt_tokens: tokens, total_tokens: tokens } : { total_tokens: tokens } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
