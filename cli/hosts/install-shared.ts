/**
 * What `memflow install --host <host>` writes for every host: the hook command each host runs, the
 * MCP endpoint (the API's /mcp over HTTP, the key from $MEMFLOW_API_KEY), and a merge of memflow's
 * own entries into a list of hook handlers that leaves everything else as it was.
 */
import { execFileSync } from 'node:child_process';
import { shellWord } from '../claude-hook-handlers.js';
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
  /** The local relay's port: an MCP entry that can be the relay's /mcp is (OpenCode's). */
  relayPort?: number;
}

export interface HostInstallResult {
  host: HostName;
  files: string[];
  notes: string[];
}

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
    return /\d+\.\d+\.\d+[\w.-]*/.exec(out)?.[0];
  } catch {
    return undefined;
  }
}

export const mcpUrl = (url: string) => `${url.replace(/\/+$/, '')}/mcp`;
