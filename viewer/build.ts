/**
 * Builds the web viewer (viewer/src, Preact) with esbuild into dist/viewer: index.html and
 * content-hashed assets (one script, one stylesheet), served by the API under /ui. Fast (well under a
 * second) and skipped when nothing it reads changed (a stamp of the sources' hash), so `npm run up`
 * and `npm test` run it on every start. `npm run build:viewer` runs it alone (`--force` rebuilds).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const viewerOutDir = path.join(root, 'dist', 'viewer');
const srcDir = path.join(here, 'src');

/** What the bundle takes from outside viewer/src: the API client's zod-free core and the readable-text helpers. */
const sharedInputs = [path.join(root, 'clients', 'core.ts'), path.join(root, 'clients', 'readable.ts')];

/** A hash of every input: the sources, this script, and the locked versions of the bundled packages. */
function inputsHash(): string {
  const h = crypto.createHash('sha256');
  const files = fs.readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => !fs.statSync(path.join(srcDir, f)).isDirectory()).sort();
  for (const f of files) h.update(f).update(fs.readFileSync(path.join(srcDir, f)));
  for (const f of sharedInputs) h.update(path.relative(root, f)).update(fs.readFileSync(f));
  h.update(fs.readFileSync(fileURLToPath(import.meta.url)));
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  for (const p of ['node_modules/preact', 'node_modules/esbuild']) h.update(`${p}@${lock.packages[p]?.version ?? '?'}`);
  return h.digest('hex');
}

const page = (script: string, style: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memflow</title>
<link rel="stylesheet" href="/ui/assets/${style}">
<script type="module" src="/ui/assets/${script}"></script>
</head>
<body>
<div id="app"><main class="boot"><p>Loading memflow…</p></main></div>
<noscript>The memflow viewer needs JavaScript.</noscript>
</body>
</html>
`;

export async function buildViewer(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<{ built: boolean; ms: number; bytes: number }> {
  const t0 = performance.now();
  const hash = inputsHash();
  const stampFile = path.join(viewerOutDir, '.stamp');
  const size = () => fs.readdirSync(path.join(viewerOutDir, 'assets')).reduce((n, f) => n + fs.statSync(path.join(viewerOutDir, 'assets', f)).size, 0);
  if (!opts.force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash && fs.existsSync(path.join(viewerOutDir, 'index.html'))) {
    return { built: false, ms: performance.now() - t0, bytes: size() };
  }
  fs.rmSync(viewerOutDir, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(srcDir, 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: path.join(viewerOutDir, 'assets'),
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: path.join(here, 'tsconfig.json'),
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f));
  const script = outputs.find((f) => f.endsWith('.js'));
  const style = outputs.find((f) => f.endsWith('.css'));
  if (!script || !style) throw new Error(`viewer build: expected a script and a stylesheet, got ${outputs.join(', ')}`);
  fs.writeFileSync(path.join(viewerOutDir, 'index.html'), page(script, style));
  fs.writeFileSync(stampFile, hash);
  const out = { built: true, ms: performance.now() - t0, bytes: size() };
  opts.log?.(`viewer: built ${script} and ${style} (${(out.bytes / 1024).toFixed(1)} KiB) in ${out.ms.toFixed(0)} ms`);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildViewer({ force: process.argv.includes('--force'), log: console.log }).then(
    (r) => {
      if (!r.built) console.log(`viewer: up to date (dist/viewer, ${(r.bytes / 1024).toFixed(1)} KiB)`);
    },
    (err: Error) => {
      console.error(`memflow build:viewer: ${err.message}`);
      process.exit(1);
    },
  );
}
