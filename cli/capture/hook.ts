/**
 * `memflow hook <event>`: the Claude Code command-hook client.
 *
 * Reads the hook JSON on stdin, delivers waiting spooled events (oldest first, within half the time
 * budget), then posts this one to POST /v1/hooks/<event> with a fresh Idempotency-Key, and prints
 * the API's hook output JSON (or `{}`). Whatever happens it exits 0 within MEMFLOW_HOOK_TIMEOUT_MS
 * (default 2000) plus a small margin: a memory service must never block or break the agent.
 *
 * The payload is mapped and redacted (common/rules/redact.ts) before it is spooled or sent, by the ingress
 * pipeline the relay uses too (ingress.ts); the API redacts again.
 * What is kept in the spool (and delivered later with the same Idempotency-Key):
 *   the API unreachable or too slow, 5xx, 429, 408, 401/403, and a missing MEMFLOW_API_KEY
 *   (so nothing is lost while the key is being set up).
 * What is dropped, with one line on stderr: stdin that is not a JSON object (or does not end within
 *   the budget, or exceeds 16 MiB), an unknown event name, and other 4xx answers (bad input never
 *   succeeds). A full spool (MEMFLOW_SPOOL_MAX_EVENTS, default 10000) also drops, with a line.
 */
import fs from 'node:fs';
import { deliver, flushSpool, spoolTargetOf, type Target } from './deliver.js';
import { apiPaths } from '../../clients/api-paths.js';
import { parseClientConfig } from '../../common/workspace/client-config.js';
import { apiBaseUrl, checkBaseUrl } from '../env.js';
import { isEventRouteName, isHookEvent } from '../../messages/hooks-v1.js';
import { createHttpClient, type HttpClient } from '../node-http.js';
import { downFor, markDown, markUp } from './outage.js';
import { Spool, type SpoolEntry, SpoolFullError } from './spool.js';
import { mapHook, spoolEntriesOf } from './ingress.js';
import type { HostHookOptions } from '../hosts/hook-options.js';
import { checkStartContext, hookOutput, REPORT_TIMEOUT_MS } from './hook-answer.js';
import { readHookJson } from './hook-input.js';
import { ClientLedger, reasonOf } from './client-ledger.js';

/** Waiting spooled events above which SessionStart tells the user. */
const SPOOL_WARNING = 20;
const MAX_STDIN_WAIT_MS = 2000;
/** After the deadline, this long is left for spooling and printing before a forced exit. */
const EXIT_MARGIN_MS = 750;

const firstLine = (s: string) => s.split('\n')[0] ?? '';

export interface HookOptions extends HostHookOptions {
  url?: string;
  /** The host (--host) and its version, for an event whose transcript line comes later (ingress.ts). */
  host?: string;
  hostVersion?: string;
}

/** Runs the hook and exits the process (always with code 0). */
export async function runHook(hookEvent: string, opts: HookOptions): Promise<never> {
  // memflow's own summarizer running an agent CLI (activities/summarize/cli-model.ts): never captured.
  if (process.env.MEMFLOW_SUMMARIZER === '1') {
    fs.writeSync(1, '{}\n');
    process.exit(0);
  }
  let event = hookEvent;
  const startedAt = Date.now();
  const config = parseClientConfig();
  const timeoutMs = config.MEMFLOW_HOOK_TIMEOUT_MS;
  const deadline = startedAt + timeoutMs;
  const spool = new Spool(config.MEMFLOW_SPOOL_DIR, { maxEntries: config.MEMFLOW_SPOOL_MAX_EVENTS });
  // The capture ledger (cli/capture/client-ledger.ts): every outcome is written beside the spool; the relay reports it.
  const ledger = new ClientLedger(config.MEMFLOW_SPOOL_DIR);
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
      if (inFlight) {
        spool.addSync(inFlight);
        ledger.record(inFlight, 'held', 'exit');
      }
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

  /** Into the spool, or counted as dropped (and said) when the spool cannot take it. */
  const spoolOrDrop = async (entry: SpoolEntry, why: string): Promise<boolean> => {
    try {
      await spool.add(entry);
      return true;
    } catch (err) {
      ledger.record(entry, 'dropped', err instanceof SpoolFullError ? 'spool_full' : 'spool_unwritable');
      warn(err instanceof SpoolFullError ? `${why}; ${err.message}, so this event is dropped` : `${why}; could not spool the event (${(err as Error).message})`);
      return false;
    }
  };
  const keep = async (entry: SpoolEntry, why: string, code: string): Promise<void> => {
    if (!(await spoolOrDrop(entry, why))) return;
    ledger.record(entry, 'held', code);
    warn(`${why}; the ${entry.event} event is kept in ${spool.dir} and will be delivered later`);
  };

  try {
    if (!opts.adapt && !isEventRouteName(event)) {
      warn(`'${event}' is not a hook event name (kebab-case, e.g. post-tool-use)`);
      return exit('{}');
    }
    const input = await readHookJson(Math.min(MAX_STDIN_WAIT_MS, timeoutMs));
    if (!input.ok) {
      warn(`${input.reason}; event dropped`);
      return exit('{}');
    }
    // One pipeline with the relay's (ingress.ts): mapped, redacted before the spool, bound to its API and key.
    const mapped = mapHook(event, input.body as Record<string, unknown>, opts.adapt && opts.host ? { name: opts.host, version: opts.hostVersion, adapt: opts.adapt } : undefined);
    if (!mapped) {
      event = '';
      return exit('{}');
    }
    event = mapped.event;
    const key = config.MEMFLOW_API_KEY;
    const baseUrl = apiBaseUrl(opts.url);
    const spoolTarget = spoolTargetOf(baseUrl, key);
    const { entry, entries, git } = spoolEntriesOf(mapped, { target: spoolTarget });
    // The turn's tool calls read from the host's transcript wait in the spool, ahead of this event:
    // the flush below sends them first.
    for (const e of entries.slice(0, -1)) await spoolOrDrop(e, `a ${e.event} event read from the transcript`);
    inFlight = entry;
    const keepAndExit = async (why: string, code: string): Promise<never> => {
      await keep(entry, why, code);
      inFlight = undefined;
      // At the start of a session, say it where the user sees it: otherwise a wrong key or a stopped
      // API goes unnoticed while everything piles up in the spool.
      return exit(event === 'session-start' ? JSON.stringify({ systemMessage: `memflow: ${firstLine(why)}; events are kept and sent later (run \`memflow doctor\`)` }) : '{}');
    };

    if (!key) return keepAndExit('MEMFLOW_API_KEY is not set', 'no_key');
    try {
      checkBaseUrl(baseUrl, opts.url !== undefined ? '--url' : 'MEMFLOW_URL');
    } catch (err) {
      return keepAndExit((err as Error).message, 'bad_url');
    }
    const target: Target = { baseUrl, apiKey: key, clientId: ledger.clientId() };
    // The API did not answer a moment ago: spool at once rather than wait on it again.
    const down = downFor(baseUrl);
    if (down > 0) return keepAndExit(`API unreachable a moment ago (retrying in ${Math.ceil(down / 1000)} s)`, 'unreachable');
    client = createHttpClient();

    // Older events first, with at most half of the budget, so this event still gets its turn.
    const flush = await flushSpool(spool, client, target, {
      until: Math.min(deadline, startedAt + timeoutMs / 2),
      maxRequestMs: timeoutMs,
      log: warn,
      ledger,
    });
    if (flush.unreachable) {
      markDown(baseUrl);
      return keepAndExit(flush.stoppedBy ?? 'API unreachable', 'unreachable');
    }

    const verdict = await deliver(client, target, entry, Math.max(1, deadline - Date.now()), false, (e, v) => ledger.recordVerdict(e, v));
    if (verdict.kind === 'retry' && verdict.unreachable) markDown(baseUrl);
    else if (verdict.kind !== 'retry') markUp(baseUrl);
    if (verdict.kind !== 'retry') ledger.recordVerdict(entry, verdict);
    if (verdict.kind === 'delivered') {
      inFlight = undefined;
      if (event !== 'session-start') return exit(hookOutput(verdict.body));
      const backlog = (await spool.status()).waiting;
      const checked = await checkStartContext(verdict.body, git, async (report) => {
        await client!.request({
          method: 'POST',
          url: `${target.baseUrl}${apiPaths.staleness()}`,
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
    return keepAndExit(verdict.reason, reasonOf(verdict));
  } catch (err) {
    return emergencyExit(`unexpected error: ${(err as Error).message}`);
  }
}

