/**
 * Background processes of the local stack: started detached with a log file and a pid file, found
 * again by a later command (a pid file alone is not trusted: the pid must still run the same
 * executable), stopped with SIGTERM and, after a grace period, SIGKILL.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
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

function isAlive(pid: number): boolean {
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

/** Whether the process's command line or its environment at start contains `text` (a path, a port). */
export function processMentions(pid: number, text: string): boolean {
  if (cmdlineOf(pid)?.includes(text)) return true;
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((v) => v.includes(text));
  } catch {
    return false;
  }
}

/** Who listens on a TCP port: the pids found, and whether a listening socket has no owner we can see. */
export interface PortHolders {
  pids: number[];
  unknownOwner: boolean;
}

/**
 * The processes listening on each of `ports` (TCP, any local address; ports nobody listens on are
 * absent), read from /proc/net/tcp{,6} and the processes' open file descriptors. Unlike a connect
 * probe it cannot mistake a slow answer on a loaded machine for a taken port, and it names the
 * holder. Undefined where /proc has no socket tables (not Linux): callers fall back to portIsFree.
 */
export function portHolders(ports: number[]): Map<number, PortHolders> | undefined {
  const wanted = new Set(ports);
  const portOfInode = new Map<string, number>();
  let tables = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
      tables++;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: LISTEN
      const local = f[1]!;
      const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (wanted.has(port) && f[9] !== '0') portOfInode.set(f[9]!, port);
    }
  }
  if (tables === 0) return undefined;
  const ownersOf = new Map<string, Set<number>>([...portOfInode.keys()].map((inode) => [inode, new Set<number>()]));
  if (portOfInode.size > 0) {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        } catch {
          continue;
        }
        ownersOf.get(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? '')?.add(Number(entry));
      }
    }
  }
  const out = new Map<number, PortHolders>();
  for (const [inode, port] of portOfInode) {
    const holders = out.get(port) ?? { pids: [], unknownOwner: false };
    const owners = ownersOf.get(inode)!;
    if (owners.size === 0) holders.unknownOwner = true;
    for (const pid of owners) if (!holders.pids.includes(pid)) holders.pids.push(pid);
    out.set(port, holders);
  }
  return out;
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

/** A port nothing listens on (bound on 127.0.0.1, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when nothing accepts connections on host:port. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

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
