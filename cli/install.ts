/**
 * `memflow install [--http] [--global] [--url <url>]`: writes memflow's hooks into Claude Code's
 * settings (`.claude/settings.json` of the current directory, or `~/.claude/settings.json`).
 *
 * The file is merged, never replaced: every other key and every other hook stays as it was.
 * memflow's own handlers are recognised by what they run (`... memflow[.js] hook <event>`) or where
 * they post (`.../v1/hooks/<event>`), and replaced in place, so running install again changes
 * nothing and switching between command and http hooks never duplicates them. A settings file that
 * is not valid JSON (or not shaped like settings) is refused without writing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { CLAUDE_EVENT_NAMES, HOOK_EVENTS, type HookEventName } from '../common/hook-events.js';

export interface InstallOptions {
  http?: boolean;
  global?: boolean;
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
const TOOL_EVENTS: ReadonlySet<HookEventName> = new Set(['pre-tool-use', 'post-tool-use']);
const EVENT_ALTERNATION = HOOK_EVENTS.join('|');
const OUR_COMMAND = new RegExp(`(?:^|[\\s/'"])memflow(?:\\.js)?['"]?\\s+hook\\s+['"]?(?:${EVENT_ALTERNATION})\\b`);
const OUR_URL = new RegExp(`/v1/hooks/(?:${EVENT_ALTERNATION})(?:[?#].*)?$`);

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

const binPath = () => fileURLToPath(new URL('./memflow.js', import.meta.url));

export function memflowHandler(event: HookEventName, opts: { http: boolean; url?: string }): HookHandler {
  if (opts.http) {
    const base = apiBaseUrl(opts.url);
    return {
      type: 'http',
      url: `${base}/v1/hooks/${event}`,
      headers: { Authorization: 'Bearer $MEMFLOW_API_KEY' },
      allowedEnvVars: ['MEMFLOW_API_KEY'],
      timeout: HOOK_TIMEOUT_S,
    };
  }
  const words = [process.execPath, binPath(), 'hook', event, ...(opts.url ? ['--url', opts.url.replace(/\/+$/, '')] : [])];
  return { type: 'command', command: words.map(shellWord).join(' '), timeout: HOOK_TIMEOUT_S };
}

export type Change = 'added' | 'updated' | 'unchanged';

/** Merges memflow's hooks into `settings` (mutated); returns what happened per Claude Code event. */
export function mergeHooks(settings: Record<string, unknown>, opts: { http: boolean; url?: string }): Record<string, Change> {
  if (settings.hooks === undefined) settings.hooks = {};
  const hooks = settings.hooks;
  if (!hooks || typeof hooks !== 'object' || Array.isArray(hooks)) throw new InstallError('"hooks" is not an object');
  const byEvent = hooks as Record<string, unknown>;
  const changes: Record<string, Change> = {};

  for (const event of HOOK_EVENTS) {
    const claudeName = CLAUDE_EVENT_NAMES[event];
    const wanted = memflowHandler(event, opts);
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
        else if (!placed) {
          change = JSON.stringify(h) === JSON.stringify(wanted) ? 'unchanged' : 'updated';
          kept.push(wanted);
          placed = true;
        } else change = change === 'unchanged' ? 'updated' : change;
      }
      group.hooks = kept;
    }
    const remaining = typed.filter((g) => g.hooks.length > 0);
    if (!placed) remaining.push(TOOL_EVENTS.has(event) ? { matcher: '*', hooks: [wanted] } : { hooks: [wanted] });
    byEvent[claudeName] = remaining;
    changes[claudeName] = change;
  }
  return changes;
}

/** The indentation the file already uses (two spaces when new or flat). */
function detectIndent(text: string): string | number {
  const m = /^([ \t]+)"/m.exec(text);
  return m?.[1] ?? 2;
}

export interface InstallResult {
  file: string;
  changes: Record<string, Change>;
  written: boolean;
  created: boolean;
}

export function install(opts: InstallOptions): InstallResult {
  const root = opts.global ? os.homedir() : path.resolve(opts.dir ?? process.cwd());
  const file = path.join(root, '.claude', 'settings.json');
  try {
    if (opts.url !== undefined) checkBaseUrl(opts.url.replace(/\/+$/, ''), '--url');
    else if (opts.http) checkBaseUrl(apiBaseUrl());
  } catch (err) {
    throw new InstallError((err as Error).message);
  }

  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InstallError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let settings: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new InstallError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it first, nothing was written`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InstallError(`${file} does not hold a JSON object; nothing was written`);
    }
    settings = parsed as Record<string, unknown>;
  }
  const before = JSON.stringify(settings);
  let changes: Record<string, Change>;
  try {
    changes = mergeHooks(settings, { http: Boolean(opts.http), ...(opts.url !== undefined ? { url: opts.url } : {}) });
  } catch (err) {
    if (err instanceof InstallError) throw new InstallError(`${file}: ${err.message}; nothing was written`);
    throw err;
  }
  if (text !== undefined && JSON.stringify(settings) === before) return { file, changes, written: false, created: false };

  const out = `${JSON.stringify(settings, null, text ? detectIndent(text) : 2)}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mode = text !== undefined ? fs.statSync(file).mode & 0o777 : 0o644;
  const tmp = path.join(path.dirname(file), `.settings.json.memflow-${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, out, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { file, changes, written: true, created: text === undefined };
}
