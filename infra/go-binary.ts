/**
 * Builds a pinned server binary from the Go module proxy once per machine and caches it by version
 * under ~/.cache/memflow/bin (MEMFLOW_CACHE_DIR overrides). A warm call is a stat. The build goes to a
 * temporary folder and is renamed into place, so an interrupted build never leaves a broken binary;
 * a lock folder keeps two provisioning runs from building the same thing at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { tailFile } from './wait-until.js';
import { cacheDir } from './profile.js';
import type { GoBinarySpec } from './versions.js';

export type Progress = (line: string) => void;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function cachedBinaryPath(spec: GoBinarySpec): string {
  return path.join(cacheDir(), 'bin', `${spec.name}-${spec.version}`, spec.executable);
}

/** Path of a usable executable for `spec`: the override, the cache, or a fresh build. */
export async function ensureGoBinary(spec: GoBinarySpec, progress: Progress): Promise<string> {
  const override = process.env[spec.overrideEnv];
  if (override) {
    if (!isExecutable(override)) throw new Error(`${spec.overrideEnv}=${override} is not an executable file`);
    return override;
  }
  const target = cachedBinaryPath(spec);
  if (isExecutable(target)) return target;

  const lockDir = `${path.dirname(target)}.lock`;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  await acquireLock(lockDir, spec, progress);
  try {
    if (isExecutable(target)) return target; // built by whoever held the lock
    await build(spec, target, progress);
    return target;
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(lockDir: string, spec: GoBinarySpec, progress: Progress): Promise<void> {
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8').trim() || '0');
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = holder > 0;
    } catch {
      alive = false;
    }
    if (!alive) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!told) progress(`${spec.name}: another process (pid ${holder}) is building it; waiting`);
    told = true;
    await sleep(1000);
  }
}

function goVersion(): string {
  const res = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new Error(
      'the Go toolchain (`go`) is needed to build the Temporal CLI and Weaviate once per machine, and was not found on PATH. ' +
        'Install Go 1.24+ or point MEMFLOW_TEMPORAL_BIN / MEMFLOW_WEAVIATE_BIN at existing binaries.',
    );
  }
  return res.stdout.trim();
}

async function build(spec: GoBinarySpec, target: string, progress: Progress): Promise<void> {
  const go = goVersion();
  const staging = `${path.dirname(target)}.building`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const logDir = path.join(cacheDir(), 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `build-${spec.name}-${spec.version}.log`);
  const log = fs.openSync(logFile, 'w');
  const ref = spec.moduleDir ? `${spec.moduleDir} (${spec.version})` : `${spec.pkg}@${spec.version}`;
  progress(`${spec.name}: building ${ref} with ${go} (first run on this machine; takes minutes). Log: ${logFile}`);

  const started = Date.now();
  // A module of this repository is built in its folder (its go.sum pins the proxy's modules).
  const args = spec.moduleDir ? ['build', '-o', path.join(staging, spec.executable), '.'] : ['install', ref];
  const child = spawn('go', args, {
    env: { ...process.env, GOBIN: staging, CGO_ENABLED: spec.cgo ? '1' : '0', GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', log, log],
    ...(spec.moduleDir ? { cwd: path.join(path.dirname(fileURLToPath(import.meta.url)), '..', spec.moduleDir) } : {}),
  });
  const heartbeat = setInterval(() => {
    progress(`${spec.name}: still building (${Math.round((Date.now() - started) / 1000)}s)`);
  }, 30_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => {
    clearInterval(heartbeat);
    fs.closeSync(log);
  });
  const built = path.join(staging, spec.executable);
  if (code !== 0 || !isExecutable(built)) {
    throw new Error(
      `building ${ref} failed (exit ${code}). Last lines of ${logFile}:\n${tailFile(logFile, 25)}\n` +
        `Set ${spec.overrideEnv} to use an existing binary instead.`,
    );
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(built, target);
  fs.rmSync(staging, { recursive: true, force: true });
  progress(`${spec.name}: built in ${Math.round((Date.now() - started) / 1000)}s -> ${target}`);
}
