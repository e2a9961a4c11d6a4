/**
 * The `--host` part of `memflow install` and `memflow uninstall`: sets up (or takes out) each named
 * host (comma-separated), or with `--host auto` every host whose command is on PATH — and fails when
 * that finds none. Project files go to the repository's root; each file written there is said to be
 * meant for committing (portable) or kept out of git (repo-files.ts), and every command the hooks
 * will run is checked on PATH.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { apiBaseUrl, checkBaseUrl } from '../env.js';
import { CliError } from '../output.js';
import { projectHeadersOf, type ProjectHeaders } from '../claude-hook-handlers.js';
import { detectHosts, hostStates, installHost, UNINSTALLERS, type OtherHost } from './install-hosts.js';
import { HOOK_COMMANDS, unresolved } from './install-shared.js';
import { placeInRepository } from './repo-files.js';
import { HOST_LABELS, HOST_NAMES, isHostName, type HostName } from './shared.js';

export interface HostsInstallCommand {
  host: string;
  hostVersion?: string;
  url?: string;
  mcp: boolean;
  /** The local relay's port, when the relay is used (every host's MCP entry is its /mcp). */
  relayPort?: number;
  /** Do not ask the API anything (Copilot's first instructions then say memflow has nothing yet). */
  offline?: boolean;
}

export function repoRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || cwd;
  } catch {
    return cwd;
  }
}

const ALL = 'claude, codex, gemini, opencode, copilot';

/** The hosts named by --host (`auto`: the ones installed here); throws on an unknown name, and when auto finds none. */
export function hostsOf(spec: string, detect: () => { host: HostName }[] = detectHosts): HostName[] {
  if (spec === 'auto') {
    const found = detect().map((h) => h.host);
    if (found.length === 0) throw new CliError(`--host auto found no agent CLI on PATH (${ALL}): nothing was installed; name the agent with --host <name>, or put its command on PATH`);
    return found;
  }
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isHostName(n)) throw new CliError(`unknown host '${n}' (one of ${ALL}, or auto)`);
  if (names.length === 0) throw new CliError(`--host names no agent (one of ${ALL}, or auto)`);
  return names as HostName[];
}

/** The repository's project start context, for Copilot's first instructions file; undefined when the API does not give it. */
async function startContext(base: string, project: ProjectHeaders): Promise<string | undefined> {
  const key = process.env.MEMFLOW_API_KEY;
  if (!key) return undefined;
  const [{ createHttpClient, httpTransport }, { createApiClient }] = await Promise.all([import('../node-http.js'), import('../../clients/api.js')]);
  const client = createHttpClient();
  try {
    const headers: Record<string, string> = { 'x-memflow-project': project.name, ...(project.key ? { 'x-memflow-project-key': project.key } : {}) };
    const api = createApiClient({ transport: httpTransport(client, base, 5000), key, describe: base, headers });
    return (await api.context({ project: project.name })).context;
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

/** Says which commands the hooks of these hosts run do not resolve on PATH (install warns; doctor fails). */
export function warnUnresolved(hostCommands: { host: HostName; commands: readonly string[] }[], warn: (line: string) => void): void {
  const missing = new Map<string, HostName[]>();
  for (const { host, commands } of hostCommands) for (const c of unresolved(commands)) missing.set(c, [...(missing.get(c) ?? []), host]);
  for (const [c, hosts] of missing) {
    warn(`memflow: warning: the hooks of ${hosts.map((h) => HOST_LABELS[h]).join(', ')} run \`${c}\`, which is not on PATH: they will fail until it is (install the memflow client: npm install -g memflow-client, or \`npm link\` in the memflow checkout)`);
  }
}

/** Installs the other hosts named; returns the ones left for the caller (Claude Code). */
export async function installOtherHosts(opts: HostsInstallCommand, say: (line: string) => void, warn: (line: string) => void = say): Promise<HostName[]> {
  const hosts = hostsOf(opts.host);
  const url = apiBaseUrl(opts.url);
  if (opts.url !== undefined) checkBaseUrl(url, '--url');
  const dir = repoRoot(process.cwd());
  const home = os.homedir();
  const project = projectHeadersOf(dir);
  for (const host of hosts.filter((h): h is OtherHost => h !== 'claude')) {
    const context = host === 'copilot' && !opts.offline ? await startContext(url, project) : undefined;
    const r = installHost(host, {
      dir,
      home,
      url,
      project,
      ...(opts.url ? { hookUrl: opts.url } : {}),
      ...(opts.hostVersion ? { version: opts.hostVersion } : {}),
      noMcp: !opts.mcp,
      ...(opts.relayPort !== undefined ? { relayPort: opts.relayPort } : {}),
      ...(context !== undefined ? { startContext: context } : {}),
    });
    say(`${HOST_LABELS[host]}: wrote ${r.files.map((f) => (f.startsWith(dir + path.sep) ? path.relative(dir, f) : f.replace(home, '~'))).join(', ')}`);
    for (const f of r.files.filter((f) => f.startsWith(dir + path.sep))) {
      say(`  ${r.excluded?.includes(f) ? `${path.relative(dir, f)}: kept out of git (.git/info/exclude): memflow rewrites it` : placeInRepository(dir, f, home, `${HOST_LABELS[host]}'s memflow setup`).note}`);
    }
    for (const n of r.notes) say(`  ${n}`);
  }
  warnUnresolved(hosts.filter((h) => h !== 'claude').map((host) => ({ host, commands: host === 'opencode' ? [HOOK_COMMANDS[1]] : HOOK_COMMANDS })), warn);
  return hosts.filter((h) => h === 'claude');
}

/**
 * `memflow uninstall --host <hosts>` / `--all`: takes memflow out of each host (hooks, plugin, MCP
 * entry, the files it wrote, its exclude lines); every other entry stays. Returns whether Claude Code
 * was named (its own uninstall then runs with its scope options).
 */
export function uninstallHosts(spec: { host?: string; all?: boolean }, say: (line: string) => void): void {
  const dir = repoRoot(process.cwd());
  const home = os.homedir();
  const hosts = spec.all ? [...HOST_NAMES] : hostsOf(spec.host ?? 'claude', () => hostStates({ dir, home }).filter((s) => s.installed));
  for (const host of hosts) {
    const r = UNINSTALLERS[host]({ dir, home });
    const shown = (f: string) => (f.startsWith(dir + path.sep) ? path.relative(dir, f) : f.replace(home, '~'));
    if (r.removed.length === 0 && r.changed.length === 0) {
      if (!spec.all) say(`${HOST_LABELS[host]}: nothing of memflow's here`);
      continue;
    }
    say(`${HOST_LABELS[host]}: ${[...r.removed.map((f) => `removed ${shown(f)}`), ...r.changed.map((f) => `took memflow's entries out of ${shown(f)}`)].join('; ')}`);
  }
}
