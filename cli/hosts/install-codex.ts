/**
 * `memflow install --host codex`: hooks in ~/.codex/hooks.json (user scope: Codex loads a project's
 * .codex/ layer only when the project is trusted) and the MCP server in ~/.codex/config.toml
 * (`[mcp_servers.memflow]`, streamable HTTP with `bearer_token_env_var`). Hooks are on by default
 * in Codex 0.169.0 (feature `hooks`, formerly `codex_hooks`), but Codex runs a new or changed hook
 * only after the user trusted it (`/hooks` in the Codex TUI); until then they are silently skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { updateJsonObject } from '../json-file.js';
import { hostHookCommand, isOurCommand, mcpUrl, upsertHandler, type HostInstallOptions, type HostInstallResult } from './install-shared.js';

/** The Codex events memflow keeps (PreToolUse is not needed: PostToolUse has the input). */
export const CODEX_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'PreCompact', 'PostCompact', 'SessionEnd'] as const;

type Group = { matcher?: string; hooks: Record<string, unknown>[] };

export function installCodex(opts: HostInstallOptions): HostInstallResult {
  const codexHome = process.env.CODEX_HOME && opts.home === process.env.HOME ? process.env.CODEX_HOME : path.join(opts.home, '.codex');
  const hooksFile = path.join(codexHome, 'hooks.json');
  fs.mkdirSync(codexHome, { recursive: true });
  updateJsonObject(hooksFile, (obj) => {
    const hooks = (obj.hooks && typeof obj.hooks === 'object' ? obj.hooks : (obj.hooks = {})) as Record<string, Group[]>;
    for (const event of CODEX_EVENTS) {
      const groups = (hooks[event] ??= []);
      const handler = { type: 'command', command: hostHookCommand('codex', event, opts), timeout: 10 };
      const mine = groups.find((g) => g.hooks?.some((h) => isOurCommand(h.command)));
      if (mine) upsertHandler(mine.hooks, handler, (h) => isOurCommand(h.command));
      else groups.push({ hooks: [handler] });
    }
  });
  const files = [hooksFile];
  if (!opts.noMcp) {
    const configFile = path.join(codexHome, 'config.toml');
    const text = fs.existsSync(configFile) ? fs.readFileSync(configFile, 'utf8') : '';
    fs.writeFileSync(configFile, withTomlTable(text, 'mcp_servers.memflow', [`url = ${JSON.stringify(mcpUrl(opts.url))}`, 'bearer_token_env_var = "MEMFLOW_API_KEY"']));
    files.push(configFile);
  }
  return {
    host: 'codex',
    files,
    notes: ['Codex runs new hooks only after you trust them: open `codex`, type /hooks and trust the memflow hooks (or pass --dangerously-bypass-hook-trust to `codex exec`).'],
  };
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
