/**
 * CPU seconds of the machine's processes grouped by their role in the stack (API, worker, Temporal
 * server, Weaviate, PostgreSQL's backends of memflow's database and of Temporal's two and its shared
 * processes, HAProxy, this bench), sampled from /proc every second so that a
 * process killed or restarted meanwhile still counts up to its last sample and its successor counts
 * from its start. `other` is the rest of the machine's busy time (/proc/stat), so the roles and
 * `other` add up to everything the cores did. For runs that kill and restart processes (bench:soak);
 * proc-cpu.ts reads fixed processes.
 */
import fs from 'node:fs';
import { cpuSecondsOf, machineBusySeconds } from './proc-cpu.js';

export const ROLES = [
  'API',
  'worker',
  'Temporal server',
  'Weaviate',
  'PostgreSQL: memflow',
  'PostgreSQL: Temporal',
  'PostgreSQL: shared',
  'HAProxy',
  'memflow relay',
  'agent CLI',
  'bench client',
  'other',
] as const;
export type Role = (typeof ROLES)[number];

function roleOf(pid: number): Role | undefined {
  if (pid === process.pid) return 'bench client';
  let comm: string;
  let cmdline: string;
  try {
    comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
  // A backend's title names its database ("postgres: 15/main: user database host state"); the
  // server's own processes (checkpointer, WAL writer, ...) serve every database.
  if (comm === 'postgres') return /^postgres: \S+: \S+ temporal_/.test(cmdline) ? 'PostgreSQL: Temporal' : /^postgres: \S+: \S+ \S+ (\S+\(|\[local\])/.test(cmdline) ? 'PostgreSQL: memflow' : 'PostgreSQL: shared';
  if (comm === 'haproxy') return 'HAProxy';
  if (comm === 'weaviate-server') return 'Weaviate';
  // The cluster profile's temporal-server-<v>/server, the dev and test stacks' temporal-<v>/temporal server start-dev.
  if (/\/temporal-server-[^/]+\/server |\/temporal-v[^/]+\/temporal server /.test(cmdline)) return 'Temporal server';
  if (/\/api\/main\.[jt]s\b/.test(cmdline)) return 'API';
  if (/\/workers\/main\.[jt]s\b/.test(cmdline)) return 'worker';
  // The relay a developer's machine runs (`memflow relay run`, started by the hooks or `memflow install`).
  if (/ relay run --port \d+/.test(cmdline)) return 'memflow relay';
  // The agent whose session is measured (bench:agent, bench:hosts): its native binary, or its Node entry.
  if (['claude', 'codex', 'copilot', 'gemini', 'opencode'].includes(comm) || /\/node_modules\/@(anthropic-ai\/claude-code|openai\/codex|github\/copilot|google\/gemini-cli)\//.test(cmdline)) return 'agent CLI';
  return undefined;
}

export interface RoleCpuSampler {
  /** Seconds per role (and `other`) from the start, or from the last mark, until now. */
  mark(): Record<Role, number>;
  stop(): void;
}

/** Starts sampling now; each mark() closes one interval and opens the next. */
export function sampleRoleCpu(intervalMs = 1000): RoleCpuSampler {
  /** Per pid: its role (null: none of the stack's, not read again) and its CPU seconds at its last sample. */
  const last = new Map<number, { role: Role | null; cpu: number }>();
  const used = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
  let machineAt = machineBusySeconds();
  const sample = (initial: boolean) => {
    const seen = new Set<number>();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const cpu = cpuSecondsOf(pid);
      if (cpu === undefined) continue;
      // Less CPU than at the last sample: the pid now belongs to another process.
      const prev = last.get(pid);
      const known = prev && prev.cpu <= cpu ? prev : undefined;
      const role = known ? known.role : (roleOf(pid) ?? null);
      seen.add(pid);
      // A process first seen after the start began meanwhile: all its CPU is in this run.
      if (role && !initial) used[role] += cpu - (known?.cpu ?? 0);
      last.set(pid, { role, cpu });
    }
    for (const pid of last.keys()) if (!seen.has(pid)) last.delete(pid);
  };
  sample(true);
  const timer = setInterval(() => sample(false), intervalMs);
  timer.unref();
  return {
    mark() {
      sample(false);
      const machine = machineBusySeconds();
      const out = { ...used };
      // No process has the role `other` (roleOf never answers it): it is what the roles leave of the machine's time.
      out.other = Math.max(0, machine - machineAt - ROLES.reduce((a, r) => a + used[r], 0));
      for (const r of ROLES) used[r] = 0;
      machineAt = machine;
      return out;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
