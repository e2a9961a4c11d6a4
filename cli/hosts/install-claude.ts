/**
 * Claude Code in the host model (install-shared.ts): its install is `memflow install` itself
 * (install.ts writes the hooks, install-mcp.ts the MCP entry); here are its uninstall — hooks and MCP
 * entry out of every scope of this repository, and nothing left behind that install made (an emptied
 * settings file or `.claude/` folder, an emptied project entry in ~/.claude.json, the exclude line) —
 * and its state for doctor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMemflowHandler } from '../claude-hook-handlers.js';
import { settingsFile, uninstall } from '../install.js';
import { uninstallMcp } from '../install-mcp.js';
import { readJson, updateJsonObject } from '../json-file.js';
import type { HostPlace, HostState, HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, unexcludeFromGit } from './repo-files.js';


/** memflow's handlers in a Claude Code settings file: what they run (commands) or post to (URLs). */
export function claudeHandlers(settings: Record<string, unknown> | undefined): { command?: string; url?: string }[] {
  const hooks = settings?.hooks;
  if (!hooks || typeof hooks !== 'object') return [];
  return Object.values(hooks as Record<string, unknown>)
    .flatMap((groups) => (Array.isArray(groups) ? groups : []))
    .flatMap((g: { hooks?: unknown }) => (Array.isArray(g?.hooks) ? g.hooks : []))
    .filter(isMemflowHandler) as { command?: string; url?: string }[];
}

/** The program a hook command starts (its first word). */
const programOf = (command: string) => command.trim().split(/\s+/)[0]!.replace(/^['"]|['"]$/g, '');

export function uninstallClaude(place: HostPlace & { global?: boolean }): HostUninstallResult {
  const r: HostUninstallResult = { host: 'claude', removed: [], changed: [] };
  const scopes = place.global ? [{ global: true }] : [{ dir: place.dir }, { dir: place.dir, shared: true }];
  for (const scope of scopes) {
    const u = uninstall(scope);
    if (u.written) (fs.existsSync(u.file) ? r.changed : r.removed).push(u.file);
    const m = uninstallMcp({ ...scope, home: place.home });
    if (m.written && !r.changed.includes(m.file)) (fs.existsSync(m.file) ? r.changed : r.removed).push(m.file);
  }
  if (!place.global) {
    const local = settingsFile({ dir: place.dir });
    unexcludeFromGit(place.dir, path.relative(place.dir, local));
    removeEmptyFolders([path.dirname(local)], place.dir);
    // ~/.claude.json: the repository's entry that install made and that is now empty goes too.
    const claudeJson = path.join(place.home, '.claude.json');
    if (fs.existsSync(claudeJson)) {
      updateJsonObject(
        claudeJson,
        (obj) => {
          const projects = obj.projects as Record<string, Record<string, unknown>> | undefined;
          const mine = projects?.[path.resolve(place.dir)];
          if (!projects || !mine || typeof mine !== 'object') return;
          if (mine.mcpServers && typeof mine.mcpServers === 'object' && Object.keys(mine.mcpServers).length === 0) delete mine.mcpServers;
          if (Object.keys(mine).length === 0) delete projects[path.resolve(place.dir)];
          if (Object.keys(projects).length === 0) delete obj.projects;
        },
        { removeIfEmpty: true },
      );
    }
  }
  return r;
}

export function claudeState(place: HostPlace): HostState {
  const files = [settingsFile({ dir: place.dir }), settingsFile({ dir: place.dir, shared: true }), path.join(place.home, '.claude', 'settings.json')];
  const withHooks = files.map((file) => ({ file, handlers: claudeHandlers(readJson(file)) })).filter((x) => x.handlers.length > 0);
  const commands = [...new Set(withHooks.flatMap((x) => x.handlers.flatMap((h) => (h.command ? [programOf(h.command)] : []))))];
  // memflow-hook hands off to `memflow hook` when the relay does not answer.
  if (commands.includes('memflow-hook') && !commands.includes('memflow')) commands.push('memflow');
  const root = path.resolve(place.dir);
  const claudeJson = readJson(path.join(place.home, '.claude.json'));
  const has = (servers: unknown) => Boolean(servers && typeof servers === 'object' && 'memflow' in (servers as object));
  const mcp = has((claudeJson?.projects as Record<string, { mcpServers?: unknown }> | undefined)?.[root]?.mcpServers)
    ? `~/.claude.json (local scope of ${root})`
    : has(readJson(path.join(root, '.mcp.json'))?.mcpServers)
      ? '.mcp.json'
      : has(claudeJson?.mcpServers)
        ? '~/.claude.json (user scope)'
        : undefined;
  return { host: 'claude', installed: withHooks.length > 0, files: withHooks.map((x) => x.file), commands, ...(mcp ? { mcp } : {}) };
}
