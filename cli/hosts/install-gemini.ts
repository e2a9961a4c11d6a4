/**
 * `memflow install --host gemini`: hooks and the MCP server in the project's .gemini/settings.json.
 * Gemini CLI runs its hooks synchronously: each one is time the agent waits.
 * MCP: `mcpServers.memflow` with `httpUrl` (streamable HTTP) and an Authorization header that
 * Gemini CLI expands from $MEMFLOW_API_KEY.
 */
import fs from 'node:fs';
import path from 'node:path';
import { updateJsonObject } from '../json-file.js';
import { hostHookCommand, isOurCommand, mcpUrl, upsertHandler, type HostInstallOptions, type HostInstallResult } from './install-shared.js';

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

export function installGemini(opts: HostInstallOptions): HostInstallResult {
  const file = path.join(opts.dir, '.gemini', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  updateJsonObject(file, (obj) => {
    const hooks = (obj.hooks && typeof obj.hooks === 'object' ? obj.hooks : (obj.hooks = {})) as Record<string, Group[]>;
    // An older install's hooks on events memflow no longer uses (AfterTool) go.
    for (const [event, groups] of Object.entries(hooks)) {
      if ((GEMINI_EVENTS as readonly string[]).includes(event) || !Array.isArray(groups)) continue;
      for (const g of groups) if (Array.isArray(g.hooks)) g.hooks = g.hooks.filter((h) => !isOurCommand(h.command));
      hooks[event] = groups.filter((g) => !Array.isArray(g.hooks) || g.hooks.length > 0);
      if (hooks[event].length === 0) delete hooks[event];
    }
    for (const event of GEMINI_EVENTS) {
      const groups = (hooks[event] ??= []);
      const handler = { type: 'command', name: 'memflow', command: geminiHookCommand(event, opts), timeout: 10_000 };
      const mine = groups.find((g) => g.hooks?.some((h) => isOurCommand(h.command)));
      if (mine) upsertHandler(mine.hooks, handler, (h) => isOurCommand(h.command));
      else groups.push({ matcher: '*', hooks: [handler] });
    }
    if (!opts.noMcp) {
      const servers = (obj.mcpServers && typeof obj.mcpServers === 'object' ? obj.mcpServers : (obj.mcpServers = {})) as Record<string, unknown>;
      servers.memflow = { httpUrl: mcpUrl(opts.url), headers: { Authorization: 'Bearer ${MEMFLOW_API_KEY}' } };
    }
  });
  return { host: 'gemini', files: [file], notes: ['Gemini CLI loads project hooks only in a trusted folder (trust it once, or GEMINI_CLI_TRUST_WORKSPACE=true).'] };
}
