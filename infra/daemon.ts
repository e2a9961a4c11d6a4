/**
 * Background processes of the local stack: started detached with a log file and a pid file, found
 * again by a later command (a pid file alone is not trusted: the pid must still run the same
 * executable), stopped with SIGTERM and, after a grace period, SIGKILL. Ports are ports.ts; waiting
 * for a started process to be ready is wait-until.ts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStackConfig } from '../common/server/config.js';

export interface DaemonSpec {
  /** Short name for messages, pid and log files. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  pidFile: string;
  /**
   * Run at this niceness (through `nice`, so every thread of the process has it from the start; a
   * renice after the spawn would miss the threads a runtime starts before main).
   */
  nice?: number;
  /**
   * Nice its scheduling group too (niceSessionGroup): for work nobody waits on (the worker's summaries). Temporal and
   * Weaviate are niced as threads only: the API waits on them (a session's workflow, the search's vector leg).
   */
  niceGroup?: boolean;
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Whether the process runs (a zombie does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/** The pid of the daemon when its pid file points at a live process still running `marker`. */
export function runningPid(pidFile: string, marker: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const cmdline = cmdlineOf(pid);
  if (cmdline !== undefined && !cmdline.includes(marker)) return undefined;
  return pid;
}

/** The niceness of the stack's background processes (MEMFLOW_BACKGROUND_NICE; see common/server/config.ts). */
export function backgroundNice(env: NodeJS.ProcessEnv = process.env): number {
  return parseStackConfig(env).MEMFLOW_BACKGROUND_NICE;
}

/**
 * A niced process's scheduling group (Linux's autogroup of its session) given the same niceness. A daemon runs in a
 * session of its own (detached: setsid), and where the kernel groups sessions for the scheduler
 * (CONFIG_SCHED_AUTOGROUP, on by default in desktop distributions and on this project's test machines), a thread's
 * niceness counts only against the threads of its own group: a worker at nice 10 in its own session weighed as much
 * as the agent's whole session (measured here: two CPU-bound processes at nice 19, each in a session of its own, took
 * two thirds of the two cores from two at nice 0 in one session; docs/operations.md). Raising a group's niceness needs
 * no privilege, but the kernel takes one change per 100 ms without CAP_SYS_ADMIN (EAGAIN): retried. Where there is no
 * autogroup (not Linux, a kernel without it) nothing changes; `false` then. A process in a CPU cgroup other than the root (most containers) is not scheduled by its autogroup: the write then changes nothing.
 */
export function niceSessionGroup(pid: number, nice: number): boolean {
  if (process.platform !== 'linux' || nice <= 0) return false;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 110);
    }
  }
  return false;
}

export function startDaemon(spec: DaemonSpec): number {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const log = fs.openSync(spec.logFile, 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} starting ${spec.name}${spec.nice ? ` (nice ${spec.nice})` : ''}: ${spec.command} ${spec.args.join(' ')}\n`);
  const command = spec.nice ? 'nice' : spec.command;
  const args = spec.nice ? ['-n', String(spec.nice), spec.command, ...spec.args] : spec.args;
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  if (spec.nice && spec.niceGroup) niceSessionGroup(child.pid, spec.nice);
  fs.writeFileSync(spec.pidFile, `${child.pid}\n`);
  return child.pid;
}

/** Stops the daemon if it runs; returns whether it was running. */
export async function stopDaemon(pidFile: string, marker: string, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(pidFile, marker);
  fs.rmSync(pidFile, { force: true });
  if (pid === undefined) return false;
  await stopProcess(pid, graceMs);
  return true;
}

/** SIGTERM to the process (and its group), SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopProcess(pid: number, graceMs = 15_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

/** Records `pid` as the daemon's (a running process of ours found without its pid file). */
export function adoptDaemon(pidFile: string, pid: number): void {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, `${pid}\n`);
}

/**
 * When the process started (ms since the epoch), from /proc: its start in clock ticks after boot
 * (USER_HZ, 100 on Linux) against the time since boot now (/proc/uptime, to 10 ms; /proc/stat's boot
 * time is whole seconds); undefined when it cannot be read.
 */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptimeS = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(ticks) && Number.isFinite(uptimeS) ? Date.now() - (uptimeS * 1000 - ticks * 10) : undefined;
  } catch {
    return undefined;
  }
}

/** `pid` and every process under it (children of children too), from /proc. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** Whether the process's command line or its environment at start contains `text` (a path, a port). */
export function processMentions(pid: number, text: string): boolean {
  if (cmdlineOf(pid)?.includes(text)) return true;
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((v) => v.includes(text));
  } catch {
    return false;
  }
}

/** Daemons lead their own process group (detached); signal the group so helpers die with them. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
