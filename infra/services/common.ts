import fs from 'node:fs';
import path from 'node:path';
import { adoptDaemon, backgroundNice, processMentions, runningPid, startDaemon, stopDaemon, stopProcess } from '../daemon.js';
import { portHolders, portIsFree } from '../ports.js';
import { waitUntil } from '../wait-until.js';
import { ensureGoBinary, type Progress } from '../go-binary.js';
import type { StackProfile } from '../profile.js';
import type { GoBinarySpec } from '../versions.js';

export interface ServiceStatus {
  name: string;
  /** Pid of the process this profile started, when it runs. */
  pid: number | undefined;
  ready: boolean;
  endpoint: string;
  logFile: string;
}

/** One server of the local stack that this project builds, starts and stops itself. */
export interface ServiceHandle {
  name: string;
  /** Every port this server listens on in the profile. */
  ports(profile: StackProfile): number[];
  ensureBinary(progress: Progress): Promise<string>;
  /** Starts the server unless this profile's instance already runs; waits until it is ready. */
  start(profile: StackProfile, progress: Progress): Promise<{ started: boolean }>;
  /** Returns whether it was running. */
  stop(profile: StackProfile): Promise<boolean>;
  status(profile: StackProfile): Promise<ServiceStatus>;
}

/** What distinguishes one pinned Go server from another. */
export interface GoServerDefinition {
  spec: GoBinarySpec;
  /** Name of this instance (pid and log files); default spec.name. Several nodes share one binary. */
  name?: string;
  /** Every port it listens on (checked free before start). */
  ports(p: StackProfile): number[];
  host(p: StackProfile): string;
  /** Folder created before start (its data). */
  dataDir(p: StackProfile): string;
  args(p: StackProfile): string[];
  env?(p: StackProfile): NodeJS.ProcessEnv;
  endpoint(p: StackProfile): string;
  isReady(p: StackProfile): Promise<boolean>;
  readyTimeoutMs: number;
  /**
   * Whether it runs niced as background work (MEMFLOW_BACKGROUND_NICE); default yes. A service whose
   * latency every session's progress waits on, in a profile with no agent on the machine, says no.
   */
  background?: boolean;
}

const portTaken = (service: string, host: string, port: number, p: StackProfile, holder = '') =>
  new Error(
    `cannot start ${service}: port ${port} on ${host} is already in use by a process that the ` +
      `'${p.name}' stack did not start${holder} (check with \`ss -ltnp 'sport = :${port}'\` and stop it, or stop the other stack)`,
  );

/** Refuses to start when another process holds one of our ports, naming the port. */
export async function assertPortsFree(service: string, host: string, ports: number[], p: StackProfile): Promise<void> {
  await claimPorts(service, host, ports, p, () => false);
}

/**
 * The processes of our own that hold the service's ports (a server whose pid file was lost, or one
 * still shutting down after a stop), told apart by `ours`; refuses, naming the port and its holder,
 * when anything else holds one. A listening socket whose owner is not visible yet (a process that
 * is just exiting) gets a few seconds to go away before it counts as foreign.
 */
export async function claimPorts(service: string, host: string, ports: number[], p: StackProfile, ours: (pid: number) => boolean): Promise<number[]> {
  if (portHolders([]) === undefined) {
    // No /proc socket tables (not Linux): a connect probe, which cannot tell whose the port is.
    for (const port of ports) if (!(await portIsFree(host, port))) throw portTaken(service, host, port, p);
    return [];
  }
  const deadline = Date.now() + 5000;
  for (;;) {
    const held = portHolders(ports)!;
    const own = new Set<number>();
    let unknown: number | undefined;
    for (const port of ports) {
      const h = held.get(port);
      if (!h) continue;
      const foreign = h.pids.find((pid) => !ours(pid));
      if (foreign !== undefined) throw portTaken(service, host, port, p, ` (pid ${foreign}: ${processLabel(foreign)})`);
      if (h.unknownOwner) unknown ??= port;
      h.pids.forEach((pid) => own.add(pid));
    }
    if (unknown === undefined) return [...own];
    if (Date.now() > deadline) throw portTaken(service, host, unknown, p);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function processLabel(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200) || '?';
  } catch {
    return '?';
  }
}

/**
 * Before a start: our own processes found on the service's ports (`lingering`) are either taken
 * back, when exactly one holds them and the service answers ready (its pid file is written again),
 * or stopped so the start can take the ports. Returns the pid taken back, if any.
 */
export async function reclaimOwnProcess(opts: {
  name: string;
  pidFile: string;
  lingering: number[];
  isReady: () => Promise<boolean>;
  progress: Progress;
  ports: () => Map<number, unknown> | undefined;
}): Promise<number | undefined> {
  const { lingering } = opts;
  if (lingering.length === 0) return undefined;
  if (lingering.length === 1 && (await opts.isReady().catch(() => false))) {
    adoptDaemon(opts.pidFile, lingering[0]!);
    opts.progress(`${opts.name}: its own process (pid ${lingering[0]}) was still running without its pid file; taken back`);
    return lingering[0];
  }
  opts.progress(`${opts.name}: stopping its own lingering process(es) ${lingering.join(', ')}, which hold its ports but do not answer`);
  for (const pid of lingering) await stopProcess(pid, 10_000);
  await waitUntil(async () => (opts.ports()?.size ?? 0) === 0, { what: `${opts.name}'s ports released`, timeoutMs: 30_000 });
  return undefined;
}

export function goServerService(def: GoServerDefinition): ServiceHandle {
  const name = def.name ?? def.spec.name;
  const files = (p: StackProfile) => ({
    pidFile: path.join(p.runDir, `${name}.pid`),
    logFile: path.join(p.logDir, `${name}.log`),
  });
  const ready = (p: StackProfile) => def.isReady(p).catch(() => false);
  return {
    name,
    ports: def.ports,
    ensureBinary: (progress) => ensureGoBinary(def.spec, progress),
    async start(p, progress) {
      const { pidFile, logFile } = files(p);
      const binary = await ensureGoBinary(def.spec, progress);
      if (runningPid(pidFile, binary) !== undefined) return { started: false };
      // Ours: this executable, started for this profile (its state folder is in its arguments or
      // environment). Anything else on our ports is refused.
      const lingering = await claimPorts(name, def.host(p), def.ports(p), p, (pid) => processMentions(pid, binary) && processMentions(pid, p.stateDir));
      const reclaimed = await reclaimOwnProcess({ name, pidFile, lingering, isReady: () => def.isReady(p), progress, ports: () => portHolders(def.ports(p)) });
      if (reclaimed !== undefined) return { started: false };
      fs.mkdirSync(def.dataDir(p), { recursive: true });
      // Temporal and Weaviate are background work for the agent's machine: they run niced, unless
      // the definition says otherwise (the cluster profile's Temporal server).
      const nice = def.background === false ? 0 : backgroundNice();
      const pid = startDaemon({ name, command: binary, args: def.args(p), ...(def.env ? { env: def.env(p) } : {}), logFile, pidFile, nice });
      await waitUntil(() => def.isReady(p), { what: `${name} on ${def.endpoint(p)}`, timeoutMs: def.readyTimeoutMs, pid, logFile });
      return { started: true };
    },
    stop: (p) => stopDaemon(files(p).pidFile, def.spec.executable),
    async status(p) {
      const { pidFile, logFile } = files(p);
      const pid = runningPid(pidFile, def.spec.executable);
      return { name, pid, ready: pid !== undefined && (await ready(p)), endpoint: def.endpoint(p), logFile };
    },
  };
}
