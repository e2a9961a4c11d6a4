/**
 * `memflow mcp`: memflow's MCP server over stdio, for Claude Code and any MCP client. It talks to
 * the API at MEMFLOW_URL with MEMFLOW_API_KEY; tools default to MEMFLOW_PROJECT, else the git
 * project of the working directory (as the hooks name it). stdout belongs to the protocol: nothing
 * else is ever written there. The server stays up when the API is down: each tool call then
 * answers with a tool error that says so.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { resolveProject } from '../common/project.js';
import { jsonOrUndefined, type ApiTransport } from '../mcp/api.js';
import { DEFAULT_MAX_TOKENS } from '../mcp/budget.js';
import { createMemflowMcpServer } from '../mcp/server.js';
import { apiTarget } from './api-client.js';
import { envInt, envValue } from './env.js';
import { createHttpClient } from './http.js';

const VERSION = '0.1.0';

export function httpTransport(base: string, key: string, timeoutMs = 15_000): ApiTransport & { close(): void } {
  const client = createHttpClient();
  return {
    describe: base,
    async request(method, pathAndQuery, body) {
      const outcome = await client.request({
        method,
        url: `${base}${pathAndQuery}`,
        headers: { authorization: `Bearer ${key}`, 'user-agent': 'memflow-mcp' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        timeoutMs,
      });
      if (outcome.kind === 'network') throw new Error(outcome.code);
      return { status: outcome.status, body: jsonOrUndefined(outcome.body) };
    },
    close: () => client.close(),
  };
}

export async function runMcp(opts: { url?: string; project?: string }): Promise<void> {
  const { base, key } = apiTarget(opts.url);
  const api = httpTransport(base, key);
  const server = createMemflowMcpServer({
    api,
    defaultProject: opts.project ?? envValue('MEMFLOW_PROJECT') ?? resolveProject(process.cwd()),
    maxTokens: envInt('MEMFLOW_MCP_MAX_TOKENS', DEFAULT_MAX_TOKENS),
    version: VERSION,
    // Beside the working tree: context is checked against today's code (MEMFLOW_STALENESS_CHECK=0: off).
    workingTree: envValue('MEMFLOW_STALENESS_CHECK') === '0' ? undefined : (envValue('CLAUDE_PROJECT_DIR') ?? process.cwd()),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  // Ends when the client closes stdin (or the process is signalled).
  process.stdin.on('end', () => void server.close());
  await closed;
  api.close();
}
