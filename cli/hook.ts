/**
 * `memflow hook <event>`: the Claude Code command-hook client.
 *
 * Reads the hook JSON on stdin, delivers waiting spooled events (oldest first, within half the time
 * budget), then posts this one to POST /v1/hooks/<event> with a fresh Idempotency-Key, and prints
 * the API's hook output JSON (or `{}`). Whatever happens it exits 0 within MEMFLOW_HOOK_TIMEOUT_MS
 * (default 2000) plus a small margin: a memory service must never block or break the agent.
 *
 * The payload is redacted (common/redact.ts) before it is spooled or sent; the API redacts again.
 * What is kept in the spool (and delivered later with the same Idempotency-Key):
 *   the API unreachable or too slow, 5xx, 429, 408, 401/403, and a missing MEMFLOW_API_KEY
 *   (so nothing is lost while the key is being set up).
 * What is dropped, with one line on stderr: stdin that is not a JSON object (or does not end within
 *   the budget, or exceeds 16 MiB), an unknown event name, and other 4xx answers (bad input never
 *   succeeds). A full spool (MEMFLOW_SPOOL_MAX_EVENTS, default 10000) also drops, with a line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveProject } from '../common/project.js';
import { projectKeyOf } from '../common/project-identity.js';
import { redactValue } from '../common/redact.js';
import { gitHead, type GitHead } from '../common/git-head.js';
import { checkContext, stalenessReport, type CheckableItem } from '../common/staleness.js';
import { deliver, flushSpool, spoolTargetOf, type Target } from './deliver.js';
import { parseClientConfig } from '../common/client-config.js';
import { apiBaseUrl, checkBaseUrl } from './env.js';
import { isEventRouteName, isHookEvent } from '../messages/hooks/v1.js';
import { createHttpClient, type HttpClient } from './http.js';
import { downFor, markDown, markUp } from './outage.js';
import { Spool, SpoolFullError, type SpoolEntry } from './spool.js';
import type { HostHookOptions } from './hosts/hook-options.js';

const MAX_STDIN_BYTES = 16 * 1024 * 1024;
/** Waiting spooled events above which SessionStart tells the user. */
const SPOOL_WARNING = 20;
const MAX_STDIN_WAIT_MS = 2000;
/** After the deadline, this long is left for spooling and printing before a forced exit. */
const EXIT_MARGIN_MS = 750;

type StdinResult = { ok: true; text: string } | { ok: false; reason: string };

function readStdin(maxBytes: number, waitMs: number): Promise<StdinResult> {
  const stdin = process.stdin;
  if (stdin.isTTY) return Promise.resolve({ ok: false, reason: 'no hook JSON on stdin (it is a terminal)' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: StdinResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stdin.removeAllListeners('data');
      stdin.pause();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `stdin did not end within ${waitMs} ms` }), waitMs);
    stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, reason: `the hook JSON is larger than ${maxBytes} bytes` });
      else chunks.push(chunk);
    });
    stdin.once('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    stdin.once('error', (err) => finish({ ok: false, reason: `cannot read stdin (${err.message})` }));
  });
}

const firstLine = (s: string) => s.split('\n')[0] ?? '';

export interface HookOptions extends HostHookOptions {
  url?: string;
}

/** Runs the hook and exits the process (always with code 0). */
export async function runHook(hookEvent: string, opts: HookOptions): Promise<never> {
  let event = hookEvent;
  const startedAt = Date.now();
  const config = parseClientConfig();
  const timeoutMs = config.MEMFLOW_HOOK_TIMEOUT_MS;
  const deadline = startedAt + timeoutMs;
  const spool = new Spool(config.MEMFLOW_SPOOL_DIR, { maxEntries: config.MEMFLOW_SPOOL_MAX_EVENTS });
  let client: HttpClient | undefined;
  /** This invocation's event until it is delivered, dropped or spooled: spooled if we must exit meanwhile. */
  let inFlight: SpoolEntry | undefined;
  let exiting = false;

  const warn = (line: string) => {
    try {
      fs.writeSync(2, `memflow hook: ${firstLine(line)}\n`);
    } catch {
      // stderr closed: nothing to tell
    }
  };

  const exit = (apiOutput: string): never => {
    exiting = true;
    // Another agent gets its own answer format (cli/hosts/).
    const output = opts.answer ? opts.answer(isHookEvent(event) ? event : undefined, apiOutput) : apiOutput;
    try {
      if (output) fs.writeSync(1, `${output}\n`);
    } catch {
      // stdout closed (the agent went away): nothing to answer
    }
    client?.close();
    process.exit(0);
  };

  /** The forced end: keep what is in flight, give claims back, answer `{}`. */
  const emergencyExit = (why: string): never => {
    if (exiting) process.exit(0);
    try {
      if (inFlight) spool.addSync(inFlight);
      spool.releaseAllSync();
    } catch (err) {
      warn(`could not save the event to the spool (${(err as Error).message})`);
    }
    warn(inFlight ? `${why}; the ${inFlight.event} event is kept in ${spool.dir}` : why);
    return exit('{}');
  };

  process.on('uncaughtException', (err) => emergencyExit(`unexpected error: ${err.message}`));
  process.on('unhandledRejection', (err) => emergencyExit(`unexpected error: ${(err as Error)?.message ?? String(err)}`));
  process.stdout.on('error', () => {});
  const guard = setTimeout(() => emergencyExit(`gave up after ${timeoutMs} ms`), timeoutMs + EXIT_MARGIN_MS);
  guard.unref();

  const keep = async (entry: SpoolEntry, why: string): Promise<void> => {
    try {
      await spool.add(entry);
      warn(`${why}; the ${entry.event} event is kept in ${spool.dir} and will be delivered later`);
    } catch (err) {
      warn(err instanceof SpoolFullError ? `${why}; ${err.message}, so this event is dropped` : `${why}; could not spool the event (${(err as Error).message})`);
    }
  };

  try {
    if (!opts.adapt && !isEventRouteName(event)) {
      warn(`'${event}' is not a hook event name (kebab-case, e.g. post-tool-use)`);
      return exit('{}');
    }
    const input = await readStdin(MAX_STDIN_BYTES, Math.min(MAX_STDIN_WAIT_MS, timeoutMs));
    if (!input.ok) {
      warn(`${input.reason}; event dropped`);
      return exit('{}');
    }
    let body: unknown;
    try {
      body = JSON.parse(input.text);
    } catch {
      warn('stdin is not valid JSON; event dropped');
      return exit('{}');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      warn('stdin is not a JSON object; event dropped');
      return exit('{}');
    }
    if (opts.adapt) {
      // Another agent's native event, mapped to memflow's (or not kept at all).
      const mapped = opts.adapt(event, body as Record<string, unknown>);
      if (!mapped) {
        event = '';
        return exit('{}');
      }
      event = mapped.event;
      body = mapped.body;
    }
    // Redact here too, before the spool: nothing with a secret or <private> text touches the disk.
    // The entry remembers which API and key it is for: it is never delivered with another.
    const key = config.MEMFLOW_API_KEY;
    const baseUrl = apiBaseUrl(opts.url);
    // Branch and HEAD, read from .git (no git process), with the events that open and close a turn.
    const git = GIT_EVENTS.has(event) ? gitOfHook(body as Record<string, unknown>) : undefined;
    const redactedBody = redactValue(body as Record<string, unknown>).value;
    if (git) redactedBody.memflowGit = { branch: git.branch, commit: git.commit, root: git.root, defaultBranch: git.defaultBranch };
    const entry = Spool.newEntry(event, redactedBody, spoolTargetOf(baseUrl, key), ...projectOfHook(body as Record<string, unknown>));
    inFlight = entry;
    const keepAndExit = async (why: string): Promise<never> => {
      await keep(entry, why);
      inFlight = undefined;
      // At the start of a session, say it where the user sees it: otherwise a wrong key or a stopped
      // API goes unnoticed while everything piles up in the spool.
      return exit(event === 'session-start' ? JSON.stringify({ systemMessage: `memflow: ${firstLine(why)}; events are kept and sent later (run \`memflow doctor\`)` }) : '{}');
    };

    if (!key) return keepAndExit('MEMFLOW_API_KEY is not set');
    try {
      checkBaseUrl(baseUrl, opts.url !== undefined ? '--url' : 'MEMFLOW_URL');
    } catch (err) {
      return keepAndExit((err as Error).message);
    }
    const target: Target = { baseUrl, apiKey: key };
    // The API did not answer a moment ago: spool at once rather than wait on it again.
    const down = downFor(baseUrl);
    if (down > 0) return keepAndExit(`API unreachable a moment ago (retrying in ${Math.ceil(down / 1000)} s)`);
    client = createHttpClient();

    // Older events first, with at most half of the budget, so this event still gets its turn.
    const flush = await flushSpool(spool, client, target, {
      until: Math.min(deadline, startedAt + timeoutMs / 2),
      maxRequestMs: timeoutMs,
      log: warn,
    });
    if (flush.unreachable) {
      markDown(baseUrl);
      return keepAndExit(flush.stoppedBy ?? 'API unreachable');
    }

    const verdict = await deliver(client, target, entry, Math.max(1, deadline - Date.now()));
    if (verdict.kind === 'retry' && verdict.unreachable) markDown(baseUrl);
    else if (verdict.kind !== 'retry') markUp(baseUrl);
    if (verdict.kind === 'delivered') {
      inFlight = undefined;
      if (event !== 'session-start') return exit(hookOutput(verdict.body));
      const backlog = (await spool.status()).waiting;
      const checked = await checkStartContext(verdict.body, git, async (report) => {
        await client!.request({
          method: 'POST',
          url: `${target.baseUrl}/v1/learnings/staleness`,
          headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json', 'user-agent': 'memflow-hook' },
          body: JSON.stringify(report),
          timeoutMs: Math.max(1, Math.min(REPORT_TIMEOUT_MS, deadline - Date.now())),
        });
      });
      return exit(hookOutput(checked, backlog >= SPOOL_WARNING ? `memflow: ${backlog} events are still waiting in ${spool.dir} (run \`memflow doctor\`)` : undefined));
    }
    if (verdict.kind === 'rejected') {
      inFlight = undefined;
      warn(`the API refused the ${event} event (${verdict.reason}); dropped`);
      return exit('{}');
    }
    // Still "in flight" while it is being spooled: a forced exit now spools it (again, at worst;
    // the shared Idempotency-Key makes the API store it once).
    return keepAndExit(verdict.reason);
  } catch (err) {
    return emergencyExit(`unexpected error: ${(err as Error).message}`);
  }
}

/**
 * The project, resolved here where the working tree is: MEMFLOW_PROJECT when set; else the
 * repository of $CLAUDE_PROJECT_DIR (where Claude Code was started, so a session that `cd`s stays one
 * project), else of the hook's cwd, named after its main worktree's folder and keyed by its remote so
 * that unrelated repositories with the same folder name stay apart.
 */
export function projectOfHook(body: Record<string, unknown>, projectDir?: string): [string?, string?] {
  const config = parseClientConfig();
  if (config.MEMFLOW_PROJECT) return [config.MEMFLOW_PROJECT];
  const root = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  if (!root) return [];
  return [resolveProject(root), recentProjectKey(root)];
}

/** How long the relay reuses a working tree's project key (its remote changes rarely). */
const PROJECT_KEY_TTL_MS = 5_000;
const projectKeys = new Map<string, { key: string | undefined; at: number }>();

/**
 * projectKeyOf, read again at most every few seconds per working tree: the relay answers every hook
 * of every session, and reading the repository's files (a walk up to `.git`, its config, a
 * realpath) took 0.4 ms of each answer in a profile of the relay under load.
 */
function recentProjectKey(root: string): string | undefined {
  const now = Date.now();
  const hit = projectKeys.get(root);
  if (hit && now - hit.at < PROJECT_KEY_TTL_MS) return hit.key;
  const key = projectKeyOf(root);
  projectKeys.set(root, { key, at: now });
  if (projectKeys.size > 1000) projectKeys.delete(projectKeys.keys().next().value!);
  return key;
}

/** Events that carry the repository's branch and HEAD (memflowGit). */
export const GIT_EVENTS = new Set(['session-start', 'stop', 'session-end']);
/** Longest wait for the staleness report to reach the API (it is a hint: lost, it is sent next time). */
export const REPORT_TIMEOUT_MS = 500;

export function gitOfHook(body: Record<string, unknown>, projectDir?: string): GitHead | undefined {
  const config = parseClientConfig();
  if (!config.MEMFLOW_GIT) return undefined;
  const dir = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  try {
    return dir ? gitHead(dir) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The staleness check at SessionStart: the API sent the cited items of the context (memflowCheck);
 * they are checked against the working tree, stale ones dropped and doubtful ones marked, and the
 * verdicts reported. memflowCheck never reaches Claude Code. Any failure leaves the answer as it came.
 */
export async function checkStartContext(body: string, git: GitHead | undefined, report: (r: { results: Record<string, unknown>[] }) => Promise<void>): Promise<string> {
  let parsed: { hookSpecificOutput?: { additionalContext?: string }; memflowCheck?: { items?: CheckableItem[] } } & Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return body;
  }
  if (!parsed || typeof parsed !== 'object' || !parsed.memflowCheck) return body;
  const { memflowCheck, ...rest } = parsed;
  const items = memflowCheck.items ?? [];
  const context = rest.hookSpecificOutput?.additionalContext;
  if (!git || items.length === 0 || typeof context !== 'string' || !parseClientConfig().MEMFLOW_STALENESS_CHECK) return JSON.stringify(rest);
  try {
    const checked = checkContext(context, items, git.root, git, { cacheFile: path.join(parseClientConfig().MEMFLOW_CACHE_DIR, 'staleness-git.json') });
    rest.hookSpecificOutput = { ...rest.hookSpecificOutput, additionalContext: checked.context };
    const body = stalenessReport(checked.verdicts);
    if (body.results.length > 0) await report(body).catch(() => undefined);
  } catch {
    // the check is best effort: the context goes out unchecked rather than not at all
  }
  return JSON.stringify(rest);
}

/** The API's answer if it is a JSON object (the hook output), else `{}`; with a warning for the user. */
export function hookOutput(body: string, systemMessage?: string): string {
  let out: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) out = parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  return JSON.stringify(systemMessage ? { ...out, systemMessage } : out);
}
