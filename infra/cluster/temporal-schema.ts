/**
 * The databases of the cluster profile's Temporal server: created when missing, their schemas set
 * up and brought to the module's latest version by Temporal's own temporal-sql-tool
 * (`cmd/tools/sql`) from go.temporal.io/server's schema/postgresql/v12 folders.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase } from '../../prisma/database-connect.js';
import { ensureGoBinary, type Progress } from '../go-binary.js';
import type { StackProfile } from '../profile.js';
import { TEMPORAL_SERVER, TEMPORAL_SQL_TOOL } from '../versions.js';
import { layoutOf, type TemporalPg } from './temporal-config.js';

function pgUrl(db: TemporalPg, database: string): string {
  const auth = db.password ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}` : encodeURIComponent(db.user);
  return `postgresql://${auth}@${db.host}:${db.port}/${database}`;
}

/** The folder of go.temporal.io/server@version in the Go module cache (downloaded if missing). */
export function temporalModuleDir(): string {
  const ref = `go.temporal.io/server@${TEMPORAL_SERVER.version}`;
  const res = spawnSync('go', ['mod', 'download', '-json', ref], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  if (res.status !== 0) throw new Error(`go mod download ${ref} failed: ${res.stderr || res.stdout}`);
  const dir = (JSON.parse(res.stdout) as { Dir?: string }).Dir;
  if (!dir || !fs.existsSync(path.join(dir, 'schema', 'postgresql', 'v12'))) throw new Error(`${ref} has no schema/postgresql/v12 in the module cache`);
  return dir;
}

function runTool(bin: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    fs.writeSync(log, `\n--- ${new Date().toISOString()} temporal-sql-tool ${args.filter((a) => a !== '--password').join(' ')}\n`);
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    child.once('error', reject);
    child.once('exit', (code) => {
      fs.closeSync(log);
      if (code === 0) resolve();
      else reject(new Error(`temporal-sql-tool ${args.slice(-3).join(' ')} exited with ${code}; see ${logFile}`));
    });
  });
}

async function hasSchemaVersion(url: string): Promise<boolean> {
  // 15 s: the soak's Temporal restart, at load average 40, failed with "timeout expired" (a 3 s connect).
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('public.schema_version') AS t`);
    return rows[0]?.t != null;
  } finally {
    await client.end();
  }
}

/**
 * Creates Temporal's two databases when missing, runs setup-schema (version 0.0) on a new one and
 * update-schema on both (a no-op when they are current). Idempotent.
 */
export async function ensureTemporalSchema(p: StackProfile, db: TemporalPg, progress: Progress): Promise<void> {
  const layout = layoutOf(p).temporal;
  const tool = await ensureGoBinary(TEMPORAL_SQL_TOOL, progress);
  const schemaRoot = path.join(temporalModuleDir(), 'schema', 'postgresql', 'v12');
  fs.mkdirSync(p.logDir, { recursive: true });
  const logFile = path.join(p.logDir, 'temporal-sql-tool.log');
  const common = ['--plugin', 'postgres12', '--endpoint', db.host, '--port', String(db.port), '--user', db.user, ...(db.password ? ['--password', db.password] : [])];
  for (const [database, folder] of [
    [layout.database, 'temporal'],
    [layout.visibilityDatabase, 'visibility'],
  ] as const) {
    const url = pgUrl(db, database);
    if (await ensureDatabase(url)) progress(`temporal-server: created database ${database}`);
    if (!(await hasSchemaVersion(url))) {
      await runTool(tool, [...common, '--database', database, 'setup-schema', '-v', '0.0'], logFile);
      progress(`temporal-server: setup-schema on ${database}`);
    }
    await runTool(tool, [...common, '--database', database, 'update-schema', '-d', path.join(schemaRoot, folder, 'versioned')], logFile);
  }
  progress(`temporal-server: schemas of ${layout.database} and ${layout.visibilityDatabase} are current (schema/postgresql/v12 of go.temporal.io/server ${TEMPORAL_SERVER.version})`);
}
