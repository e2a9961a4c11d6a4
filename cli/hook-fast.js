// The fast path of `memflow hook` (plain JS: it runs before any TypeScript loader).
//
// Claude Code starts the hook client on every tool call, and registering tsx's loader costs
// several hundred milliseconds. So hook-main.ts and what it imports (node built-ins only) are
// bundled once with esbuild (tsx's own dependency) into $MEMFLOW_CACHE_DIR/cli (default
// ~/.cache/memflow/cli) and imported from there. The bundle is keyed by a hash of its exact
// inputs (from esbuild's metafile), Node's version and this checkout's path, so any change to
// those sources rebuilds it on the next hook. Any failure returns undefined and memflow.js falls
// back to tsx: slower, never wrong. MEMFLOW_HOOK_BUNDLE=0 turns the fast path off. (What it shares
// with the bundle of the other commands, cli-fast.js: prebuilt.js.)
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, checkoutKey, cliDir as here, digestFiles, loadEsbuild, repoRoot as root, writeAtomic } from './prebuilt.js';

const checkout = checkoutKey();
const digest = (inputs) => digestFiles(inputs, here);

function build(dir, manifestPath) {
  const esbuild = loadEsbuild();
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [path.join(here, 'hook-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.json'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f)).sort();
  const hash = digest(inputs);
  const bundle = `hook-${checkout}-${hash}.mjs`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomic(path.join(dir, bundle), result.outputFiles[0].contents);
  writeAtomic(manifestPath, JSON.stringify({ hash, inputs, bundle }));
  return path.join(dir, bundle);
}

/** The bundled hook-main module, or undefined (use tsx). */
export async function loadHookBundle() {
  if (process.env.MEMFLOW_HOOK_BUNDLE === '0') return undefined;
  try {
    const dir = cacheDir();
    const manifestPath = path.join(dir, `hook-${checkout}.json`);
    let bundle;
    try {
      const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
      if (Array.isArray(m.inputs) && m.hash === digest(m.inputs) && fs.existsSync(path.join(dir, m.bundle))) bundle = path.join(dir, m.bundle);
    } catch {
      // no manifest yet, or an input is gone: build
    }
    bundle ??= build(dir, manifestPath);
    const mod = await import(pathToFileURL(bundle).href);
    return typeof mod.main === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}
