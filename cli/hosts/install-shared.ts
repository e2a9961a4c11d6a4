/**
 * The one host model: what `memflow install --host <host>`, `memflow uninstall --host <host>` and
 * `memflow doctor` share for every host — the hook command each host runs, the MCP entry (the local
 * relay's /mcp, scoped to the repository's project, the key and the API's URL taken from the
 * environment when the agent runs), the files written, and a merge of memflow's own entries into a list
 * of hook handlers that leaves everything else as it was.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { shellWord, type ProjectHeaders } from '../claude-hook-handlers.js';
import type { HostName } from './shared.js';

export interface HostInstallOptions {
  /** The repository root (project-scoped files). */
  dir: string;
  /** The user's home (user-scoped files). */
  home: string;
  /** The API base URL the MCP entry points at. */
  url: string;
  /** `--url` as given, passed on to the hook command. */
  hookUrl?: string;
  /** The host's version (in the hook command, so each record says which version produced it). */
  version?: string;
  /** Leave the MCP entry out. */
  noMcp?: boolean;
  /** The local relay's port: every host's MCP entry is the relay's /mcp. */
  relayPort?: number;
  /** The repository's project, sent with every MCP request (the same as the hooks'). */
  project?: ProjectHeaders;
}

export interface HostInstallResult {
  host: HostName;
  files: string[];
  notes: string[];
  /** Files of `files` that are always kept out of git (rewritten by memflow), whatever they hold. */
  excluded?: string[];
}

/** Where a host's files are: the repository's root and the user's home. */
export interface HostPlace {
  dir: string;
  home: string;
}

export interface HostUninstallResult {
  host: HostName;
  /** Files removed whole (memflow wrote them), and files memflow's entries were taken out of. */
  removed: string[];
  changed: string[];
}

/** What doctor reads of a host: whether memflow is set up for it here, where, and what its hooks run. */
export interface HostState {
  host: HostName;
  installed: boolean;
  /** The files that hold memflow's hooks (or plugin) and its MCP entry. */
  files: string[];
  /** The commands memflow's hooks for this host run (each must resolve on PATH). */
  commands: string[];
  /** Where the MCP entry is, if there is one. */
  mcp?: string;
}

/** Every hook runs memflow-hook, which hands off to `memflow hook` when the relay does not answer. */
export const HOOK_COMMANDS = ['memflow-hook', 'memflow'] as const;

/**
 * The hook command a host runs for one of its native events: `memflow-hook` (bash, no Node) hands the
 * native event to the local relay, which maps it with the host's adapter and answers in the host's
 * format; the Node client (`memflow hook --host`) takes over only when the relay does not answer.
 */
export function hostHookCommand(host: HostName, nativeEvent: string, opts: Pick<HostInstallOptions, 'version' | 'hookUrl'>): string {
  const words = ['memflow-hook', nativeEvent, '--host', host, ...(opts.version ? ['--host-version', opts.version] : []), ...(opts.hookUrl ? ['--url', opts.hookUrl.replace(/\/+$/, '')] : [])];
  return words.map(shellWord).join(' ');
}

/** memflow's hook commands (for any host) are recognised by what they run. */
export const isOurCommand = (command: unknown): boolean => typeof command === 'string' && /(?:^|[\s/'"])memflow(?:(?:\.js)?['"]?\s+hook|-hook['"]?)\s+\S+.*--host\b/.test(command);

/** Replaces memflow's handler in `list` (or adds it); true when something changed. */
export function upsertHandler<T extends Record<string, unknown>>(list: T[], wanted: T, isOurs: (h: T) => boolean): boolean {
  const i = list.findIndex(isOurs);
  if (i >= 0) {
    if (JSON.stringify(list[i]) === JSON.stringify(wanted)) return false;
    list[i] = wanted;
    return true;
  }
  list.push(wanted);
  return true;
}

/** `<exe> --version`'s first version-looking word, or undefined when the host is not installed. */
export function hostVersion(exe: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const out = execFileSync(exe, ['--version'], { encoding: 'utf8', timeout: 15_000, env, stdio: ['ignore', 'pipe', 'ignore'] });
    return versionIn(out);
  } catch {
    return undefined;
  }
}

/** The first version-looking word of a `--version` output, without a sentence's trailing dot ("1.0.102." → "1.0.102"). */
export function versionIn(text: string): string | undefined {
  return /\d+\.\d+\.\d+[\w.-]*/.exec(text)?.[0]?.replace(/[.-]+$/, '');
}

/** The project headers of an MCP entry (the same names Claude Code's entry sends). */
export const projectHeaders = (project?: ProjectHeaders): Record<string, string> =>
  project ? { 'X-Memflow-Project': project.name, ...(project.key ? { 'X-Memflow-Project-Key': project.key } : {}) } : {};

export const mcpUrl = (url: string) => `${url.replace(/\/+$/, '')}/mcp`;

/** Whether `command` resolves on PATH to an executable file (as the shell that runs a hook finds it). */
export function resolvesOnPath(command: string, envPath = process.env.PATH ?? ''): boolean {
  return envPath.split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return fs.statSync(path.join(dir, command)).isFile();
    } catch {
      return false;
    }
  });
}

/** The commands of `commands` that do not resolve on PATH. */
export const unresolved = (commands: readonly string[], envPath?: string): string[] => [...new Set(commands)].filter((c) => !resolvesOnPath(c, envPath));
