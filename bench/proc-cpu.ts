/**
 * CPU time of the stack's processes from /proc (Linux): user + system seconds per process (its
 * threads included), of every PostgreSQL process on the machine together (an upper bound: the
 * server is shared with other databases), and of a changing set of processes such as the backends
 * serving one database.
 */
import fs from 'node:fs';
import { processTree } from '../infra/daemon.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime and stime of one process, in seconds; undefined when it is gone. */
export function cpuTimesOf(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in seconds; undefined when it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  const t = cpuTimesOf(pid);
  return t && t.user + t.system;
}

/** CPU seconds of every process whose command name is `comm` (e.g. postgres), together. */
export function cpuSecondsOfCommand(comm: string): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    total += cpuSecondsOf(Number(entry)) ?? 0;
  }
  return total;
}

export type CpuProbe = Record<string, () => number | undefined>;

/** Takes a reading of every probe now; the returned function gives seconds used since, per probe. */
export function cpuSince(probes: CpuProbe): () => Record<string, number | undefined> {
  const start = Object.fromEntries(Object.entries(probes).map(([k, f]) => [k, f()]));
  return () =>
    Object.fromEntries(
      Object.entries(probes).map(([k, f]) => {
        const a = start[k];
        const b = f();
        // Less than at the start: processes of the set exited meanwhile (other work's backends), so
        // the difference says nothing; shown as unknown rather than as a negative cost.
        return [k, a === undefined || b === undefined || b < a ? undefined : b - a];
      }),
    );
}

/** CPU seconds (user + system) of this process so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Busy CPU seconds of the whole machine (all cores; idle and iowait excluded), from /proc/stat. */
export function machineBusySeconds(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const busy = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
  return busy / TICKS_PER_SECOND;
}

export const loadAverage = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * CPU seconds of a changing set of processes (e.g. the PostgreSQL backends of one database) since
 * start(): processes seen at the end but not at the start count whole (they began meanwhile).
 */
export async function cpuOfProcessSet(list: () => Promise<number[]>): Promise<() => Promise<number>> {
  const start = new Map((await list()).map((pid) => [pid, cpuSecondsOf(pid) ?? 0]));
  return async () => {
    let total = 0;
    for (const pid of new Set([...start.keys(), ...(await list())])) total += (cpuSecondsOf(pid) ?? start.get(pid) ?? 0) - (start.get(pid) ?? 0);
    return total;
  };
}

/** Resident memory (VmRSS, MB) of `pid` and every process under it, and their command names. */
export function treeRss(pid: number): { mb: number; processes: string[] } {
  let kb = 0;
  const processes: string[] = [];
  for (const p of processTree(pid)) {
    try {
      kb += Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      processes.push(fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim());
    } catch {
      // gone meanwhile
    }
  }
  return { mb: kb / 1024, processes };
}
