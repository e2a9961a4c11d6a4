/**
 * `memflow install [--http] [--shared | --global] [--url <url>]`: writes memflow's hooks
 * (claude-hook-handlers.ts) into Claude Code's settings, by default `.claude/settings.local.json`
 * of the repository's root (personal and gitignored); `--shared` writes `.claude/settings.json` (the
 * file teams commit), `--global` `~/.claude/settings.json`. `memflow uninstall` takes them out again.
 *
 * The file is merged, never replaced: every other key and every other hook stays as it was.
 * memflow's own handlers are replaced in place, so running install again changes nothing and
 * switching modes never duplicates them. A settings file that is not valid JSON (or not shaped like
 * settings) is refused without writing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { CLAUDE_EVENT_NAMES, HOOK_EVENTS } from '../messages/hooks-v1.js';
import { JsonFileError, updateJsonObject } from './json-file.js';
import { INSTALLED, isMemflowHandler, memflowHandler, projectHeadersOf, type HandlerOptions, type HookHandler, type HookMode } from './claude-hook-handlers.js';

export interface InstallOptions {
  http?: boolean;
  /** Every event through `memflow-hook` (a bash process per event) instead of http hooks to the relay. */
  commandHooks?: boolean;
  relayPort?: number;
  global?: boolean;
  /** Write .claude/settings.json (committed) instead of .claude/settings.local.json. */
  shared?: boolean;
  url?: string;
  /** The directory whose .claude/settings.json is written (default: the current directory). */
  dir?: string;
}

interface MatcherGroup {
  matcher?: string;
  hooks: HookHandler[];
  [key: string]: unknown;
}

/** Matchers earlier versions of memflow installed its own hooks with (replaced by today's on install). */
const EARLIER_MATCHERS: ReadonlySet<string> = new Set(['Read|Edit|Write|MultiEdit|NotebookEdit']);

export class InstallError extends Error {
  override name = 'InstallError';
}

export type Change = 'added' | 'updated' | 'unchanged' | 'removed';

/** Merges memflow's hooks into `settings` (mutated); returns what happened per Claude Code event. */
export function mergeHooks(settings: Record<string, unknown>, opts: HandlerOptions): Record<string, Change> {
  if (settings.hooks === undefined) settings.hooks = {};
  const hooks = settings.hooks;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) throw new InstallError('"hooks" is not an object');
  const byEvent = hooks as Record<string, unknown>;
  const changes: Record<string, Change> = {};

  for (const event of HOOK_EVENTS) {
    const claudeName = CLAUDE_EVENT_NAMES[event];
    // Events memflow does not install (in this mode): an old handler of ours is taken out.
    const wanted = event in INSTALLED ? memflowHandler(event as keyof typeof INSTALLED, opts) : undefined;
    if (!wanted && byEvent[claudeName] === undefined) continue;
    if (byEvent[claudeName] === undefined) byEvent[claudeName] = [];
    const groups = byEvent[claudeName];
    if (!Array.isArray(groups)) throw new InstallError(`"hooks.${claudeName}" is not an array`);
    for (const [i, g] of groups.entries()) {
      if (!g || typeof g !== 'object' || !Array.isArray((g as MatcherGroup).hooks)) {
        throw new InstallError(`"hooks.${claudeName}[${i}]" is not a matcher group with a "hooks" array`);
      }
    }
    const typed = groups as MatcherGroup[];

    // Replace the first of our handlers in place (keeping the group the user may have moved it to);
    // remove any other copy; add a group of our own if there was none.
    let placed = false;
    let change: Change = 'added';
    for (const group of typed) {
      const kept: HookHandler[] = [];
      for (const h of group.hooks) {
        if (!isMemflowHandler(h)) kept.push(h);
        else if (!wanted) change = 'removed';
        else if (!placed) {
          change = JSON.stringify(h) === JSON.stringify(wanted) ? 'unchanged' : 'updated';
          kept.push(wanted);
          placed = true;
        } else change = change === 'unchanged' ? 'updated' : change;
      }
      group.hooks = kept;
    }
    const tools = event in INSTALLED ? INSTALLED[event as keyof typeof INSTALLED].tools : false;
    // A group of ours alone that matches every tool, or the tools an earlier memflow installed it on, gets our tools now
    // (an old PreToolUse group matched every tool; until 2026-11-29 evening it matched Read too); a matcher the user chose stays.
    const ours = wanted && placed && tools && tools !== '*' ? typed.find((g) => g.hooks.length === 1 && g.hooks[0] === wanted) : undefined;
    if (ours && tools && ours.matcher !== tools && (ours.matcher === undefined || ours.matcher === '' || ours.matcher === '*' || EARLIER_MATCHERS.has(ours.matcher))) {
      ours.matcher = tools;
      change = 'updated';
    }
    const remaining = typed.filter((g) => g.hooks.length > 0);
    if (wanted && !placed) remaining.push(tools ? { matcher: tools, hooks: [wanted] } : { hooks: [wanted] });
    if (remaining.length > 0) byEvent[claudeName] = remaining;
    else delete byEvent[claudeName];
    if (wanted || change === 'removed') changes[claudeName] = wanted ? change : 'removed';
  }
  return changes;
}

export interface InstallResult {
  file: string;
  changes: Record<string, Change>;
  written: boolean;
  created: boolean;
}

/** The settings file a run writes: personal (default), shared with the team, or the user's. */
export function settingsFile(opts: { global?: boolean; shared?: boolean; dir?: string }): string {
  if (opts.global) return path.join(os.homedir(), '.claude', 'settings.json');
  return path.join(path.resolve(opts.dir ?? process.cwd()), '.claude', opts.shared ? 'settings.json' : 'settings.local.json');
}

function update(opts: InstallOptions, mutate: (settings: Record<string, unknown>) => Record<string, Change>, removeIfEmpty = false): InstallResult {
  try {
    const r = updateJsonObject(settingsFile(opts), mutate, { removeIfEmpty });
    return { file: r.file, changes: r.result, written: r.written, created: r.created };
  } catch (err) {
    if (err instanceof JsonFileError) throw new InstallError(err.message);
    throw err;
  }
}

export function install(opts: InstallOptions): InstallResult {
  try {
    if (opts.url !== undefined) checkBaseUrl(opts.url.replace(/\/+$/, ''), '--url');
    else if (opts.http) checkBaseUrl(apiBaseUrl());
  } catch (err) {
    throw new InstallError((err as Error).message);
  }
  const mode: HookMode = opts.http ? 'http' : opts.commandHooks ? 'command' : 'relay';
  const project = mode !== 'command' && !opts.global ? projectHeadersOf(path.resolve(opts.dir ?? process.cwd()), { shared: Boolean(opts.shared) }) : undefined;
  return update(opts, (settings) =>
    mergeHooks(settings, { mode, ...(opts.url !== undefined ? { url: opts.url } : {}), ...(project ? { project } : {}), ...(opts.relayPort ? { relayPort: opts.relayPort } : {}) }),
  );
}

/** Takes memflow's hooks out of the settings file (every other hook stays). */
export function uninstall(opts: Pick<InstallOptions, 'global' | 'shared' | 'dir'>): InstallResult {
  if (!fs.existsSync(settingsFile(opts))) return { file: settingsFile(opts), changes: {}, written: false, created: false };
  return update(opts, (settings) => {
    const changes: Record<string, Change> = {};
    const hooks = settings.hooks;
    if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) return changes;
    const byEvent = hooks as Record<string, unknown>;
    for (const [name, groups] of Object.entries(byEvent)) {
      if (!Array.isArray(groups)) continue;
      let removed = false;
      const kept = (groups as MatcherGroup[]).flatMap((g) => {
        if (!g || typeof g !== 'object' || !Array.isArray(g.hooks)) return [g];
        const rest = g.hooks.filter((h) => !isMemflowHandler(h));
        if (rest.length !== g.hooks.length) removed = true;
        return rest.length > 0 ? [{ ...g, hooks: rest }] : [];
      });
      if (!removed) continue;
      changes[name] = 'removed';
      if (kept.length > 0) byEvent[name] = kept;
      else delete byEvent[name];
    }
    if (Object.keys(byEvent).length === 0) delete settings.hooks;
    return changes;
  }, true);
}
