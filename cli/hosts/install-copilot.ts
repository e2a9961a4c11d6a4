/**
 * `memflow install --host copilot`: hooks in the project's .github/hooks/memflow.json (the format's
 * version 1, camelCase events; portable: commands on PATH, so the team may commit it). Copilot CLI
 * ignores what a sessionStart hook prints, so its context reaches it as a custom-instructions file
 * (copilot-instructions.ts), which install writes at once — the project's start context as the API
 * has it now, so the first Copilot session already starts with what other agents left — and the
 * relay rewrites whenever a session of any agent in the repository ends; it is kept out of git.
 * MCP: `mcpServers.memflow` in the repository's .github/mcp.json (Copilot CLI 1.0.102 reads a
 * workspace's `.mcp.json` or `.github/mcp.json`: `copilot mcp --help`; `.mcp.json` is Claude Code's
 * shared file), an http server at the local relay's /mcp with the repository's project
 * (X-Memflow-Project[-Key]) and the key and API URL as `${VAR}` references, which Copilot expands
 * from the environment it runs in (measured on 1.0.102: `${MEMFLOW_API_KEY}` reached the server as
 * the key). It holds the relay's localhost address, so it is kept out of git unless git tracks it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { relayMcpUrl } from '../install-mcp.js';
import { updateJsonObject } from '../json-file.js';
import { COPILOT_INSTRUCTIONS_PATH, writeCopilotInstructions } from './copilot-instructions.js';
import { HOOK_COMMANDS, hostHookCommand, isOurCommand, mcpUrl, projectHeaders, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, removeFile, unexcludeFromGit } from './repo-files.js';

/**
 * Hooks once per prompt, turn or session, and one per tool call only for the tools that name files: the
 * turn's tool calls are read from Copilot's events.jsonl when it ends (agentStop; copilot.ts). Left out:
 * postToolUse and postToolUseFailure (a second process the agent waits for on every call: two per call
 * cost Copilot 1.0.102 over the 10 ms budget, docs/benchmarks.md).
 */
export const COPILOT_EVENTS = ['sessionStart', 'userPromptSubmitted', 'preToolUse', 'agentStop', 'preCompact', 'sessionEnd'] as const;

/**
 * preToolUse is the push at the code: on the tools whose calls name files (copilot.ts), by its `matcher`, a
 * regular expression over the tool's name that Copilot 1.0.102 honours for command hooks (measured: no process
 * ran for a tool it does not match).
 */
export const COPILOT_FILE_TOOLS_MATCHER = '^(?:bash|view|edit|create)$';

/**
 * Copilot CLI runs a command hook as `bash --norc --noprofile -c <command>` (measured on 1.0.102), so the
 * command sources memflow-hook (found on PATH) into that bash instead of starting it as a program: no
 * second bash through /usr/bin/env for each hook, as for Gemini CLI (install-gemini.ts).
 */
export const copilotHookCommand = (event: string, opts: Pick<HostInstallOptions, 'version' | 'hookUrl'>) => `source ${hostHookCommand('copilot', event, opts)}`;

export const COPILOT_HOOKS_PATH = '.github/hooks/memflow.json';
export const COPILOT_MCP_PATH = '.github/mcp.json';

/** Copilot CLI's MCP entry: the relay's /mcp (the API's when no relay port is given), scoped to the project. */
export function copilotMcpEntry(opts: Pick<HostInstallOptions, 'url' | 'hookUrl' | 'relayPort' | 'project'>): Record<string, unknown> {
  const auth = { Authorization: 'Bearer ${MEMFLOW_API_KEY}' };
  if (opts.relayPort === undefined) return { type: 'http', url: mcpUrl(opts.url), headers: { ...auth, ...projectHeaders(opts.project) }, tools: ['*'] };
  const apiUrl = opts.hookUrl ? opts.hookUrl.replace(/\/+$/, '') : '${MEMFLOW_URL}';
  return { type: 'http', url: relayMcpUrl(opts.relayPort), headers: { ...auth, 'X-Memflow-Url': apiUrl, ...projectHeaders(opts.project) }, tools: ['*'] };
}

type McpFile = { mcpServers?: Record<string, unknown> };

/** What the instructions file says before memflow has anything for the project. */
export const NOTHING_YET = 'memflow has no memory of this project yet: what sessions here do is kept, and written into this file for the next Copilot session.';

export function installCopilot(opts: HostInstallOptions & { startContext?: string }): HostInstallResult {
  const file = path.join(opts.dir, COPILOT_HOOKS_PATH);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hooks = Object.fromEntries(COPILOT_EVENTS.map((e) => [e, [{ type: 'command', bash: copilotHookCommand(e, opts), timeoutSec: 10, ...(e === 'preToolUse' ? { matcher: COPILOT_FILE_TOOLS_MATCHER } : {}) }]]));
  fs.writeFileSync(file, `${JSON.stringify({ version: 1, hooks }, null, 2)}\n`);
  const instructions = path.join(opts.dir, COPILOT_INSTRUCTIONS_PATH);
  // A file the relay already keeps current stays; a fresh install writes what the API has now.
  if (opts.startContext !== undefined || !fs.existsSync(instructions)) writeCopilotInstructions(opts.dir, opts.startContext?.trim() || NOTHING_YET);
  const files = [file, instructions];
  if (!opts.noMcp) {
    const mcp = path.join(opts.dir, COPILOT_MCP_PATH);
    updateJsonObject(mcp, (obj) => {
      const servers = (obj.mcpServers && typeof obj.mcpServers === 'object' ? obj.mcpServers : (obj.mcpServers = {})) as Record<string, unknown>;
      servers.memflow = copilotMcpEntry(opts);
    });
    files.push(mcp);
  }
  return {
    host: 'copilot',
    files,
    excluded: [instructions],
    notes: [`Copilot CLI ignores sessionStart output: its context is ${COPILOT_INSTRUCTIONS_PATH} (kept out of git), written now and rewritten whenever a session of any agent in this repository ends; Copilot reads it when a session starts.`],
  };
}

export function uninstallCopilot(place: HostPlace): HostUninstallResult {
  const r: HostUninstallResult = { host: 'copilot', removed: [], changed: [] };
  const hooks = path.join(place.dir, COPILOT_HOOKS_PATH);
  if (fs.existsSync(hooks)) {
    // Only memflow's own file (a file of that name without memflow's commands is the user's).
    let ours = false;
    try {
      const obj = JSON.parse(fs.readFileSync(hooks, 'utf8')) as { hooks?: Record<string, { bash?: string }[]> };
      ours = Object.values(obj.hooks ?? {}).flat().some((h) => isOurCommand(h?.bash));
    } catch {
      // not JSON: not ours to remove
    }
    if (ours && removeFile(hooks)) r.removed.push(hooks);
  }
  const instructions = path.join(place.dir, COPILOT_INSTRUCTIONS_PATH);
  if (removeFile(instructions)) r.removed.push(instructions);
  const mcp = path.join(place.dir, COPILOT_MCP_PATH);
  if (fs.existsSync(mcp)) {
    // memflow's server goes; the user's own servers (and the file, then) stay.
    const u = updateJsonObject(
      mcp,
      (obj) => {
        const servers = (obj as McpFile).mcpServers;
        if (!servers || typeof servers !== 'object' || !('memflow' in servers)) return false;
        delete servers.memflow;
        if (Object.keys(servers).length === 0) delete obj.mcpServers;
        return true;
      },
      { removeIfEmpty: true },
    );
    if (u.result) (fs.existsSync(mcp) ? r.changed : r.removed).push(mcp);
  }
  unexcludeFromGit(place.dir, COPILOT_INSTRUCTIONS_PATH);
  unexcludeFromGit(place.dir, COPILOT_HOOKS_PATH);
  unexcludeFromGit(place.dir, COPILOT_MCP_PATH);
  removeEmptyFolders([path.dirname(hooks), path.dirname(instructions), path.join(place.dir, '.github')], place.dir);
  return r;
}

export function copilotState(place: HostPlace): HostState {
  const hooks = path.join(place.dir, COPILOT_HOOKS_PATH);
  let installed = false;
  try {
    const obj = JSON.parse(fs.readFileSync(hooks, 'utf8')) as { hooks?: Record<string, { bash?: string }[]> };
    installed = Object.values(obj.hooks ?? {}).flat().some((h) => isOurCommand(h?.bash));
  } catch {
    // none
  }
  const instructions = path.join(place.dir, COPILOT_INSTRUCTIONS_PATH);
  const mcpFile = path.join(place.dir, COPILOT_MCP_PATH);
  let mcp: string | undefined;
  try {
    const obj = JSON.parse(fs.readFileSync(mcpFile, 'utf8')) as McpFile;
    if (obj.mcpServers && typeof obj.mcpServers === 'object' && 'memflow' in obj.mcpServers) mcp = mcpFile;
  } catch {
    // none
  }
  const files = installed ? [hooks, ...(fs.existsSync(instructions) ? [instructions] : [])] : [];
  return { host: 'copilot', installed, files: mcp ? [...files, mcp] : files, commands: installed ? [...HOOK_COMMANDS] : [], ...(mcp ? { mcp } : {}) };
}
