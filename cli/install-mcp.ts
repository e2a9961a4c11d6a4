/**
 * Registers memflow's MCP server for Claude Code, beside the hooks `memflow install` writes:
 * - project scope (default): `.mcp.json` at the project root, the file Claude Code shares with the team;
 * - user scope (`--global`): `mcpServers` in `~/.claude.json`.
 * The entry holds nothing machine-specific: the stdio server is the `memflow` command on PATH and the
 * key and URL are `${VAR}` references that Claude Code expands from the user's environment; with
 * `--http` the entry is the API's own /mcp endpoint. Merged and idempotent: other servers and keys
 * stay as they are, and a second run changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Change } from './install.js';
import { updateJsonObject, type JsonFileUpdate } from './json-file.js';

export const MCP_SERVER_NAME = 'memflow';

export interface McpInstallOptions {
  http?: boolean;
  global?: boolean;
  /** The API URL used when MEMFLOW_URL is unset where Claude Code runs. */
  defaultUrl: string;
  /** Project root for `.mcp.json` (default: the current directory). */
  dir?: string;
  /** Home directory for `--global` (tests). */
  home?: string;
}

/** The `.mcp.json` server entry, in Claude Code's documented format. */
export function mcpServerEntry(opts: { http?: boolean; defaultUrl: string }): Record<string, unknown> {
  const url = `\${MEMFLOW_URL:-${opts.defaultUrl.replace(/\/+$/, '')}}`;
  if (opts.http) return { type: 'http', url: `${url}/mcp`, headers: { Authorization: 'Bearer ${MEMFLOW_API_KEY}' } };
  return { type: 'stdio', command: 'memflow', args: ['mcp'], env: { MEMFLOW_API_KEY: '${MEMFLOW_API_KEY}', MEMFLOW_URL: url } };
}

export function installMcp(opts: McpInstallOptions): JsonFileUpdate<Change> {
  const file = opts.global ? path.join(opts.home ?? os.homedir(), '.claude.json') : path.join(path.resolve(opts.dir ?? process.cwd()), '.mcp.json');
  return updateJsonObject(file, (obj): Change => {
    if (obj.mcpServers === undefined) obj.mcpServers = {};
    const servers = obj.mcpServers;
    if (!servers || typeof servers !== 'object' || Array.isArray(servers)) throw new Error('"mcpServers" is not an object');
    const entries = servers as Record<string, unknown>;
    const entry = mcpServerEntry(opts);
    const old = entries[MCP_SERVER_NAME];
    if (JSON.stringify(old) === JSON.stringify(entry)) return 'unchanged';
    entries[MCP_SERVER_NAME] = entry;
    return old === undefined ? 'added' : 'updated';
  });
}

/** Takes memflow's entry out of `.mcp.json` (or `~/.claude.json`); other servers stay. */
export function uninstallMcp(opts: Pick<McpInstallOptions, 'global' | 'dir' | 'home'>): JsonFileUpdate<boolean> {
  const file = opts.global ? path.join(opts.home ?? os.homedir(), '.claude.json') : path.join(path.resolve(opts.dir ?? process.cwd()), '.mcp.json');
  if (!fs.existsSync(file)) return { file, result: false, written: false, created: false };
  return updateJsonObject(file, (obj) => {
    const servers = obj.mcpServers;
    if (!servers || typeof servers !== 'object' || Array.isArray(servers) || !(MCP_SERVER_NAME in servers)) return false;
    delete (servers as Record<string, unknown>)[MCP_SERVER_NAME];
    return true;
  });
}
