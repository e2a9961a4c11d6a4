/**
 * POST /mcp: memflow's MCP server over Streamable HTTP, for teams that run memflow centrally. It is
 * stateless (a server and a transport per request, JSON answers, no session id), so any API replica
 * can answer any call. The route sits behind the same Bearer-key authentication and rate limits as
 * /v1, and the tools reach the API by injecting requests into this Fastify instance as the caller
 * (a grant of the caller's principal, issued once the key is confirmed: api/auth.ts): tenant
 * scoping, validation and audit are exactly those of the HTTP API, without a second key lookup.
 * The SDK's web-standard transport takes the body Fastify parsed and returns a Response, which goes
 * out through the reply like any route's answer (headers, Server-Timing, metrics and the log line
 * included). `X-Memflow-Project` names the project tools use by default; `?structured=true` asks for
 * structured tool answers (mcp/tools/tool-kit.ts). GET and DELETE (server-sent streams
 * and session ends, which a stateless server does not have) answer 405.
 */
import type * as McpTransport from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createApiClient, type ApiClient } from '../../clients/api.js';
import { DEFAULT_MAX_TOKENS } from '../../mcp/tools/tool-kit.js';
import type * as McpServer from '../../mcp/mcp-server.js';
import { INTERNAL_GRANT_HEADER, keyDenial, requirePrincipal, type InternalGrants } from '../auth.js';
import { errorBody } from '../errors.js';
import { parseOr400, projectParam } from '../validation.js';
import { z } from 'zod';
import { documented, projectHeaders } from '../openapi-doc.js';

export interface McpRouteDeps {
  /** The root instance, whose routes the tools call. */
  root: FastifyInstance;
  /** Where the caller's principal is granted to the tools' requests. */
  grants: InternalGrants;
  maxTokens?: number;
  version: string;
}

/** The typed client over Fastify inject: requests to this instance, no network hop. */
function injectedClient(root: FastifyInstance, grant: string): ApiClient {
  return createApiClient({
    describe: 'this memflow API',
    headers: { [INTERNAL_GRANT_HEADER]: grant, 'user-agent': 'memflow-mcp-http' },
    async transport(req) {
      const res = await root.inject({ method: req.method, url: req.path, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
      return { status: res.statusCode, text: res.body, headers: { get: (name) => [res.headers[name.toLowerCase()] ?? []].flat()[0]?.toString() ?? null } };
    },
  });
}

const headers = z.object({ project: projectParam });
/** `?structured=true`: tools declare output schemas and answer with structured content too (mcp/tools/tool-kit.ts). */
const mcpQuery = z.object({ structured: z.enum(['true', 'false']).optional() });

/** The request as the web-standard transport reads it: method, URL and headers (the body is parsed). */
function webRequest(req: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, { method: req.method, headers });
}

/**
 * The MCP server and its SDK (~0.4 s of CPU to load, more under a TypeScript loader), loaded by the
 * first MCP request: an API process that is never asked over MCP does not pay for them at start.
 */
let loading: Promise<typeof McpServer & typeof McpTransport> | undefined;
const mcpModules = () =>
  (loading ??= Promise.all([import('../../mcp/mcp-server.js'), import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js')]).then(([server, transport]) => ({ ...server, ...transport })));

export function registerMcpRoutes(app: FastifyInstance, deps: McpRouteDeps): void {
  const mcpDoc = documented({
    summary: "memflow's MCP server over Streamable HTTP (stateless, JSON answers); tools as in `memflow mcp`",
    tags: ['memory'],
    headers: projectHeaders,
    query: mcpQuery,
    answers: { 200: { mediaType: 'application/json', description: 'a JSON-RPC answer' } },
  });
  app.post('/mcp', mcpDoc, async (req, reply) => {
    const principal = requirePrincipal(req);
    const { project } = parseOr400(headers, { project: req.headers['x-memflow-project'] }, 'invalid_header');
    const { structured } = parseOr400(mcpQuery, req.query);
    const { createMemflowMcpServer, WebStandardStreamableHTTPServerTransport } = await mcpModules();
    const grant = deps.grants.grant(principal);
    const server = createMemflowMcpServer({
      api: injectedClient(deps.root, grant.token),
      defaultProject: project,
      maxTokens: deps.maxTokens ?? DEFAULT_MAX_TOKENS,
      structured: structured === 'true',
      version: deps.version,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      // The server was built while the key was being checked (a cached key): nothing runs before
      // the check says the key stands.
      const denial = await keyDenial(req);
      if (denial) throw denial;
      const res = await transport.handleRequest(webRequest(req), { parsedBody: req.body });
      reply.code(res.status);
      res.headers.forEach((value, name) => void reply.header(name, value));
      const body = res.body ? Buffer.from(await res.arrayBuffer()) : undefined;
      return reply.send(body);
    } finally {
      grant.revoke();
      void transport.close();
      void server.close();
    }
  });

  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      ...documented({ summary: 'Not offered: the MCP endpoint is stateless (405)', tags: ['memory'], answers: { 405: null } }),
      handler: async (_req, reply) =>
        reply.code(405).header('allow', 'POST').send(errorBody('method_not_allowed', 'this MCP endpoint is stateless: send JSON-RPC messages with POST')),
    });
  }
}
