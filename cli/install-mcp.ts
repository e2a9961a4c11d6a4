/**
 * Registers memflow's MCP server for Claude Code, beside the hooks `memflow install` writes:
 * - local scope (default): `projects["<repository root>"].mcpServers` in `~/.claude.json`, personal
 *   like `.claude/settings.local.json` (Claude Code's `claude mcp add --scope local`);
 * - project scope (`--shared`): `.mcp.json` at the repository root, the file the team commits;
 * - user scope (`--global`): `mcpServers` in `~/.claude.json`.
 * The entry is Streamable HTTP: no process to start, so the tools are there from the session's
 * first turn. By default it is the local relay's `/mcp` (RelayMcp in cli/relay/relay-server.ts), which answers Claude
 * Code's handshake on this machine (a slow, down or hanging API never holds up the session's
 * start) and sends each tool call to the API at X-Memflow-Url; with hooks that post to the API
 * (`--http`, no relay) it is the API's own `/mcp`. The key and URL are `${VAR}` references that
 * Claude Code expands from the user's environment; the project is sent as X-Memflow-Project with
 * the repository's key (X-Memflow-Project-Key), so the tools use the same project as the hooks and
 * the CLI. `--stdio-mcp` writes the stdio server (`memflow mcp`) instead. Merged and idempotent: other
 * servers and keys stay as they are, and a second run changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Change } from './install.js';
import type { ProjectHeaders } from './claude-hook-handlers.js';
import { updateJsonObject, type JsonFileUpdate } from './json-file.js';

export const MCP_SERVER_NAME = 'memflow';

export interface McpInstallOptions {
  stdio?: boolean;
  /** The local relay's port: the entry is the relay's /mcp (else the API's). */
  relayPort?: number;
  global?: boolean;
  shared?: boolean;
  /** The API URL used when MEMFLOW_URL is unset where Claude Code runs. */
  defaultUrl: string;
  /** Repository root (`.mcp.json`'s folder, the local scope's key); default: the current directory. */
  dir?: string;
  /** Home directory for `~/.claude.json` (tests). */
  home?: string;
  /** The repository's project, sent with every MCP request (not with --global). */
  project?: ProjectHeaders;
}

/** The local relay's MCP endpoint (RelayMcp, relay-server.ts), for every host whose entry points at it. */
export const relayMcpUrl = (port: number) => `http://127.0.0.1:${port}/mcp`;

/** The server entry, in Claude Code's documented format. */
export function mcpServerEntry(opts: { stdio?: boolean; relayPort?: number; defaultUrl: string; project?: ProjectHeaders }): Record<string, unknown> {
  const url = `\${MEMFLOW_URL:-${opts.defaultUrl.replace(/\/+$/, '')}}`;
  if (opts.stdio) return { type: 'stdio', command: 'memflow', args: ['mcp'], env: { MEMFLOW_API_KEY: '${MEMFLOW_API_KEY}', MEMFLOW_URL: url } };
  const project = opts.project ? { 'X-Memflow-Project': opts.project.name, ...(opts.project.key ? { 'X-Memflow-Project-Key': opts.project.key } : {}) } : {};
  if (opts.relayPort !== undefined) {
    return { type: 'http', url: relayMcpUrl(opts.relayPort), headers: { Authorization: 'Bearer ${MEMFLOW_API_KEY}', 'X-Memflow-Url': url, ...project } };
  }
  return { type: 'http', url: `${url}/mcp`, headers: { Authorization: 'Bearer ${MEMFLOW_API_KEY}', ...project } };
}

type Scope = { file: string; servers: (obj: Record<string, unknown>, create: boolean) => Record<string, unknown> | undefined };

function objectAt(parent: Record<string, unknown>, key: string, create: boolean, what: string): Record<string, unknown> | undefined {
  if (parent[key] === undefined) {
    if (!create) return undefined;
    parent[key] = {};
  }
  const v = parent[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function scopeOf(opts: Pick<McpInstallOptions, 'global' | 'shared' | 'dir' | 'home'>): Scope {
  const root = path.resolve(opts.dir ?? process.cwd());
  const claudeJson = path.join(opts.home ?? os.homedir(), '.claude.json');
  if (opts.shared && !opts.global) return { file: path.join(root, '.mcp.json'), servers: (o, c) => objectAt(o, 'mcpServers', c, '"mcpServers"') };
  if (opts.global) return { file: claudeJson, servers: (o, c) => objectAt(o, 'mcpServers', c, '"mcpServers"') };
  return {
    file: claudeJson,
    servers: (o, c) => {
      const projects = objectAt(o, 'projects', c, '"projects"');
      const mine = projects && objectAt(projects, root, c, `"projects"["${root}"]`);
      return mine && objectAt(mine, 'mcpServers', c, `"projects"["${root}"].mcpServers`);
    },
  };
}

export function installMcp(opts: McpInstallOptions): JsonFileUpdate<Change> {
  const scope = scopeOf(opts);
  return updateJsonObject(scope.file, (obj): Change => {
    const entries = scope.servers(obj, true)!;
    const entry = mcpServerEntry(opts);
    const old = entries[MCP_SERVER_NAME];
    if (JSON.stringify(old) === JSON.stringify(entry)) return 'unchanged';
    entries[MCP_SERVER_NAME] = entry;
    return old === undefined ? 'added' : 'updated';
  });
}

/** Takes memflow's entry out of its scope (other servers stay; an emptied `.mcp.json` goes). */
export function uninstallMcp(opts: Pick<McpInstallOptions, 'global' | 'shared' | 'dir' | 'home'>): JsonFileUpdate<boolean> {
  const scope = scopeOf(opts);
  if (!fs.existsSync(scope.file)) return { file: scope.file, result: false, written: false, created: false };
  return updateJsonObject(
    scope.file,
    (obj) => {
      const servers = scope.servers(obj, false);
      if (!servers || !(MCP_SERVER_NAME in servers)) return false;
      delete servers[MCP_SERVER_NAME];
      if (Object.keys(servers).length === 0 && obj.mcpServers === servers) delete obj.mcpServers;
      return true;
    },
    { removeIfEmpty: Boolean(opts.shared && !opts.global) },
  );
}
