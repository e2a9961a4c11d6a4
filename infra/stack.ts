/**
 * The local stack of one profile: PostgreSQL database, Temporal dev server and Weaviate, started in
 * parallel (binaries built on first use), migrated, and described as the environment that memflow's
 * processes need. Servers named by the environment (TEMPORAL_ADDRESS, WEAVIATE_URL, DATABASE_URL) are
 * used as they are instead of being started.
 *
 *   npm run stack -- start|stop|status [--profile dev|test]
 */
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { ensureDatabase } from '../prisma/database-connect.js';
import { applyMigrations } from '../prisma/migrate.js';
import { portIsFree } from './ports.js';
import { waitUntil } from './wait-until.js';
import { ensurePrismaClient } from './prisma-generate.js';
import { assertPostgresReachable, redactUrl, resolveDatabaseUrl } from './postgres.js';
import { haproxyService } from './cluster/haproxy.js';
import { temporalServerService } from './cluster/temporal-server.js';
import { weaviateNodeServices } from './cluster/weaviate-nodes.js';
import { getProfile, PROFILE_NAMES, TEST_PORT_SHIFTS, type ProfileName, type StackProfile } from './profile.js';
import type { ServiceHandle } from './services/common.js';
import { temporalAddress, temporalIsReady, temporalService } from './services/temporal.js';
import { weaviateApiKey, weaviateIsReady, weaviateService, weaviateUrl } from './services/weaviate.js';

import { readStackSettings, writeStackSettings, type StackEnv } from '../common/workspace/stack-settings.js';
import { parseStackConfig } from '../common/server/config.js';

export type Log = (line: string) => void;

export type { StackEnv };

export interface StackStartResult {
  env: StackEnv;
  /** Services this call started (and so the caller may stop). */
  started: string[];
}

const managed: ServiceHandle[] = [temporalService, weaviateService];

/**
 * The cluster profile's servers: the Temporal server (its databases on memflow's PostgreSQL server),
 * three Weaviate nodes, and HAProxy in front of the Weaviate nodes and the API replicas.
 */
const clusterTemporal = temporalServerService(() => resolveDatabaseUrl(getProfile('cluster')).url);
const clusterManaged: ServiceHandle[] = [clusterTemporal, ...weaviateNodeServices, haproxyService];

/** Every server the profile runs itself. */
export const servicesOf = (p: Pick<StackProfile, 'name'>): ServiceHandle[] => (p.name === 'cluster' ? clusterManaged : managed);

/** Which part of the stack a service is: what TEMPORAL_ADDRESS or WEAVIATE_URL replaces. */
const replacedBy = (s: ServiceHandle, env: NodeJS.ProcessEnv): boolean =>
  s.name.startsWith('temporal') ? Boolean(env.TEMPORAL_ADDRESS) : s.name.startsWith('weaviate') ? Boolean(env.WEAVIATE_URL) : false;

/** Services the environment does not replace with an existing server. */
function localServices(env: NodeJS.ProcessEnv, p: Pick<StackProfile, 'name'> = { name: 'dev' }): ServiceHandle[] {
  return servicesOf(p).filter((s) => !replacedBy(s, env));
}

/** Names of the servers this stack starts itself (not replaced by the environment). */
export const managedServices = (env: NodeJS.ProcessEnv = process.env, p: Pick<StackProfile, 'name'> = { name: 'dev' }) =>
  localServices(env, p).map((s) => s.name);

export function stackEnv(p: StackProfile, env: NodeJS.ProcessEnv = process.env): StackEnv {
  // Our own Weaviate's key, or the user's (if any) for a Weaviate they named.
  const weaviateKey = env.WEAVIATE_URL ? env.WEAVIATE_API_KEY : weaviateApiKey(p);
  return {
    DATABASE_URL: resolveDatabaseUrl(p, env).url,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || temporalAddress(p),
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE || 'default',
    WEAVIATE_URL: env.WEAVIATE_URL || weaviateUrl(p),
    WEAVIATE_GRPC_PORT: env.WEAVIATE_GRPC_PORT || String(p.weaviate.grpcPort),
    ...(weaviateKey ? { WEAVIATE_API_KEY: weaviateKey } : {}),
  };
}

export async function startStack(p: StackProfile, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<StackStartResult> {
  const t0 = Date.now();
  const out = stackEnv(p, env);
  const started: string[] = [];
  const services = localServices(env, p);

  const database = (async () => {
    await assertPostgresReachable(out.DATABASE_URL);
    await ensurePrismaClient((l) => log(`prisma: ${l}`));
    if (await ensureDatabase(out.DATABASE_URL)) log(`postgres: created database ${redactUrl(out.DATABASE_URL)}`);
    const { applied } = await applyMigrations(out.DATABASE_URL, { log: (l) => log(`postgres: ${l}`) });
    log(`postgres: ready at ${redactUrl(out.DATABASE_URL)} (${applied.length} migration(s) applied)`);
  })();

  // Build both binaries in parallel (the only slow part, and only on a new machine), then start both.
  const servers = Promise.all(
    services.map(async (s) => {
      const t = Date.now();
      const { started: didStart } = await s.start(p, (l) => log(l));
      if (didStart) started.push(s.name);
      log(`${s.name}: ${didStart ? 'started' : 'already running'} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    }),
  );
  const externalChecks = Promise.all([
    env.TEMPORAL_ADDRESS
      ? waitUntil(() => temporalIsReady(out.TEMPORAL_ADDRESS, out.TEMPORAL_NAMESPACE), {
          what: `Temporal at ${out.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`,
          timeoutMs: 15_000,
        })
      : undefined,
    env.WEAVIATE_URL
      ? waitUntil(() => weaviateIsReady(out.WEAVIATE_URL), { what: `Weaviate at ${out.WEAVIATE_URL} (WEAVIATE_URL)`, timeoutMs: 15_000 })
      : undefined,
  ]);

  const results = await Promise.allSettled([database, servers, externalChecks]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    // Leave nothing half-started behind a failed start.
    for (const name of started) await servicesOf(p).find((s) => s.name === name)?.stop(p);
    throw new Error(failures.map((e) => e.message).join('\n'));
  }
  // Where the stack is, for the CLI's operator commands run from the checkout (common/workspace/stack-settings.ts).
  writeStackSettings(p.stateDir, { ...out, MEMFLOW_URL: `http://${p.api.host}:${p.api.port}` });
  log(`stack '${p.name}' ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return { env: out, started };
}

/** Stops the named services (default: all that this profile manages). */
export async function stopStack(p: StackProfile, log: Log, only?: string[]): Promise<void> {
  for (const s of servicesOf(p)) {
    if (only && !only.includes(s.name)) continue;
    const was = await s.stop(p);
    log(`${s.name}: ${was ? 'stopped' : 'was not running'}`);
  }
}

/**
 * The test profile on the first block of ports that is either free or already held by this
 * checkout's own test stack, so several checkouts on one machine can run `npm test` at once.
 */
export async function chooseTestProfile(log: Log): Promise<StackProfile> {
  // MEMFLOW_TEST_PORT_SHIFT pins one block (parallel checkouts on one machine each take their own).
  const shift = parseStackConfig().MEMFLOW_TEST_PORT_SHIFT;
  if (shift !== undefined) {
    if (!TEST_PORT_SHIFTS.includes(shift)) throw new Error(`MEMFLOW_TEST_PORT_SHIFT is invalid: must be one of ${TEST_PORT_SHIFTS.join(', ')}`);
    return getProfile('test', shift);
  }
  for (const shift of TEST_PORT_SHIFTS) {
    const p = getProfile('test', shift);
    const statuses = await Promise.all(managed.map((s) => s.status(p)));
    // Ours, already running on this block (another checkout's stack may hold this block's ports).
    if (statuses.some((s) => s.pid !== undefined) && readStackSettings(p.stateDir)?.TEMPORAL_ADDRESS === temporalAddress(p)) return p;
    const ports = managed.flatMap((s) => s.ports(p));
    const free = await Promise.all(ports.map((port) => portIsFree(p.temporal.host, port)));
    if (free.every(Boolean)) {
      if (shift !== TEST_PORT_SHIFTS[0]) log(`ports of the default test block are taken; using the block shifted by ${shift}`);
      return p;
    }
  }
  throw new Error(`every test port block (shifts ${TEST_PORT_SHIFTS.join(', ')}) is taken by other processes; stop other test stacks`);
}

export async function stackStatus(p: StackProfile) {
  return Promise.all(servicesOf(p).map((s) => s.status(p)));
}

async function main(argv: string[]): Promise<void> {
  const profileOpt = new Option('--profile <name>', 'stack profile').choices([...PROFILE_NAMES]).default('dev');
  const program = new Command('stack').description('Start, stop or inspect the local memflow stack');
  const log: Log = (l) => console.log(l);
  program
    .command('start')
    .addOption(profileOpt)
    .action(async (o: { profile: ProfileName }) => {
      const { env } = await startStack(getProfile(o.profile), log);
      for (const [k, v] of Object.entries(env)) {
        if (k === 'WEAVIATE_API_KEY') continue;
        console.log(`${k}=${k === 'DATABASE_URL' ? redactUrl(v) : v}`);
      }
    });
  program
    .command('stop')
    .addOption(profileOpt)
    .action(async (o: { profile: ProfileName }) => stopStack(getProfile(o.profile), log));
  program
    .command('status')
    .addOption(profileOpt)
    .action(async (o: { profile: ProfileName }) => {
      for (const s of await stackStatus(getProfile(o.profile))) {
        const state = s.pid === undefined ? 'stopped' : s.ready ? 'ready' : 'starting/unhealthy';
        console.log(`${s.name.padEnd(o.profile === 'cluster' ? 15 : 9)} ${state.padEnd(18)} pid=${s.pid ?? '-'} ${s.endpoint} log=${s.logFile}`);
      }
      if (o.profile === 'cluster') {
        // Loaded on demand by this command line only; cluster/up.ts builds on startStack, not on the CLI.
        // eslint-disable-next-line import-x/no-cycle
        const { clusterAppStatus } = await import('./cluster/up.js');
        for (const line of await clusterAppStatus(getProfile('cluster'))) console.log(line);
      }
    });
  await program.parseAsync(argv);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv).catch((err: Error) => {
    console.error(`memflow stack: ${err.message}`);
    process.exit(1);
  });
}
