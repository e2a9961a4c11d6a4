/**
 * The `--host` part of `memflow install`: sets up each named host (comma-separated), or with
 * `--host auto` every host whose command is on PATH. Project files go to the repository's root.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { apiBaseUrl, checkBaseUrl } from '../env.js';
import { detectHosts, installHost, type OtherHost } from './install-hosts.js';
import { HOST_LABELS, isHostName, type HostName } from './shared.js';

export interface HostsInstallCommand {
  host: string;
  hostVersion?: string;
  url?: string;
  mcp: boolean;
  /** The local relay's port, when the relay is used (MCP entries that can be its /mcp are). */
  relayPort?: number;
}

function repoRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || cwd;
  } catch {
    return cwd;
  }
}

/** The hosts named by --host (`auto`: the ones installed here); throws on an unknown name. */
export function hostsOf(spec: string): HostName[] {
  if (spec === 'auto') return detectHosts().map((h) => h.host);
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isHostName(n)) throw new Error(`unknown host '${n}' (one of claude, codex, gemini, opencode, copilot, or auto)`);
  return names as HostName[];
}

/** Installs the other hosts named; returns the ones left for the caller (Claude Code). */
export function installOtherHosts(opts: HostsInstallCommand, say: (line: string) => void): HostName[] {
  const hosts = hostsOf(opts.host);
  const url = apiBaseUrl(opts.url);
  if (opts.url !== undefined) checkBaseUrl(url, '--url');
  const dir = repoRoot(process.cwd());
  for (const host of hosts.filter((h): h is OtherHost => h !== 'claude')) {
    const r = installHost(host, { dir, home: os.homedir(), url, ...(opts.url ? { hookUrl: opts.url } : {}), ...(opts.hostVersion ? { version: opts.hostVersion } : {}), noMcp: !opts.mcp, ...(opts.relayPort !== undefined ? { relayPort: opts.relayPort } : {}) });
    say(`${HOST_LABELS[host]}: wrote ${r.files.join(', ')}`);
    for (const n of r.notes) say(`  ${n}`);
  }
  if (hosts.length === 0) say('no agent CLI found on PATH (claude, codex, gemini, opencode, copilot); name one with --host');
  return hosts.filter((h) => h === 'claude');
}
