/**
 * Starting, finding and stopping the local relay. It runs as `memflow relay run` (from the hook
 * bundle: no TypeScript loader), detached from whatever started it, so it outlives the agent's
 * session; the Node hook client starts it when a hook finds it down, and `memflow install` starts it
 * too. It listens on 127.0.0.1:$MEMFLOW_RELAY_PORT (default: the user's own port, relay-port.ts: 7719 for
 * root, 7719 + uid mod 2000 for others) and leaves when it has had no hook
 * for MEMFLOW_RELAY_IDLE_MS (default 12 h) with nothing waiting. Its log is relay.log in the cache.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClientConfig } from '../../common/workspace/client-config.js';
import type { startRelay } from './relay-server.js';
import { DEFAULT_MAX_DEFER_MS, DEFAULT_QUIET_MS } from './session-activity.js';
import { DEFAULT_REPORT_INTERVAL_MS } from './ledger-report.js';
import { DEFAULT_PROMPT_BUDGET_MS } from './prompt-answer.js';
import { DEFAULT_PARSE_INLINE_BYTES } from './later-push.js';

import { DEFAULT_START_CONTEXT_MAX_AGE_MS, defaultRelayPort, RELAY_SERVICE } from './relay-port.js';

/** This user's default relay port (relay-port.ts). */
export const DEFAULT_RELAY_PORT = defaultRelayPort();

export interface RelaySettings {
  port: number;
  idleExitMs: number;
  startBudgetMs: number;
  /** How long UserPromptSubmit waits for the memory pushed with the prompt (MEMFLOW_PROMPT_BUDGET_MS; 0: no push). */
  promptBudgetMs: number;
  /** The largest file a Read parses while the agent waits; a larger one has its push handed with the session's next hook (MEMFLOW_FILE_PARSE_INLINE_BYTES). */
  parseInlineBytes: number;
  /** Delivery waits until a session has been quiet this long (MEMFLOW_RELAY_QUIET_MS; 0: at once). */
  quietMs: number;
  /** ... but no event waits longer than this (MEMFLOW_RELAY_MAX_DEFER_MS). */
  maxDeferMs: number;
  /** How old a held start context may be when SessionStart is answered from it (MEMFLOW_START_CONTEXT_MAX_AGE_MS; 0: always ask the API). */
  startContextMaxAgeMs: number;
  /** How often a running session's capture ledger is reported at most (MEMFLOW_LEDGER_REPORT_MS). */
  ledgerReportMs: number;
  /** When a claim left by a relay that died is delivered again (MEMFLOW_SPOOL_STALE_CLAIM_MS). */
  staleClaimMs: number;
  logFile: string;
  keysFile: string;
}

function positiveEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isInteger(n) && n >= min ? n : fallback;
}

export function relaySettings(): RelaySettings {
  const cfg = parseClientConfig();
  return {
    port: positiveEnv('MEMFLOW_RELAY_PORT', DEFAULT_RELAY_PORT),
    idleExitMs: positiveEnv('MEMFLOW_RELAY_IDLE_MS', 12 * 3600_000),
    startBudgetMs: positiveEnv('MEMFLOW_START_BUDGET_MS', cfg.MEMFLOW_HOOK_TIMEOUT_MS),
    promptBudgetMs: positiveEnv('MEMFLOW_PROMPT_BUDGET_MS', DEFAULT_PROMPT_BUDGET_MS, 0),
    parseInlineBytes: positiveEnv('MEMFLOW_FILE_PARSE_INLINE_BYTES', DEFAULT_PARSE_INLINE_BYTES, 0),
    quietMs: positiveEnv('MEMFLOW_RELAY_QUIET_MS', DEFAULT_QUIET_MS, 0),
    maxDeferMs: positiveEnv('MEMFLOW_RELAY_MAX_DEFER_MS', DEFAULT_MAX_DEFER_MS, 0),
    startContextMaxAgeMs: positiveEnv('MEMFLOW_START_CONTEXT_MAX_AGE_MS', DEFAULT_START_CONTEXT_MAX_AGE_MS, 0),
    ledgerReportMs: positiveEnv('MEMFLOW_LEDGER_REPORT_MS', DEFAULT_REPORT_INTERVAL_MS),
    staleClaimMs: positiveEnv('MEMFLOW_SPOOL_STALE_CLAIM_MS', 60_000),
    logFile: path.join(cfg.MEMFLOW_CACHE_DIR, 'relay.log'),
    keysFile: path.join(path.dirname(cfg.MEMFLOW_SPOOL_DIR), 'relay-keys.json'),
  };
}

export interface RelayHealth {
  ok: boolean;
  service?: string;
  pid?: number;
  version?: string;
  /** The uid the relay runs as (a relay serves only its own user). */
  uid?: number;
  spool?: { waiting: number; stuck: number; delivered: number; targets: { url: string; problem?: string; refused: boolean }[] } & Record<string, unknown>;
}

/** What answers on the relay's port: the relay's health, `foreign` for another program, or undefined. */
export function relayHealth(port: number, timeoutMs = 500): Promise<RelayHealth | 'foreign' | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const h = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RelayHealth;
          resolve(h.service === RELAY_SERVICE ? h : 'foreign');
        } catch {
          resolve('foreign');
        }
      });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('foreign');
    });
    req.on('error', () => resolve(undefined));
  });
}

/** memflow.js, the relay's entry, one folder up: cli/memflow.js beside the sources, the package root beside the bundles. */
const memflowJs = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'memflow.js');

/**
 * Starts the relay in the background unless one answers; does not wait for it (a hook must not).
 * The child gets this process's environment (MEMFLOW_URL, MEMFLOW_SPOOL_DIR, ... of the user).
 */
export function spawnRelay(settings = relaySettings(), entry = process.env.MEMFLOW_RELAY_ENTRY ?? memflowJs()): void {
  fs.mkdirSync(path.dirname(settings.logFile), { recursive: true });
  const out = fs.openSync(settings.logFile, 'a', 0o600);
  const child = spawn(process.execPath, [entry, 'relay', 'run', '--port', String(settings.port)], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  child.unref();
  fs.closeSync(out);
}

/** Whether a relay that answered runs as another user than this process (its uid, else undefined). */
export function otherUsersRelay(h: RelayHealth): number | undefined {
  const own = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return own !== undefined && typeof h.uid === 'number' && h.uid !== own ? h.uid : undefined;
}

/** Starts the relay if needed and waits until it answers (install, doctor, tests). */
export async function ensureRelay(settings = relaySettings(), waitMs = 30_000): Promise<RelayHealth> {
  const now = await relayHealth(settings.port);
  if (now === 'foreign') throw new Error(`port ${settings.port} on 127.0.0.1 is used by another program; set MEMFLOW_RELAY_PORT to a free port`);
  if (now && otherUsersRelay(now) !== undefined) throw new Error(`port ${settings.port} on 127.0.0.1 is another user's relay (uid ${otherUsersRelay(now)}); unset MEMFLOW_RELAY_PORT to use your own port (${defaultRelayPort()}), or set it to a free one`);
  if (now) return now;
  spawnRelay(settings);
  const end = Date.now() + waitMs;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    const h = await relayHealth(settings.port);
    if (h && h !== 'foreign') return h;
  }
  throw new Error(`the relay did not start within ${waitMs} ms (see ${settings.logFile})`);
}

/** `memflow relay run`: the relay in the foreground until SIGTERM/SIGINT or its idle exit. */
export async function runRelay(port = relaySettings().port): Promise<void> {
  const settings = relaySettings();
  const cfg = parseClientConfig();
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let relay: Awaited<ReturnType<typeof startRelay>>;
  try {
    // Loaded by `relay run` alone: the commands that only find or configure the relay skip it.
    const { startRelay } = await import('./relay-server.js');
    relay = await startRelay({
      port,
      spoolDir: cfg.MEMFLOW_SPOOL_DIR,
      maxEntries: cfg.MEMFLOW_SPOOL_MAX_EVENTS,
      keysFile: settings.keysFile,
      defaultUrl: cfg.MEMFLOW_URL,
      startBudgetMs: settings.startBudgetMs,
      promptBudgetMs: settings.promptBudgetMs,
      parseInlineBytes: settings.parseInlineBytes,
      timing: { quietMs: settings.quietMs, maxDeferMs: settings.maxDeferMs },
      startContextMaxAgeMs: settings.startContextMaxAgeMs,
      idleExitMs: settings.idleExitMs,
      ledgerReportMs: settings.ledgerReportMs,
      staleClaimMs: settings.staleClaimMs,
      mcpMaxTokens: cfg.MEMFLOW_MCP_MAX_TOKENS,
      log,
      onIdleExit: () => void stop('idle'),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    log(e.code === 'EADDRINUSE' ? `port ${port} is in use (another relay, or another program): not starting` : `could not start: ${e.message}`);
    process.exitCode = e.code === 'EADDRINUSE' ? 0 : 1;
    return;
  }
  log(`listening on ${relay.url} (pid ${process.pid}), spool ${cfg.MEMFLOW_SPOOL_DIR}`);
  let stopping = false;
  async function stop(why: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    await relay.close();
    process.exit(0);
  }
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {}); // the terminal that started it went away: keep going
}

/** Stops the relay that answers on the port (by the pid it reports); says what happened. */
export async function stopRelay(settings = relaySettings()): Promise<string> {
  const h = await relayHealth(settings.port);
  if (h === undefined) return `no relay on 127.0.0.1:${settings.port}`;
  if (h === 'foreign' || !h.pid) throw new Error(`port ${settings.port} is used by another program, not a memflow relay`);
  process.kill(h.pid, 'SIGTERM');
  const end = Date.now() + 5000;
  while (Date.now() < end && (await relayHealth(settings.port, 200)) !== undefined) await new Promise((r) => setTimeout(r, 50));
  return `relay stopped (pid ${h.pid})`;
}
