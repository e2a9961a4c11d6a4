/**
 * `memflow install --host gemini`: hooks and the MCP server in the project's .gemini/settings.json.
 * Gemini CLI runs its hooks synchronously: each one is time the agent waits.
 * MCP: `mcpServers.memflow` with `httpUrl` (streamable HTTP) at the local relay's /mcp, with the
 * repository's project (X-Memflow-Project[-Key]) and the key and API URL as `${VAR}` references that
 * Gemini CLI expands from the environment it runs in ($MEMFLOW_API_KEY, $MEMFLOW_URL; the relay
 * uses its own default URL when the reference is left unexpanded). The file holds the relay's
 * localhost address, so it is kept out of git (repo-files.ts) unless git already tracks it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { updateJsonObject } from '../json-file.js';
import { relayMcpUrl } from '../install-mcp.js';
import { HOOK_COMMANDS, hostHookCommand, isOurCommand, mcpUrl, projectHeaders, upsertHandler, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, unexcludeFromGit } from './repo-files.js';
import { GEMINI_FILE_TOOLS } from './gemini.js';

/** The push at the code: AfterTool on Gemini's file tools only (its matcher is a regular expression over the tool's name). */
export const GEMINI_FILE_TOUCH = { event: 'AfterTool', matcher: `^(?:${GEMINI_FILE_TOOLS.join('|')})$` } as const;

/**
 * Hooks once per prompt or session, none per tool call: the turn's tool calls are read from Gemini's
 * chat recording when the turn ends (AfterAgent; cli/hosts/transcripts.ts). Left out: BeforeTool and
 * AfterTool (a process the agent waits for on every call: 13–16 ms per call measured with AfterTool,
 * over the 10 ms budget), BeforeModel/AfterModel/BeforeToolSelection (once per model turn, nothing
 * memflow keeps), and PreCompress (it fires before every model turn, compaction or not: measured).
 */
export const GEMINI_EVENTS = ['SessionStart', 'BeforeAgent', 'AfterAgent', 'SessionEnd'] as const;

/**
 * Gemini CLI runs a command hook as `bash -c <command>` (its getShellConfiguration, on every
 * platform but Windows), so the command sources memflow-hook (found on PATH) into that bash instead
 * of starting it as a program: no second bash through /usr/bin/env for each hook.
 */
export const geminiHookCommand = (event: string, opts: Pick<HostInstallOptions, 'version' | 'hookUrl'>) => `source ${hostHookCommand('gemini', event, opts)}`;

type Group = { matcher?: string; hooks: Record<string, unknown>[] };

export const geminiSettingsFile = (dir: string) => path.join(dir, '.gemini', 'settings.json');

/** Gemini CLI's MCP entry: the relay's /mcp (the API's when no relay port is given), scoped to the project. */
export function geminiMcpEntry(opts: Pick<HostInstallOptions, 'url' | 'hookUrl' | 'relayPort' | 'project'>): Record<string, unknown> {
  const auth = { Authorization: 'Bearer ${MEMFLOW_API_KEY}' };
  if (opts.relayPort === undefined) return { httpUrl: mcpUrl(opts.url), headers: { ...auth, ...projectHeaders(opts.project) } };
  return { httpUrl: relayMcpUrl(opts.relayPort), headers: { ...auth, 'X-Memflow-Url': opts.hookUrl ? opts.hookUrl.replace(/\/+$/, '') : '${MEMFLOW_URL}', ...projectHeaders(opts.project) } };
}

/** Takes memflow's hooks out of every event of a hooks object (others stay; emptied events go). */
function dropOurHooks(hooks: Record<string, Group[]>, keep: (event: string) => boolean = () => false): boolean {
  let changed = false;
  for (const [event, groups] of Object.entries(hooks)) {
    if (keep(event) || !Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!Array.isArray(g.hooks)) continue;
      const rest = g.hooks.filter((h) => !isOurCommand(h.command));
      if (rest.length !== g.hooks.length) changed = true;
      g.hooks = rest;
    }
    hooks[event] = groups.filter((g) => !Array.isArray(g.hooks) || g.hooks.length > 0);
    if (hooks[event].length === 0) delete hooks[event];
  }
  return changed;
}

export function installGemini(opts: HostInstallOptions): HostInstallResult {
  const file = geminiSettingsFile(opts.dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  updateJsonObject(file, (obj) => {
    const hooks = (obj.hooks && typeof obj.hooks === 'object' ? obj.hooks : (obj.hooks = {})) as Record<string, Group[]>;
    // An older install's hooks on events memflow no longer uses go (an AfterTool on every tool: it is
    // written again below, on the file tools only).
    dropOurHooks(hooks, (event) => (GEMINI_EVENTS as readonly string[]).includes(event));
    for (const event of GEMINI_EVENTS) {
      const groups = (hooks[event] ??= []);
      const handler = { type: 'command', name: 'memflow', command: geminiHookCommand(event, opts), timeout: 10_000 };
      const mine = groups.find((g) => g.hooks?.some((h) => isOurCommand(h.command)));
      if (mine) upsertHandler(mine.hooks, handler, (h) => isOurCommand(h.command));
      else groups.push({ matcher: '*', hooks: [handler] });
    }
    // The push at the code (gemini.ts): what memflow knows of a file, appended to the file tool's result.
    (hooks[GEMINI_FILE_TOUCH.event] ??= []).push({ matcher: GEMINI_FILE_TOUCH.matcher, hooks: [{ type: 'command', name: 'memflow', command: geminiHookCommand(GEMINI_FILE_TOUCH.event, opts), timeout: 10_000 }] });
    if (!opts.noMcp) {
      const servers = (obj.mcpServers && typeof obj.mcpServers === 'object' ? obj.mcpServers : (obj.mcpServers = {})) as Record<string, unknown>;
      servers.memflow = geminiMcpEntry(opts);
    }
  });
  return { host: 'gemini', files: [file], notes: ['Gemini CLI loads project hooks only in a trusted folder (trust it once, or GEMINI_CLI_TRUST_WORKSPACE=true).'] };
}

export function uninstallGemini(place: HostPlace): HostUninstallResult {
  const file = geminiSettingsFile(place.dir);
  const r: HostUninstallResult = { host: 'gemini', removed: [], changed: [] };
  if (!fs.existsSync(file)) return r;
  const u = updateJsonObject(
    file,
    (obj) => {
      let changed = false;
      if (obj.hooks && typeof obj.hooks === 'object') {
        changed = dropOurHooks(obj.hooks as Record<string, Group[]>);
        if (Object.keys(obj.hooks).length === 0) delete obj.hooks;
      }
      const servers = obj.mcpServers as Record<string, unknown> | undefined;
      if (servers && typeof servers === 'object' && 'memflow' in servers) {
        delete servers.memflow;
        if (Object.keys(servers).length === 0) delete obj.mcpServers;
        changed = true;
      }
      return changed;
    },
    { removeIfEmpty: true },
  );
  if (u.result) (fs.existsSync(file) ? r.changed : r.removed).push(file);
  // memflow's exclude line goes, whether the file went or the user's own settings stay.
  unexcludeFromGit(place.dir, path.relative(place.dir, file));
  removeEmptyFolders([path.dirname(file)], place.dir);
  return r;
}

export function geminiState(place: HostPlace): HostState {
  const file = geminiSettingsFile(place.dir);
  let obj: { hooks?: Record<string, Group[]>; mcpServers?: Record<string, unknown> } = {};
  try {
    obj = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof obj;
  } catch {
    // none
  }
  const ours = Object.values(obj.hooks ?? {}).flatMap((gs) => (Array.isArray(gs) ? gs : [])).flatMap((g) => (Array.isArray(g?.hooks) ? g.hooks : [])).filter((h) => isOurCommand(h.command));
  const mcp = obj.mcpServers && typeof obj.mcpServers === 'object' && 'memflow' in obj.mcpServers ? file : undefined;
  return { host: 'gemini', installed: ours.length > 0, files: ours.length > 0 || mcp ? [file] : [], commands: ours.length > 0 ? [...HOOK_COMMANDS] : [], ...(mcp ? { mcp } : {}) };
}
