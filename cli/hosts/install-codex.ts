/**
 * `memflow install --host codex`: hooks in ~/.codex/hooks.json (user scope: Codex loads a project's
 * .codex/ layer only when the project is trusted, and hooks must capture every session), and the MCP
 * server in the repository's .codex/config.toml (`[mcp_servers.memflow]`: the local relay's /mcp over
 * streamable HTTP, `bearer_token_env_var` for the key, `env_http_headers` for the API's URL, and the
 * repository's project as `http_headers`) — project scope, because a user-scope entry cannot say which
 * repository a session is in, and unscoped its `search` answered across the whole tenant. Codex reads
 * that file in a trusted project. It holds the relay's localhost address: kept out of git.
 * Hooks are on by default in Codex 0.169.0 (feature `hooks`, formerly `codex_hooks`), but Codex runs a
 * new or changed hook only after the user trusted it (`/hooks` in the Codex TUI); until then they are
 * silently skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { updateJsonObject } from '../json-file.js';
import { relayMcpUrl } from '../install-mcp.js';
import { HOOK_COMMANDS, hostHookCommand, isOurCommand, mcpUrl, projectHeaders, upsertHandler, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, unexcludeFromGit } from './repo-files.js';

/**
 * The Codex events memflow hooks: those it keeps, and PreToolUse, the push at the code before a patch (codex.ts: the
 * files it changes; answered, never kept — PostToolUse has the call). The files a shell command reads get their push
 * with its PostToolUse: one hook process per shell call, not two.
 */
export const CODEX_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'PreCompact', 'PostCompact', 'SessionEnd'] as const;

/** The tools an event's hook runs for (Codex matches a group's `matcher` against the tool's name); every tool when absent. */
export const CODEX_MATCHERS: Partial<Record<(typeof CODEX_EVENTS)[number], string>> = { PreToolUse: 'apply_patch|Edit|Write' };

type Group = { matcher?: string; hooks: Record<string, unknown>[] };

const MCP_TABLE = 'mcp_servers.memflow';

/** Codex's home for this user ($CODEX_HOME when it is the current user's). */
export const codexHome = (home: string) => (process.env.CODEX_HOME && home === process.env.HOME ? process.env.CODEX_HOME : path.join(home, '.codex'));
export const codexProjectConfig = (dir: string) => path.join(dir, '.codex', 'config.toml');

const tomlString = (s: string) => JSON.stringify(s);
const inlineTable = (o: Record<string, string>) => `{ ${Object.entries(o).map(([k, v]) => `${tomlString(k)} = ${tomlString(v)}`).join(', ')} }`;

/** The `[mcp_servers.memflow]` table's lines. */
export function codexMcpLines(opts: Pick<HostInstallOptions, 'url' | 'hookUrl' | 'relayPort' | 'project'>): string[] {
  if (opts.relayPort === undefined) {
    const headers = projectHeaders(opts.project);
    return [`url = ${tomlString(mcpUrl(opts.url))}`, 'bearer_token_env_var = "MEMFLOW_API_KEY"', ...(Object.keys(headers).length ? [`http_headers = ${inlineTable(headers)}`] : [])];
  }
  const literal: Record<string, string> = opts.hookUrl ? { 'X-Memflow-Url': opts.hookUrl.replace(/\/+$/, '') } : {};
  const headers = { ...literal, ...projectHeaders(opts.project) };
  return [
    `url = ${tomlString(relayMcpUrl(opts.relayPort))}`,
    'bearer_token_env_var = "MEMFLOW_API_KEY"',
    ...(Object.keys(headers).length ? [`http_headers = ${inlineTable(headers)}`] : []),
    ...(opts.hookUrl ? [] : ['env_http_headers = { "X-Memflow-Url" = "MEMFLOW_URL" }']),
  ];
}

export function installCodex(opts: HostInstallOptions): HostInstallResult {
  const home = codexHome(opts.home);
  const hooksFile = path.join(home, 'hooks.json');
  fs.mkdirSync(home, { recursive: true });
  updateJsonObject(hooksFile, (obj) => {
    const hooks = (obj.hooks && typeof obj.hooks === 'object' ? obj.hooks : (obj.hooks = {})) as Record<string, Group[]>;
    for (const event of CODEX_EVENTS) {
      const groups = (hooks[event] ??= []);
      const handler = { type: 'command', command: hostHookCommand('codex', event, opts), timeout: 10 };
      const matcher = CODEX_MATCHERS[event];
      const ours = (h: Record<string, unknown>) => isOurCommand(h.command);
      let mine = groups.find((g) => g.hooks?.some(ours));
      // An earlier install's group with another matcher (PreToolUse once ran for every tool): ours alone in it, the
      // matcher changes; beside someone else's handlers, ours moves to a group of its own.
      if (mine && mine.matcher !== matcher) {
        if (mine.hooks.every(ours)) {
          if (matcher) mine.matcher = matcher;
          else delete mine.matcher;
        } else {
          mine.hooks = mine.hooks.filter((h) => !ours(h));
          mine = undefined;
        }
      }
      if (mine) upsertHandler(mine.hooks, handler, ours);
      else groups.push({ ...(matcher ? { matcher } : {}), hooks: [handler] });
    }
  });
  const files = [hooksFile];
  const notes = ['Codex runs new hooks only after you trust them: open `codex`, type /hooks and trust the memflow hooks (or pass --dangerously-bypass-hook-trust to `codex exec`).'];
  // An older install's user-scope MCP entry answered for the whole tenant: it goes.
  removeTomlTableFile(path.join(home, 'config.toml'), MCP_TABLE);
  if (!opts.noMcp) {
    const configFile = codexProjectConfig(opts.dir);
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    const text = fs.existsSync(configFile) ? fs.readFileSync(configFile, 'utf8') : '';
    fs.writeFileSync(configFile, withTomlTable(text, MCP_TABLE, codexMcpLines(opts)));
    files.push(configFile);
    notes.push('Codex reads the MCP server in .codex/config.toml in a trusted project (trust the folder when Codex asks).');
  }
  return { host: 'codex', files, notes };
}

/** Removes the TOML table from a file (the file goes when nothing else is left); true when it did. */
function removeTomlTableFile(file: string, name: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const rest = withoutTomlTable(text, name);
  if (rest === text) return false;
  if (rest.trim() === '') fs.rmSync(file);
  else fs.writeFileSync(file, rest);
  return true;
}

export function uninstallCodex(place: HostPlace): HostUninstallResult {
  const r: HostUninstallResult = { host: 'codex', removed: [], changed: [] };
  const home = codexHome(place.home);
  const hooksFile = path.join(home, 'hooks.json');
  if (fs.existsSync(hooksFile)) {
    const u = updateJsonObject(
      hooksFile,
      (obj) => {
        const hooks = obj.hooks as Record<string, Group[]> | undefined;
        if (!hooks || typeof hooks !== 'object') return false;
        let changed = false;
        for (const [event, groups] of Object.entries(hooks)) {
          if (!Array.isArray(groups)) continue;
          const kept = groups.flatMap((g) => {
            if (!Array.isArray(g?.hooks)) return [g];
            const rest = g.hooks.filter((h) => !isOurCommand(h.command));
            if (rest.length !== g.hooks.length) changed = true;
            return rest.length > 0 ? [{ ...g, hooks: rest }] : [];
          });
          if (kept.length > 0) hooks[event] = kept;
          else delete hooks[event];
        }
        if (Object.keys(hooks).length === 0) delete obj.hooks;
        return changed;
      },
      { removeIfEmpty: true },
    );
    if (u.result) (fs.existsSync(hooksFile) ? r.changed : r.removed).push(hooksFile);
  }
  for (const file of [path.join(home, 'config.toml'), codexProjectConfig(place.dir)]) {
    if (removeTomlTableFile(file, MCP_TABLE)) (fs.existsSync(file) ? r.changed : r.removed).push(file);
  }
  unexcludeFromGit(place.dir, path.relative(place.dir, codexProjectConfig(place.dir)));
  removeEmptyFolders([path.join(place.dir, '.codex')], place.dir);
  removeEmptyFolders([home], place.home);
  return r;
}

export function codexState(place: HostPlace): HostState {
  const hooksFile = path.join(codexHome(place.home), 'hooks.json');
  let ours = 0;
  try {
    const obj = JSON.parse(fs.readFileSync(hooksFile, 'utf8')) as { hooks?: Record<string, Group[]> };
    ours = Object.values(obj.hooks ?? {}).flatMap((gs) => (Array.isArray(gs) ? gs : [])).flatMap((g) => (Array.isArray(g?.hooks) ? g.hooks : [])).filter((h) => isOurCommand(h.command)).length;
  } catch {
    // none
  }
  const config = codexProjectConfig(place.dir);
  const hasMcp = (() => {
    try {
      return fs.readFileSync(config, 'utf8').split('\n').some((l) => l.trim() === `[${MCP_TABLE}]`);
    } catch {
      return false;
    }
  })();
  return { host: 'codex', installed: ours > 0, files: [...(ours > 0 ? [hooksFile] : []), ...(hasMcp ? [config] : [])], commands: ours > 0 ? [...HOOK_COMMANDS] : [], ...(hasMcp ? { mcp: config } : {}) };
}

/** `text` with the TOML table `[name]` set to `lines` (replaced when present, else appended). */
export function withTomlTable(text: string, name: string, lines: string[]): string {
  const header = `[${name}]`;
  const block = `${header}\n${lines.join('\n')}\n`;
  const all = text.split('\n');
  const start = all.findIndex((l) => l.trim() === header);
  if (start < 0) return `${text}${text && !text.endsWith('\n') ? '\n' : ''}${text ? '\n' : ''}${block}`;
  let end = start + 1;
  while (end < all.length && !/^\s*\[/.test(all[end]!)) end++;
  const rest = all.slice(end).join('\n');
  return `${all.slice(0, start).join('\n')}${start > 0 ? '\n' : ''}${block}${rest ? `\n${rest}` : ''}`;
}

/** `text` without the TOML table `[name]` (and the blank line withTomlTable put before it). */
export function withoutTomlTable(text: string, name: string): string {
  const all = text.split('\n');
  const start = all.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return text;
  let end = start + 1;
  while (end < all.length && !/^\s*\[/.test(all[end]!)) end++;
  // The blank line before the table was added with it; the blank lines at its end belong to it.
  const from = start > 0 && all[start - 1]!.trim() === '' ? start - 1 : start;
  const before = all.slice(0, from);
  const after = all.slice(end);
  if (after.length === 0 && before.length > 0) return `${before.join('\n')}\n`;
  return [...before, ...after].join('\n');
}
