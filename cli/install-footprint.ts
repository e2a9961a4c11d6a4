/**
 * What memflow leaves in HOME besides the hosts' settings, and taking it out with the last
 * repository: `memflow install` notes the repository in `~/.memflow/repositories.json`; when
 * `memflow uninstall` leaves no agent set up in it and no other noted repository (nor another
 * project in `~/.claude.json`) still has one, the relay is stopped and what memflow made for it
 * goes: the relay's token and keys, its log, the hook bundles cached in `~/.cache/memflow/cli`, the
 * capture ledger's client id, the kept texts of json-pristine.ts and the note itself, and then the
 * folders it made once they are empty. Events still waiting in the spool are never deleted: the
 * spool stays, and the lines say so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { pristineDir, removeIfEmpty } from './json-pristine.js';

const stateDir = () => path.dirname(path.resolve(parseClientConfig().MEMFLOW_SPOOL_DIR));
const registryFile = () => path.join(stateDir(), 'repositories.json');

function noted(): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(registryFile(), 'utf8')) as { repositories?: unknown };
    return Array.isArray(v.repositories) ? v.repositories.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

function writeNoted(list: string[]): void {
  if (list.length === 0) {
    fs.rmSync(registryFile(), { force: true });
    return;
  }
  fs.mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  fs.writeFileSync(registryFile(), `${JSON.stringify({ repositories: list }, null, 2)}\n`, { mode: 0o600 });
}

/** Notes a repository memflow was installed in. */
export function noteInstalled(root: string): void {
  const dir = path.resolve(root);
  const list = noted();
  if (!list.includes(dir)) writeNoted([...list, dir]);
}

/** Whether an agent is still set up with memflow in `dir` (its own settings, or Claude Code's entry for it in ~/.claude.json). */
export type InstalledIn = (dir: string) => boolean;

/** Other folders ~/.claude.json holds a memflow MCP entry for (installs made before repositories were noted). */
function claudeProjectsWithMemflow(home: string): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(home, '.claude.json'), 'utf8')) as { projects?: Record<string, { mcpServers?: Record<string, unknown> }> };
    return Object.entries(v.projects ?? {})
      .filter(([, p]) => p && typeof p === 'object' && p.mcpServers && typeof p.mcpServers === 'object' && 'memflow' in p.mcpServers)
      .map(([dir]) => path.resolve(dir));
  } catch {
    return [];
  }
}

/**
 * After an uninstall in `root`: forgets it when nothing of memflow is set up there, and when no
 * other repository still uses memflow, stops the relay and removes what memflow made in HOME.
 * Returns the lines to say.
 */
export async function releaseFootprint(root: string, installedIn: InstalledIn, home = os.homedir()): Promise<string[]> {
  const dir = path.resolve(root);
  if (installedIn(dir)) return [];
  const rest = noted().filter((r) => r !== dir && fs.existsSync(r) && installedIn(r));
  writeNoted(rest);
  const others = [...new Set([...rest, ...claudeProjectsWithMemflow(home).filter((r) => r !== dir)])];
  if (others.length > 0) return [`memflow is still set up in ${others.length} other repositor${others.length === 1 ? 'y' : 'ies'}: the relay and its files stay`];

  const lines: string[] = [];
  const cfg = parseClientConfig();
  const { relaySettings, stopRelay } = await import('./relay/lifecycle.js');
  const settings = relaySettings();
  try {
    const said = await stopRelay(settings);
    if (!said.startsWith('no relay')) lines.push(said);
  } catch (err) {
    lines.push(`the relay was left running: ${(err as Error).message}`);
  }
  const { Spool } = await import('./capture/spool.js');
  const spool = await new Spool(cfg.MEMFLOW_SPOOL_DIR).status().catch(() => undefined);
  const waiting = (spool?.waiting ?? 0) + (spool?.claimed ?? 0) + (spool?.corrupt ?? 0);
  const state = stateDir();
  const cache = path.resolve(cfg.MEMFLOW_CACHE_DIR);
  const removed: string[] = [];
  const rm = (p: string) => {
    if (!fs.existsSync(p)) return;
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(p.startsWith(home + path.sep) ? `~/${path.relative(home, p)}` : p);
  };
  rm(path.join(state, 'relay-token'));
  rm(settings.keysFile);
  rm(pristineDir());
  rm(settings.logFile);
  rm(path.join(cache, 'cli'));
  for (const name of fs.existsSync(cache) ? fs.readdirSync(cache) : []) if (name.startsWith('bundle-')) rm(path.join(cache, name));
  if (waiting === 0) {
    rm(path.join(cfg.MEMFLOW_SPOOL_DIR, 'ledger'));
    removeIfEmpty(cfg.MEMFLOW_SPOOL_DIR);
  } else {
    lines.push(`${waiting} event(s) still wait in the spool (${cfg.MEMFLOW_SPOOL_DIR}): kept; \`memflow spool\` shows them`);
  }
  // The folders memflow made, once empty (a cache folder of the person's own stays when it holds anything).
  for (const d of [state, cache, path.dirname(cache)]) if (d !== home && d.startsWith(home + path.sep)) removeIfEmpty(d);
  if (removed.length > 0) lines.push(`no repository uses memflow any more: removed ${removed.join(', ')}`);
  return lines;
}
