/**
 * `memflow install` and `memflow uninstall` as a person runs them: in the repository (any subfolder
 * of it: the files go to its root), checking that the API answers, registering the MCP server and
 * starting the relay, and saying in plain lines what changed and which project this repository is.
 */
import os from 'node:os';
import path from 'node:path';
import { workTreeRootOf } from '../common/workspace/project-naming.js';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { createHttpClient, httpTransport } from './node-http.js';
import { install, uninstall, type InstallResult } from './install.js';
import { projectHeadersOf } from './claude-hook-handlers.js';
import { installMcp, uninstallMcp } from './install-mcp.js';
import { CliError } from './output.js';
import { noteInstalled, releaseFootprint } from './install-footprint.js';

export interface InstallCmdOptions {
  http?: boolean;
  commandHooks?: boolean;
  global?: boolean;
  shared?: boolean;
  url?: string;
  mcp: boolean;
  stdioMcp?: boolean;
  here?: boolean;
  offline?: boolean;
  relay?: boolean;
}

/** Where a project install writes: the repository's root, or the current folder with --here. */
export function installRoot(opts: { global?: boolean; here?: boolean }, cwd = process.cwd()): string | undefined {
  if (opts.global) return undefined;
  if (opts.here) return path.resolve(cwd);
  const root = workTreeRootOf(path.resolve(cwd));
  if (!root) throw new CliError(`${cwd} is not inside a git repository: run \`memflow install\` in your project's repository, or pass --here to install in this folder, or --global for every project`);
  return root;
}

/**
 * Whether the API answers /health, or why not. (The API client and its answer schemas are loaded
 * here, not with the command: `install --offline` and `uninstall` never ask the API.)
 */
export async function apiAnswers(base: string, timeoutMs = 3000): Promise<string | undefined> {
  const { ApiError, createApiClient } = await import('../clients/api.js');
  const http = createHttpClient();
  try {
    await createApiClient({ transport: httpTransport(http, base, timeoutMs), describe: base }).health();
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.unreachable) return `${err.code}: ${err.detail}`;
    return err.code === 'invalid_answer' ? `GET /health answered ${err.status} with an answer that is not memflow's` : `GET /health answered ${err.status}`;
  } finally {
    http.close();
  }
}

function settingsChange<R>(run: () => R): R {
  try {
    return run();
  } catch (err) {
    if (err instanceof Error && (err.name === 'InstallError' || err.name === 'JsonFileError')) throw new CliError(err.message);
    throw err;
  }
}

function printChanges(result: InstallResult, opts: InstallCmdOptions, out: (line: string) => void): void {
  for (const [event, change] of Object.entries(result.changes)) {
    const how = event === 'SessionStart' || opts.commandHooks ? 'command hook: memflow-hook' : opts.http ? 'http hook to the API' : 'http hook to the relay';
    out(`  ${change.padEnd(9)} ${event}${change === 'removed' ? '' : ` (${how})`}`);
  }
  if (!result.written) out(`${result.file} already has memflow's hooks; nothing changed`);
  else out(`${result.created ? 'created' : 'updated'} ${result.file}`);
}

/** `memflow install`: the agents named by --host (hosts-install-cmd.ts), and Claude Code unless --host leaves it out. */
export async function installCommand(opts: InstallCmdOptions & { host?: string; hostVersion?: string }, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  // The repository is noted (install-footprint.ts): its uninstall knows whether another one still uses the relay.
  const root = opts.global ? undefined : opts.here ? path.resolve(process.cwd()) : workTreeRootOf(path.resolve(process.cwd()));
  if (root) noteInstalled(root);
  if (opts.host !== undefined) {
    const { installOtherHosts } = await import('./hosts/hosts-install-cmd.js');
    const { relaySettings } = await import('./relay/lifecycle.js');
    // Every agent's hooks hand their events to the relay, and every MCP entry is its /mcp.
    const rest = await settingsChangeAsync(() => installOtherHosts({ ...opts, host: opts.host!, relayPort: relaySettings().port }, out, warn));
    if (rest.length === 0) {
      if (opts.relay !== false) await startRelayFor(out, warn);
      return;
    }
  }
  await runInstall(opts, out, warn);
}

async function settingsChangeAsync<R>(run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error && (err.name === 'InstallError' || err.name === 'JsonFileError')) throw new CliError(err.message);
    throw err;
  }
}

export async function runInstall(opts: InstallCmdOptions, out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const root = installRoot(opts);
  if (root && root !== path.resolve(process.cwd())) out(`installing in the repository's root, ${root}`);
  const base = apiBaseUrl(opts.url);
  // A URL that can never work is refused as such, before anyone asks whether it answers.
  try {
    checkBaseUrl(base, opts.url !== undefined ? '--url' : 'MEMFLOW_URL');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const problem = opts.offline ? undefined : await apiAnswers(base);
  if (problem) {
    if (opts.url !== undefined) throw new CliError(`${base} does not answer (${problem}); check --url, or pass --offline to write it anyway`);
    warn(`memflow: warning: the API at ${base} does not answer (${problem}); events will wait in the spool until it does`);
  }
  const { relaySettings } = await import('./relay/lifecycle.js');
  const result = settingsChange(() => install({ ...opts, relayPort: relaySettings().port, ...(root ? { dir: root } : {}) }));
  printChanges(result, opts, out);
  if (root && !opts.shared && !opts.global) {
    const { placeInRepository } = await import('./hosts/repo-files.js');
    out(`  ${placeInRepository(root, result.file, os.homedir(), "Claude Code's memflow hooks").note}`);
  }
  const { claudeState } = await import('./hosts/install-claude.js');
  const { warnUnresolved } = await import('./hosts/hosts-install-cmd.js');
  warnUnresolved([{ host: 'claude', commands: claudeState({ dir: root ?? process.cwd(), home: os.homedir() }).commands }], warn);
  out(
    opts.http
      ? 'Claude Code sends the key from $MEMFLOW_API_KEY (allowedEnvVars); export it before starting claude.'
      : 'The hooks read $MEMFLOW_API_KEY (and $MEMFLOW_URL) from the environment claude runs in.',
  );
  const project = root ? projectHeadersOf(root, { shared: Boolean(opts.shared) }) : undefined;
  // The MCP handshake is answered by the relay wherever the hooks use one.
  const viaRelay = !opts.http;
  if (opts.mcp) {
    const r = settingsChange(() =>
      installMcp({
        defaultUrl: base,
        ...(opts.stdioMcp ? { stdio: true } : {}),
        ...(viaRelay ? { relayPort: relaySettings().port } : {}),
        ...(opts.global ? { global: true } : {}),
        ...(opts.shared ? { shared: true } : {}),
        ...(root ? { dir: root } : {}),
        ...(project ? { project } : {}),
      }),
    );
    const scope = opts.global ? 'user scope' : opts.shared ? 'project scope' : `local scope of ${root}`;
    out(`  ${r.result.padEnd(9)} MCP server "memflow" (${opts.stdioMcp ? 'stdio: memflow mcp' : viaRelay ? "http: the relay's /mcp, tool calls to the API" : "http: the API's /mcp"}, ${scope}) in ${r.file}`);
  }
  if (project) out(`this repository is the project "${project.name}"${project.key ? ` (repository key ${project.key})` : ''}; \`memflow doctor\` shows the name the API uses`);
  if (viaRelay && opts.relay !== false) await startRelayFor(out, warn);
}

/** Starts the local relay unless it runs (the hooks hand their events to it), and says so. */
export async function startRelayFor(out: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const { ensureRelay, relaySettings } = await import('./relay/lifecycle.js');
  try {
    const h = await ensureRelay();
    out(`relay running on 127.0.0.1:${relaySettings().port} (pid ${h.pid}); hooks hand their events to it`);
  } catch (err) {
    warn(`memflow: warning: ${(err as Error).message}; the first hook will try again`);
  }
}

export async function runUninstall(opts: { global?: boolean; shared?: boolean; here?: boolean; host?: string; all?: boolean }, out: (line: string) => void): Promise<void> {
  if (opts.host !== undefined || opts.all) {
    if (opts.global || opts.shared) throw new CliError('--host and --all take memflow out of every scope of this repository; --global and --shared go with Claude Code alone (no --host)');
    const { uninstallHosts } = await import('./hosts/hosts-install-cmd.js');
    settingsChange(() => uninstallHosts(opts, out));
    return releaseAfterUninstall(workTreeRootOf(path.resolve(process.cwd())) ?? path.resolve(process.cwd()), out);
  }
  const root = installRoot(opts);
  const result = settingsChange(() => uninstall({ ...opts, ...(root ? { dir: root } : {}) }));
  for (const event of Object.keys(result.changes)) out(`  removed   ${event}`);
  out(result.written ? `updated ${result.file}` : `${result.file} has no memflow hooks; nothing changed`);
  const mcp = settingsChange(() => uninstallMcp({ ...opts, ...(root ? { dir: root } : {}) }));
  if (mcp.written) out(`  removed   MCP server "memflow" from ${mcp.file}`);
  if (root && !opts.global) {
    // What is left of Claude Code's install (an emptied folder, the exclude line), and the other agents still set up here.
    const { uninstallClaude } = await import('./hosts/install-claude.js');
    const { hostStates } = await import('./hosts/install-hosts.js');
    const { HOST_LABELS } = await import('./hosts/shared.js');
    if (!opts.shared) settingsChange(() => uninstallClaude({ dir: root, home: os.homedir() }));
    const others = hostStates({ dir: root, home: os.homedir() }).filter((s) => s.installed && s.host !== 'claude');
    if (others.length > 0) out(`still set up here: ${others.map((s) => HOST_LABELS[s.host]).join(', ')} — \`memflow uninstall --host ${others.map((s) => s.host).join(',')}\` (or --all) takes them out too`);
    else await releaseAfterUninstall(root, out);
  }
}

/** With nothing of memflow left in `root` nor in any other repository: the relay stopped and what memflow made in HOME removed. */
async function releaseAfterUninstall(root: string, out: (line: string) => void): Promise<void> {
  const { hostStates } = await import('./hosts/install-hosts.js');
  const home = os.homedir();
  for (const line of await releaseFootprint(root, (dir) => hostStates({ dir, home }).some((s) => s.installed), home)) out(line);
}
