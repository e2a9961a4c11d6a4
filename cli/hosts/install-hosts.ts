/**
 * The host model by host: each host's installer (Claude Code's is `memflow install` itself), its
 * uninstaller and its state as doctor reads it — the same three concepts for every host, each through
 * the host's own mechanism — and which hosts are installed here (their command on PATH) for
 * `--host auto`.
 */
import { execFileSync } from 'node:child_process';
import { claudeState, uninstallClaude } from './install-claude.js';
import { codexState, installCodex, uninstallCodex } from './install-codex.js';
import { copilotState, installCopilot, uninstallCopilot } from './install-copilot.js';
import { geminiState, installGemini, uninstallGemini } from './install-gemini.js';
import { installOpencode, opencodeState, uninstallOpencode } from './install-opencode.js';
import { hostVersion, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { HOST_NAMES, type HostName } from './shared.js';

export type OtherHost = Exclude<HostName, 'claude'>;

export const INSTALLERS: Record<OtherHost, (opts: HostInstallOptions & { startContext?: string }) => HostInstallResult> = {
  codex: installCodex,
  gemini: installGemini,
  opencode: installOpencode,
  copilot: installCopilot,
};

export const UNINSTALLERS: Record<HostName, (place: HostPlace) => HostUninstallResult> = {
  claude: uninstallClaude,
  codex: uninstallCodex,
  gemini: uninstallGemini,
  opencode: uninstallOpencode,
  copilot: uninstallCopilot,
};

export const STATES: Record<HostName, (place: HostPlace) => HostState> = {
  claude: claudeState,
  codex: codexState,
  gemini: geminiState,
  opencode: opencodeState,
  copilot: copilotState,
};

/** Every host's state in this repository, in HOST_NAMES order. */
export const hostStates = (place: HostPlace): HostState[] => HOST_NAMES.map((h) => STATES[h](place));

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

export function installHost(host: OtherHost, opts: Omit<HostInstallOptions, 'version'> & { version?: string; startContext?: string }): HostInstallResult {
  // A version is recorded as a version: "1.0.102." (a sentence's trailing dot) is 1.0.102.
  const version = (opts.version ?? (onPath(HOST_COMMANDS[host]) ? hostVersion(onPath(HOST_COMMANDS[host])!) : undefined))?.replace(/[.-]+$/, '') || undefined;
  return INSTALLERS[host]({ ...opts, ...(version ? { version } : {}) });
}
