/**
 * Generates Prisma Client into generated/prisma, offline and only when needed.
 *
 * The Prisma CLI refuses to start unless PRISMA_SCHEMA_ENGINE_BINARY names an existing executable,
 * even for `generate`, which never runs it; the real engine cannot be downloaded here, so we point
 * it at infra/prisma-engine-stub.sh. A hash of the schema and the Prisma versions is stored beside
 * the output (generated/prisma/.schema-hash) so warm runs skip the ~5 s generate step.
 *
 * Usage: `npm run generate` (add --force to regenerate), or `await ensurePrismaClient()`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = path.join(ROOT, 'prisma', 'schema.prisma');
const OUTPUT = path.join(ROOT, 'generated', 'prisma');
const HASH_FILE = path.join(OUTPUT, '.schema-hash');
const STUB = path.join(ROOT, 'infra', 'prisma-engine-stub.sh');
const PRISMA_BIN = path.join(ROOT, 'node_modules', '.bin', 'prisma');

export interface EnsurePrismaClientOptions {
  /** Regenerate even when the stored hash matches. */
  force?: boolean;
  log?: (line: string) => void;
}

async function packageVersion(name: string): Promise<string> {
  const file = path.join(ROOT, 'node_modules', ...name.split('/'), 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** What the generated client depends on: the schema text and the generator and runtime versions. */
async function currentHash(): Promise<string> {
  const [schema, cli, client] = await Promise.all([
    readFile(SCHEMA),
    packageVersion('prisma'),
    packageVersion('@prisma/client'),
  ]);
  return createHash('sha256')
    .update(schema)
    .update(`\0prisma@${cli}\0@prisma/client@${client}`)
    .digest('hex');
}

async function storedHash(): Promise<string | null> {
  try {
    return (await readFile(HASH_FILE, 'utf8')).trim();
  } catch {
    return null;
  }
}

function runPrismaGenerate(): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!existsSync(PRISMA_BIN)) {
      reject(new Error(`${path.relative(ROOT, PRISMA_BIN)} not found; run npm install first`));
      return;
    }
    // Keep a real engine if the user configured one; otherwise satisfy the CLI's check with the stub.
    const configured = process.env['PRISMA_SCHEMA_ENGINE_BINARY'];
    const engine = configured && existsSync(configured) ? configured : STUB;
    void realpath(PRISMA_BIN).then((cli) => {
      const child = spawn(process.execPath, [cli, 'generate', '--schema', SCHEMA], {
        cwd: ROOT,
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: engine,
          // No version check or telemetry request: there is no internet to answer it.
          CHECKPOINT_DISABLE: '1',
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else {
          const tail = output.trim().split('\n').slice(-15).join('\n');
          reject(new Error(`prisma generate exited with code ${code}:\n${tail}`));
        }
      });
    }, reject);
  });
}

/**
 * Generates the client unless generated/prisma already matches the schema and Prisma version.
 * Takes options, or just a log function.
 */
export async function ensurePrismaClient(
  optsOrLog: EnsurePrismaClientOptions | ((line: string) => void) = {},
): Promise<void> {
  const opts = typeof optsOrLog === 'function' ? { log: optsOrLog } : optsOrLog;
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const hash = await currentHash();
  const fresh = existsSync(path.join(OUTPUT, 'client.ts')) && (await storedHash()) === hash;
  if (fresh && !opts.force) {
    log(`prisma client: up to date (${path.relative(ROOT, OUTPUT)}, schema hash ${hash.slice(0, 12)})`);
    return;
  }
  // Forget the old hash first so an interrupted generate is never mistaken for a fresh one.
  await rm(HASH_FILE, { force: true });
  const started = Date.now();
  await runPrismaGenerate();
  await writeFile(HASH_FILE, `${hash}\n`);
  log(
    `prisma client: generated ${path.relative(ROOT, OUTPUT)} in ${Date.now() - started} ms ` +
      `(schema hash ${hash.slice(0, 12)})`,
  );
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  ensurePrismaClient({ force: process.argv.includes('--force') }).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`memflow: prisma generate failed: ${message}\n`);
    process.exit(1);
  });
}
