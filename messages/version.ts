/** memflow's version, as the API, the CLI and both MCP servers (stdio, the relay's) announce it. */
export const MEMFLOW_VERSION = '0.1.0';
