/**
 * memflow's MCP server, served by the local relay at POST /mcp (Streamable HTTP, stateless, JSON
 * answers). Claude Code connects to it at every session start and waits for it before its first
 * model request; from the relay, `initialize` and `tools/list` are answered on this machine, so the
 * agent's start never waits for the API (slow, down or hanging). Only a tool call goes to the API,
 * with the caller's own key (Authorization) at the caller's API (X-Memflow-Url), as the stdio
 * server (`memflow mcp`) does: the relay holds no privilege, and tenant scoping stays the API's.
 * X-Memflow-Project names the project tools use by default; X-Memflow-Project-Key travels with
 * every call so the API maps the repository to its own project.
 *
 * The MCP SDK is loaded once, in the background after the relay starts (not on the first session's
 * critical path), and every request gets a server and a transport of its own (stateless: GET and
 * DELETE answer 405) — except the handshake's answers, which are the same for every session: the
 * result of `initialize` and of the list methods is kept per request shape (method, params, default
 * project, `?structured`) after the server first gave it, and `notifications/initialized` is acknowledged, without
 * building a server (about 15 ms of CPU per session otherwise, on the agent's machine). Requests
 * must name a loopback Host (a page in the user's browser cannot reach the relay by DNS rebinding).
 */
import type http from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { createMemflowMcpServer } from '../../mcp/mcp-server.js';
import { createApiClient } from '../../clients/api.js';
import { MEMFLOW_VERSION } from '../../messages/version.js';
import { checkBaseUrl } from '../env.js';
import { httpTransport, type HttpClient } from '../node-http.js';
import { bearerKey, header, readBody } from './request.js';

/** A tool call's wait for the API (the stdio server's). */
const TOOL_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/i;

type Loaded = {
  Transport: typeof WebStandardStreamableHTTPServerTransport;
  createServer: typeof createMemflowMcpServer;
  defaultMaxTokens: number;
};

export interface RelayMcpOptions {
  client: HttpClient;
  /** The API when a request names none (X-Memflow-Url absent or empty). */
  defaultUrl: string;
  /** Cap on any one answer, in tokens (default: the MCP server's). */
  maxTokens?: number;
}

/** A JSON-RPC error answer (the request's id unknown: null), as MCP clients read them. */
function rpcError(res: http.ServerResponse, status: number, code: number, message: string, extra: Record<string, string> = {}): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra }).end(text);
}

async function readJson(req: http.IncomingMessage): Promise<{ ok: true; body: unknown } | { ok: false; status: number; message: string }> {
  const text = await readBody(req, MAX_BODY_BYTES);
  if (text === undefined) return { ok: false, status: 413, message: `the request is larger than ${MAX_BODY_BYTES} bytes, or was cut off` };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not valid JSON' };
  }
}

/**
 * X-Memflow-Url as the agent sent it: an agent that expands environment references in its MCP entry
 * (Gemini CLI's `${MEMFLOW_URL}`, OpenCode's `{env:MEMFLOW_URL}`, Codex's env_http_headers) may send
 * the reference itself, or nothing, when the variable is unset: then the relay's own default URL.
 */
export function apiUrlHeader(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || /^\$\{?[A-Za-z_]\w*(?::-[^}]*)?\}?$|^\{env:\w+\}$/.test(value.trim())) return undefined;
  return value;
}

/** The handshake's methods: their answers depend only on the request (never on the API or the key). */
const CACHED_METHODS = new Set(['initialize', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);
const MAX_CACHED = 64;

interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

const isRpc = (b: unknown): b is RpcRequest => Boolean(b) && typeof b === 'object' && !Array.isArray(b) && (b as RpcRequest).jsonrpc === '2.0' && typeof (b as RpcRequest).method === 'string';

export class RelayMcp {
  private loaded: Promise<Loaded> | undefined;
  /** Handshake results by request shape (CACHED_METHODS). */
  private readonly answers = new Map<string, unknown>();
  /** Requests answered from there (health, tests). */
  answeredFromCache = 0;

  constructor(private readonly opts: RelayMcpOptions) {}

  /** Loads the SDK and the server's module (once); the relay calls it right after it starts. */
  preload(): Promise<Loaded> {
    this.loaded ??= Promise.all([
      import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
      import('../../mcp/mcp-server.js'),
      import('../../mcp/tools/tool-kit.js'),
    ]).then(([t, s, b]) => ({ Transport: t.WebStandardStreamableHTTPServerTransport, createServer: s.createMemflowMcpServer, defaultMaxTokens: b.DEFAULT_MAX_TOKENS }));
    return this.loaded;
  }

  private keep(shape: string, out: Buffer): void {
    try {
      const parsed = JSON.parse(out.toString('utf8')) as { result?: unknown };
      if (parsed.result === undefined) return;
      if (this.answers.size >= MAX_CACHED) this.answers.delete(this.answers.keys().next().value!);
      this.answers.set(shape, parsed.result);
    } catch {
      // not a JSON answer: not kept
    }
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return rpcError(res, 403, -32000, `Forbidden: the relay answers MCP only at a loopback address, not at Host "${req.headers.host ?? ''}"`);
    if (req.method !== 'POST') return rpcError(res, 405, -32000, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST', { allow: 'POST' });
    const key = bearerKey(req);
    if (!key) return rpcError(res, 401, -32001, 'Unauthorized: send the memflow API key as "Authorization: Bearer <key>" (MEMFLOW_API_KEY)');
    const base = (apiUrlHeader(header(req, 'x-memflow-url')) ?? this.opts.defaultUrl).replace(/\/+$/, '');
    try {
      checkBaseUrl(base, 'X-Memflow-Url');
    } catch (err) {
      return rpcError(res, 400, -32602, (err as Error).message);
    }
    const body = await readJson(req);
    if (!body.ok) return rpcError(res, body.status, -32700, body.message);
    const rpc = isRpc(body.body) ? body.body : undefined;
    const defaultProject = header(req, 'x-memflow-project');
    // `?structured=true`: tools declare output schemas and answer with structured content too (mcp/tools/tool-kit.ts).
    const structured = new URL(req.url ?? '/mcp', 'http://relay').searchParams.get('structured') === 'true';
    const shape = rpc && CACHED_METHODS.has(rpc.method) && rpc.id !== undefined ? JSON.stringify([rpc.method, rpc.params ?? null, defaultProject ?? null, structured]) : undefined;
    if (rpc && rpc.method === 'notifications/initialized' && rpc.id === undefined) {
      this.answeredFromCache++;
      res.writeHead(202).end();
      return;
    }
    if (shape && this.answers.has(shape)) {
      this.answeredFromCache++;
      const text = JSON.stringify({ result: this.answers.get(shape), jsonrpc: '2.0', id: rpc!.id });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      return;
    }
    const projectKey = header(req, 'x-memflow-project-key');
    const { Transport, createServer, defaultMaxTokens } = await this.preload();
    const server = createServer({
      api: createApiClient({
        transport: httpTransport(this.opts.client, base, TOOL_TIMEOUT_MS),
        key,
        describe: base,
        // The repository's folder name with its key: the API maps the pair to the repository's own project.
        headers: { 'user-agent': 'memflow-relay-mcp', ...(projectKey ? { 'x-memflow-project-key': projectKey, ...(defaultProject ? { 'x-memflow-project': defaultProject } : {}) } : {}) },
      }),
      defaultProject,
      maxTokens: this.opts.maxTokens ?? defaultMaxTokens,
      structured,
      version: MEMFLOW_VERSION,
    });
    const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const answer = await transport.handleRequest(new Request(`http://${req.headers.host}${req.url ?? '/mcp'}`, { method: 'POST', headers }), { parsedBody: body.body });
      const out = answer.body ? Buffer.from(await answer.arrayBuffer()) : undefined;
      if (shape && answer.status === 200 && out) this.keep(shape, out);
      const outHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => (outHeaders[name] = value));
      if (out) outHeaders['content-length'] = String(out.length);
      res.writeHead(answer.status, outHeaders).end(out);
    } finally {
      void transport.close();
      void server.close();
    }
  }
}
