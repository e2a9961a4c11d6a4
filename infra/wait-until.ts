/**
 * Waiting for something to be ready: a check polled until it holds, failing with the last lines of
 * the process's log when it does not in time or the process died meanwhile.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './daemon.js';

export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '(no log)';
  }
}

export interface WaitOptions {
  /** What is awaited, for the error; a function is read only when the wait fails (a live screen, a count). */
  what: string | (() => string);
  timeoutMs: number;
  /** When given, fail early if this process dies while we wait. */
  pid?: number;
  logFile?: string;
  intervalMs?: number;
  /** Longest a single check may take before it counts as "not yet" (default 3 s). */
  attemptTimeoutMs?: number;
}

/** Polls `check` until it returns true; fails with the log's tail on timeout or early exit. */
export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const withLog = (msg: string) =>
    opts.logFile ? `${msg}\n--- last lines of ${opts.logFile}:\n${tailFile(opts.logFile)}` : msg;
  const attemptMs = opts.attemptTimeoutMs ?? 3000;
  const what = () => (typeof opts.what === 'function' ? opts.what() : opts.what);
  for (;;) {
    // A probe that hangs (a half-started server) must not hang the wait.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), attemptMs)));
    const ok = await Promise.race([check().catch(() => false), timedOut]);
    clearTimeout(timer);
    if (ok) return;
    if (opts.pid !== undefined && !isAlive(opts.pid)) throw new Error(withLog(`${what()} exited during start-up`));
    if (Date.now() > deadline) throw new Error(withLog(`${what()} was not ready after ${opts.timeoutMs / 1000}s`));
    await sleep(opts.intervalMs ?? 200);
  }
}
