// What the prebuilt bundles of the bin share (plain JS: it runs before any TypeScript loader).
//
// `memflow hook` (hook-fast.js) and every other command (cli-fast.js) run from bundles esbuild
// builds out of this checkout's sources, so that a start skips tsx's loader. This module has their
// common parts: esbuild (tsx's own dependency), the cache folder, the key of the checkout, the
// digest of a bundle's inputs and atomic writes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's cli/ folder and root. */
export const cliDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.dirname(cliDir);

/** A short key of a checkout (its cli/ folder's path), so that two checkouts never share a bundle. */
export const checkoutKey = (cli = cliDir) => crypto.createHash('sha256').update(cli).digest('hex').slice(0, 12);

/** $MEMFLOW_CACHE_DIR/cli (default ~/.cache/memflow/cli). */
export function cacheDir() {
  const base = (process.env.MEMFLOW_CACHE_DIR || '').trim() || path.join(os.homedir(), '.cache', 'memflow');
  return path.join(base, 'cli');
}

/** esbuild, as tsx (a dependency of memflow) brings it. */
export function loadEsbuild() {
  return createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
}

/**
 * A digest of Node's version, `salt` (a checkout's path) and each file's name and content (`files`:
 * absolute paths); throws if one cannot be read.
 */
export function digestFiles(files, salt) {
  const h = crypto.createHash('sha256').update(`${process.version}\0${salt}\0`);
  for (const file of files) h.update(`${file}\0`).update(fs.readFileSync(file)).update('\0');
  return h.digest('hex').slice(0, 24);
}

/** Writes `file` whole or not at all (a temp file beside it, renamed). */
export function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** A temp name beside `target` that no other process picks. */
export const tempBeside = (target) => `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
