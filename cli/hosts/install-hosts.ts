/**
 * `memflow install --host <codex|gemini|opencode|copilot>`: the per-host installers, and which hosts
 * are installed here (their command on PATH) when no --host is given.
 */
import { execFileSync } from 'node:child_process';
import { installCodex } from './install-codex.js';
import { installCopilot } from './install-copilot.js';
import { installGemini } from './install-gemini.js';
import { installOpencode } from './install-opencode.js';
import { hostVersion, type HostInstallOptions, type HostInstallResult } from './install-shared.js';
import type { HostName } from './shared.js';

export type OtherHost = Exclude<HostName, 'claude'>;

export const INSTALLERS: Record<OtherHost, (opts: HostInstallOptions) => HostInstallResult> = {
  codex: installCodex,
  gemini: installGemini,
  opencode: installOpencode,
  copilot: installCopilot,
};

/** The command each host is started with. */
export const HOST_COMMANDS: Record<HostName, string> = { claude: 'claude', codex: 'codex', gemini: 'gemini', opencode: 'opencode', copilot: 'copilot' };

/** The path of `command` on PATH, or undefined. */
export function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The hosts whose command is on PATH, with their version. */
export function detectHosts(): { host: HostName; version?: string }[] {
  const found: { host: HostName; version?: string }[] = [];
  for (const [host, command] of Object.entries(HOST_COMMANDS) as [HostName, string][]) {
    const exe = onPath(command);
    if (exe) found.push({ host, ...(host === 'claude' ? {} : { version: hostVersion(exe) }) });
  }
  return found;
}

export function installHost(host: OtherHost, opts: Omit<HostInstallOptions, 'version'> & { version?: string }): HostInstallResult {
  const version = opts.version ?? (onPath(HOST_COMMANDS[host]) ? hostVersion(onPath(HOST_COMMANDS[host])!) : undefined);
  return INSTALLERS[host]({ ...opts, ...(version ? { version } : {}) });
}
