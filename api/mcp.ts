/**
 * POST /mcp: memflow's MCP server over Streamable HTTP, for teams that run memflow centrally. It is
 * stateless (a server and a transport per request, JSON answers, no session id), so any API replica
 * can answer any call. The route sits behind the same Bearer-key authentication and rate limits as
 * /v1, and the tools reach the API by injecting requests into this Fastify instance as the caller
 * (a grant of the caller's principal, issued once the key is confirmed: api/auth.ts): tenant
 * scoping, validation and audit are exactly those of the HTTP API, without a second key lookup.
 * `X-Memflow-Project` names the project tools use by default. GET and DELETE (server-sent streams
 * and session ends, which a stateless server does not have) answer 405.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { createApiClient, type ApiClient } from '../clients/api.js';
import { DEFAULT_MAX_TOKENS } from '../mcp/budget.js';
import { createMemflowMcpServer } from '../mcp/server.js';
import { INTERNAL_GRANT_HEADER, keyDenial, requirePrincipal, type InternalGrants } from './auth.js';
import { errorBody } from './errors.js';
import { parseOr400, projectParam } from './validation.js';
import { z } from 'zod';

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

export function registerMcpRoutes(app: FastifyInstance, deps: McpRouteDeps): void {
  app.post('/mcp', async (req, reply) => {
    const principal = requirePrincipal(req);
    const { project } = parseOr400(headers, { project: req.headers['x-memflow-project'] }, 'invalid_header');
    const grant = deps.grants.grant(principal);
    const server = createMemflowMcpServer({
      api: injectedClient(deps.root, grant.token),
      defaultProject: project,
      maxTokens: deps.maxTokens ?? DEFAULT_MAX_TOKENS,
      version: deps.version,
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      // The server was built while the key was being checked (a cached key): nothing runs and
      // nothing is written before the check says the key stands.
      const denial = await keyDenial(req);
      if (denial) throw denial;
    } catch (err) {
      grant.revoke();
      await server.close();
      throw err;
    }
    // The transport writes the response itself; Fastify's headers so far go with it.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.hijack();
    reply.raw.on('close', () => {
      grant.revoke();
      void transport.close();
      void server.close();
    });
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });

  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      handler: async (_req, reply) =>
        reply.code(405).header('allow', 'POST').send(errorBody('method_not_allowed', 'this MCP endpoint is stateless: send JSON-RPC messages with POST')),
    });
  }
}
