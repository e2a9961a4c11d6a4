import fs from 'node:fs';
import path from 'node:path';
import { backgroundNice, portIsFree, runningPid, startDaemon, stopDaemon, waitUntil } from '../daemon.js';
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
}

/** Refuses to start when another process holds one of our ports, naming the port. */
export async function assertPortsFree(service: string, host: string, ports: number[], p: StackProfile): Promise<void> {
  for (const port of ports) {
    if (!(await portIsFree(host, port))) {
      throw new Error(
        `cannot start ${service}: port ${port} on ${host} is already in use by a process that the ` +
          `'${p.name}' stack did not start (check with \`ss -ltnp 'sport = :${port}'\` and stop it, or stop the other stack)`,
      );
    }
  }
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
      await assertPortsFree(name, def.host(p), def.ports(p), p);
      fs.mkdirSync(def.dataDir(p), { recursive: true });
      // Temporal and Weaviate are background work for the agent's machine: they run niced.
      const pid = startDaemon({ name, command: binary, args: def.args(p), ...(def.env ? { env: def.env(p) } : {}), logFile, pidFile, nice: backgroundNice() });
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
