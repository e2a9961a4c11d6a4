/**
 * What bench/soak.ts needs beyond traffic: restarting the machine's own PostgreSQL server (a fault
 * of the plan), sampling the PostgreSQL connections the cluster profile holds, and finding
 * transaction timeouts (Prisma P2028) in the profile's logs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The soak's own connections are marked with this application_name, so the samples leave them out. */
export const BENCH_APPLICATION_NAME = 'memflow-bench';

/** DATABASE_URL with the bench's application_name. */
export function benchDatabaseUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  u.searchParams.set('application_name', BENCH_APPLICATION_NAME);
  return u.toString();
}

export interface PostgresCluster {
  version: string;
  cluster: string;
  port: number;
}

/**
 * The local PostgreSQL cluster (Debian's pg_ctlcluster) that DATABASE_URL names, when the soak may
 * restart it: it runs as root, the URL names this machine, and pg_lsclusters lists an online cluster
 * on that port. Otherwise the reason it may not.
 */
export async function restartablePostgres(databaseUrl: string): Promise<PostgresCluster | string> {
  if (process.getuid?.() !== 0) return 'the soak does not run as root';
  const u = new URL(databaseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(u.hostname)) return `DATABASE_URL names another machine (${u.hostname})`;
  const port = Number(u.port || 5432);
  let out: string;
  try {
    out = (await run('pg_lsclusters', ['--no-header'], { timeout: 10_000 })).stdout;
  } catch {
    return 'pg_lsclusters is not there (not a Debian-managed PostgreSQL)';
  }
  for (const line of out.split('\n')) {
    const [version, cluster, p, status] = line.trim().split(/\s+/);
    if (version && cluster && Number(p) === port && status === 'online') return { version, cluster, port };
  }
  return `no online cluster on port ${port} in pg_lsclusters`;
}

/** `pg_ctlcluster … restart` (fast mode: sessions are cut, as a crash or a failover would), then waits until it accepts queries. */
export async function restartPostgres(c: PostgresCluster, databaseUrl: string): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', '--mode', 'fast', c.version, c.cluster, 'restart'], { timeout: 120_000 });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept queries 120 s after its restart: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

export interface ConnectionSample {
  at: number;
  /** Client connections to the profile's databases, the bench's own left out. */
  profile: number;
  byDatabase: Record<string, number>;
  /** Every client connection of the server (other stacks on the machine included). */
  server: number;
}

/** Samples pg_stat_activity every `everyMs` until stopped; a failed sample (PostgreSQL restarting) is skipped. */
export function sampleConnections(databaseUrl: string, databases: string[], everyMs = 2000): { samples: ConnectionSample[]; stop(): Promise<void> } {
  const samples: ConnectionSample[] = [];
  let stopped = false;
  let client: pg.Client | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: benchDatabaseUrl(databaseUrl), connectionTimeoutMillis: 2000 });
          c.on('error', () => {});
          await c.connect();
          client = c;
        }
        const { rows } = await client.query<{ datname: string | null; application_name: string; n: string }>(
          `SELECT datname, application_name, count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2`,
        );
        const byDatabase: Record<string, number> = {};
        let profile = 0;
        let server = 0;
        for (const r of rows) {
          const n = Number(r.n);
          server += n;
          if (r.datname && databases.includes(r.datname) && r.application_name !== BENCH_APPLICATION_NAME) {
            profile += n;
            byDatabase[r.datname] = (byDatabase[r.datname] ?? 0) + n;
          }
        }
        samples.push({ at: performance.now(), profile, byDatabase, server });
      } catch {
        await client?.end().catch(() => {});
        client = undefined;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
      await client?.end().catch(() => {});
    },
  };
}

/** Sizes of the log files in `dir` now: scanTransactionTimeouts reads only what is written after. */
export function logOffsets(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.endsWith('.log')) out.set(f, fs.statSync(path.join(dir, f)).size);
  }
  return out;
}

/** Lines written since `offsets` that report a transaction timeout (Prisma P2028, "Transaction already closed"), by file. */
export function scanTransactionTimeouts(dir: string, offsets: Map<string, number>): Record<string, number> {
  const found: Record<string, number> = {};
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!f.endsWith('.log')) continue;
    const file = path.join(dir, f);
    const from = offsets.get(f) ?? 0;
    const size = fs.statSync(file).size;
    if (size <= from) continue;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      const n = buf
        .toString('utf8')
        .split('\n')
        .filter((l) => /P2028|Transaction already closed|expired transaction/.test(l)).length;
      if (n > 0) found[f] = n;
    } finally {
      fs.closeSync(fd);
    }
  }
  return found;
}
