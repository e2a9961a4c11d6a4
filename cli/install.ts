/**
 * `memflow install [--http] [--shared | --global] [--url <url>]`: writes memflow's hooks into Claude
 * Code's settings, by default `.claude/settings.local.json` of the repository's root (personal and
 * gitignored); `--shared` writes `.claude/settings.json` (the file teams commit), `--global`
 * `~/.claude/settings.json`. `memflow uninstall` takes them out again.
 *
 * What is written is the same on every machine: commands on PATH (`memflow-hook`), the relay's local
 * address, never an absolute path of node or of a checkout. The hooks hand every event to the local
 * relay (cli/capture/relay/), which makes it durable before it answers and delivers it behind the agent's
 * back; they are all synchronous, so nothing is left running for Claude Code to cancel at exit.
 * SessionStart runs `memflow-hook session-start` (bash; it answers with the context, and starts the
 * relay when it is down — Claude Code runs no http SessionStart hooks); every other event is an http
 * hook that Claude Code posts to the relay itself, so no process is started per event at all
 * (measured in the real client: a bash process per event cost ~20 ms of the agent's time, an http
 * hook to the relay a few). `--command-hooks` runs `memflow-hook` for every event (still no Node;
 * it falls back to the Node client when the relay is down). `--http` posts straight to the API with
 * http hooks (no relay, no spool: an event is lost when the API does not answer). No PreToolUse:
 * PostToolUse and PostToolUseFailure carry the input as well.
 *
 * The file is merged, never replaced: every other key and every other hook stays as it was.
 * memflow's own handlers are recognised by what they run (`memflow-hook <event>`, `... memflow[.js]
 * hook <event>`) or where they post (`.../v1/hooks/<event>`), and replaced in place, so running
 * install again changes nothing and switching modes never duplicates them. A settings file that is
 * not valid JSON (or not shaped like settings) is refused without writing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { CLAUDE_EVENT_NAMES, HOOK_EVENTS, type HookEventName } from '../messages/hooks-v1.js';
import { JsonFileError, updateJsonObject } from './json-file.js';
import { resolveProject } from '../common/workspace/project-naming.js';
import { projectIdentityOf } from '../common/workspace/repository-key.js';

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

export type HookHandler = Record<string, unknown>;
interface MatcherGroup {
  matcher?: string;
  hooks: HookHandler[];
  [key: string]: unknown;
}

export class InstallError extends Error {
  override name = 'InstallError';
}

/** Seconds Claude Code waits for one of our hooks; the client itself gives up after ~2 s. */
const HOOK_TIMEOUT_S = 10;
/** The hooks memflow installs, and how each runs. */
const INSTALLED: Record<Exclude<HookEventName, 'pre-tool-use' | 'notification' | 'other'>, { tools: boolean }> = {
  'session-start': { tools: false },
  'user-prompt-submit': { tools: false },
  'post-tool-use': { tools: true },
  'post-tool-use-failure': { tools: true },
  stop: { tools: false },
  'subagent-stop': { tools: false },
  'stop-failure': { tools: false },
  'pre-compact': { tools: false },
  'post-compact': { tools: false },
  'session-end': { tools: false },
};
const EVENT_ALTERNATION = HOOK_EVENTS.join('|');
const OUR_COMMAND = new RegExp(`(?:^|[\\s/'"])memflow(?:(?:\\.js)?['"]?\\s+hook\\s+|-hook['"]?\\s+)['"]?(?:${EVENT_ALTERNATION})\\b`);
const OUR_URL = new RegExp(`/(?:v1/hooks|hook)/(?:${EVENT_ALTERNATION})(?:[?#].*)?$`);

export function isMemflowHandler(h: unknown): boolean {
  if (!h || typeof h !== 'object') return false;
  const o = h as Record<string, unknown>;
  if (o.type === 'command' && typeof o.command === 'string') return OUR_COMMAND.test(o.command);
  if (o.type === 'http' && typeof o.url === 'string') return OUR_URL.test(o.url);
  return false;
}

/** Quotes a word for the POSIX shell Claude Code runs command hooks with, only when needed. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Which project an http hook's events belong to, as the command client would name it (see below). */
export interface ProjectHeaders {
  name: string;
  key?: string;
}

/**
 * The project identity an http hook sends. An http hook has no client on the agent's machine: Claude
 * Code posts the payload itself, and its header values can only interpolate environment variables of
 * Claude Code's own process that are listed in `allowedEnvVars`. $CLAUDE_PROJECT_DIR is set for
 * command hooks' processes, not (reliably) in Claude Code's own environment, and nothing there names
 * the repository's remote. So a project install resolves the identity once, here, where the working
 * tree is (the same name and key as the command client: common/workspace/project-naming.ts, common/workspace/repository-key.ts)
 * and writes it as literal headers: the folder name and a hash, the same on every clone of the
 * remote, never a path. A --global install serves every project, so it writes none; the API then
 * names the project from the payload's cwd (its git root's folder name, resolved on the API host).
 */
export function projectHeadersOf(dir: string, opts: { shared?: boolean } = {}): ProjectHeaders {
  const identity = projectIdentityOf(dir);
  // A repository without a remote is keyed by its path on this machine: in the committed file that
  // key would be wrong on every other machine, so the name goes alone.
  const key = identity && (identity.fromRemote || !opts.shared) ? identity.key : undefined;
  return { name: resolveProject(dir), ...(key ? { key } : {}) };
}

/** How the hooks reach memflow: see the module comment. */
export type HookMode = 'relay' | 'command' | 'http';

export interface HandlerOptions {
  mode: HookMode;
  url?: string;
  project?: ProjectHeaders;
  /** The local relay's port (relay mode). */
  relayPort?: number;
}

const projectHeaderValues = (project?: ProjectHeaders) =>
  project ? { 'X-Memflow-Project': project.name, ...(project.key ? { 'X-Memflow-Project-Key': project.key } : {}) } : {};

export function memflowHandler(event: keyof typeof INSTALLED, opts: HandlerOptions): HookHandler {
  if (opts.mode === 'http' && event !== 'session-start') {
    const base = apiBaseUrl(opts.url);
    return {
      type: 'http',
      url: `${base}/v1/hooks/${event}`,
      headers: { Authorization: 'Bearer $MEMFLOW_API_KEY', ...projectHeaderValues(opts.project) },
      allowedEnvVars: ['MEMFLOW_API_KEY'],
      timeout: HOOK_TIMEOUT_S,
    };
  }
  if (opts.mode === 'relay' && event !== 'session-start') {
    // Claude Code posts the event to the relay itself: no process at all. The key and the API URL
    // come from Claude Code's environment (allowedEnvVars), a --url is written as it is.
    return {
      type: 'http',
      url: `http://127.0.0.1:${opts.relayPort ?? 7719}/hook/${event}`,
      headers: {
        Authorization: 'Bearer $MEMFLOW_API_KEY',
        'X-Memflow-Url': opts.url ? opts.url.replace(/\/+$/, '') : '$MEMFLOW_URL',
        ...projectHeaderValues(opts.project),
      },
      allowedEnvVars: opts.url ? ['MEMFLOW_API_KEY'] : ['MEMFLOW_API_KEY', 'MEMFLOW_URL'],
      timeout: HOOK_TIMEOUT_S,
    };
  }
  // SessionStart (Claude Code runs no http SessionStart hooks; it also makes sure the relay runs),
  // and every event with --command-hooks: the bash fast path, synchronous, so that nothing is left
  // running for Claude Code to cancel at exit.
  const words = ['memflow-hook', event, ...(opts.url ? ['--url', opts.url.replace(/\/+$/, '')] : [])];
  return { type: 'command', command: words.map(shellWord).join(' '), timeout: HOOK_TIMEOUT_S };
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
    // Events memflow no longer installs (PreToolUse): an old handler of ours is taken out.
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
    const remaining = typed.filter((g) => g.hooks.length > 0);
    if (wanted && !placed) remaining.push(INSTALLED[event as keyof typeof INSTALLED].tools ? { matcher: '*', hooks: [wanted] } : { hooks: [wanted] });
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
