/**
 * A stack profile names where one local stack keeps its state and which ports it uses. `dev` is what
 * `npm run up` runs; `test` is what `npm test` runs, on other ports and another database so that the
 * suite never touches a developer's data and both can run side by side.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackStateDir } from '../common/stack-settings.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type ProfileName = 'dev' | 'test';

export interface StackProfile {
  name: ProfileName;
  /** Databases, logs and pid files of this profile. */
  stateDir: string;
  logDir: string;
  runDir: string;
  /** Database created on the local PostgreSQL when DATABASE_URL is not set. */
  databaseName: string;
  temporal: { host: string; port: number; uiPort: number; httpPort: number; metricsPort: number; dbFile: string };
  weaviate: {
    host: string;
    httpPort: number;
    grpcPort: number;
    gossipPort: number;
    dataPort: number;
    raftPort: number;
    raftRpcPort: number;
    dataDir: string;
  };
  api: { host: string; port: number };
}

/** Where built binaries are cached: shared by every checkout on this machine, keyed by version. */
export function cacheDir(): string {
  if (process.env.MEMFLOW_CACHE_DIR) return path.resolve(process.env.MEMFLOW_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'memflow');
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} is invalid: must be a port number`);
  return n;
}

/** Port shifts the test profile may use, tried in order (another checkout may hold the first). */
export const TEST_PORT_SHIFTS = [10000, 11000, 12000, 13000, 14000];

/** The test block `stack --profile test` manages: MEMFLOW_TEST_PORT_SHIFT when set, else the first. */
function defaultTestPortShift(): number {
  const pinned = Number(process.env.MEMFLOW_TEST_PORT_SHIFT);
  return TEST_PORT_SHIFTS.includes(pinned) ? pinned : TEST_PORT_SHIFTS[0]!;
}

export function getProfile(name: ProfileName, testPortShift = defaultTestPortShift()): StackProfile {
  const stateDir = stackStateDir(name, process.env.MEMFLOW_STATE_DIR);
  // The test profile shifts every port (by 10000 by default) so it never collides with a dev stack.
  const shift = name === 'test' ? testPortShift : 0;
  const host = '127.0.0.1';
  return {
    name,
    stateDir,
    logDir: path.join(stateDir, 'logs'),
    runDir: path.join(stateDir, 'run'),
    databaseName: name === 'dev' ? 'memflow' : shift === TEST_PORT_SHIFTS[0] ? 'memflow_test' : `memflow_test_${shift}`,
    temporal: {
      host,
      port: 7233 + shift,
      // The dev server's default UI port (8233) is 1000 above the frontend's, so shifted by 1000 it
      // would land on the next test block's frontend: test blocks put the UI just above the frontend.
      uiPort: name === 'test' ? 7236 + shift : 8233,
      httpPort: 7243 + shift,
      metricsPort: 7235 + shift,
      dbFile: path.join(stateDir, 'temporal', 'temporal.db'),
    },
    weaviate: {
      host,
      httpPort: 8080 + shift,
      grpcPort: 50051 + shift,
      gossipPort: 7946 + shift,
      dataPort: 7947 + shift,
      raftPort: 8300 + shift,
      raftRpcPort: 8301 + shift,
      dataDir: path.join(stateDir, 'weaviate'),
    },
    api: { host, port: name === 'test' ? 0 : intFromEnv('MEMFLOW_PORT', 7711) },
  };
}
