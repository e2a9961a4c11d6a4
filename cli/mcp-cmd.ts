/**
 * `memflow mcp`: memflow's MCP server over stdio, for Claude Code and any MCP client. It talks to
 * the API at MEMFLOW_URL with MEMFLOW_API_KEY; tools default to MEMFLOW_PROJECT, else the git
 * project of the working directory (as the hooks name it). stdout belongs to the protocol: nothing
 * else is ever written there. The server stays up when the API is down: each tool call then
 * answers with a tool error that says so.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { resolveProject } from '../common/workspace/project-naming.js';
import { createApiClient } from '../clients/api.js';
import { createMemflowMcpServer } from '../mcp/mcp-server.js';
import { apiTarget } from './api-client.js';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { createHttpClient, httpTransport } from './node-http.js';
import { repositoryHeaders } from './repository.js';
import { MEMFLOW_VERSION } from '../messages/version.js';


export async function runMcp(opts: { url?: string; project?: string; structured?: boolean }): Promise<void> {
  const { base, key } = apiTarget(opts.url);
  const env = parseClientConfig();
  const http = createHttpClient();
  const server = createMemflowMcpServer({
    api: createApiClient({ transport: httpTransport(http, base, 15_000), key, describe: base, headers: { 'user-agent': 'memflow-mcp', ...repositoryHeaders() } }),
    defaultProject: opts.project ?? env.MEMFLOW_PROJECT ?? resolveProject(process.cwd()),
    maxTokens: env.MEMFLOW_MCP_MAX_TOKENS,
    structured: opts.structured ?? false,
    version: MEMFLOW_VERSION,
    // Beside the working tree: context is checked against today's code (MEMFLOW_STALENESS_CHECK=0: off).
    workingTree: env.MEMFLOW_STALENESS_CHECK ? (env.CLAUDE_PROJECT_DIR ?? process.cwd()) : undefined,
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  // Ends when the client closes stdin (or the process is signalled).
  process.stdin.on('end', () => void server.close());
  await closed;
  http.close();
}
