// The fast path of every `memflow` command but `hook` and `relay run` (plain JS: it runs before any
// TypeScript loader).
//
// Registering tsx's loader and loading cli/main.ts through it costs ~0.6 s of CPU a start; the same
// command from a bundle ~0.2 s. So cli/main.ts is bundled with esbuild (tsx's own dependency) the
// way the client package is (cli/package/build.ts: npm packages inside, code splitting keeps the
// lazy imports lazy, no server package, bundle-rules.js), with three differences:
// - the operator commands (cli/operator.ts: Prisma, the generated client) are a stub whose every
//   export registers tsx and calls the real module's;
// - `import.meta.url` in this checkout's own files keeps naming the original file (the bundle lives
//   elsewhere, and stack-settings.ts, the relay's lifecycle, ... find files beside theirs);
// - linked source maps, so that coverage and stack traces map back to the sources.
//
// Where: <checkout>/.memflow/cli-bundle (the tests give every client home a cache folder of its own,
// and would build it once per home), or $MEMFLOW_CACHE_DIR/cli/bundle-<checkout> when the checkout
// is not writable. A folder per build, named by the digest of its inputs: this checkout's files it
// was built from, package-lock.json (for every package), tsconfig.json, these build rules, Node's
// version and the checkout's path; manifest.json names the current one and is written last, so
// builders that race each write a whole folder and one wins. Any failure returns undefined and
// memflow.js falls back to tsx: slower, never wrong. MEMFLOW_CLI_BUNDLE=0 turns the fast path off.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheDir, checkoutKey, cliDir, digestFiles, loadEsbuild, repoRoot, tempBeside, writeAtomic } from './prebuilt.js';
import { BUNDLE_OPTIONS, exportedFunctions, isServerOnly, operatorOnly } from './package/bundle-rules.js';

/** The build's own rules: a change to them is a change to every bundle. */
const RULES = [fileURLToPath(import.meta.url), path.join(cliDir, 'prebuilt.js'), path.join(cliDir, 'package', 'bundle-rules.js')];
/** Old builds are removed this long after they were made (a long-running `memflow mcp` may still load their chunks). */
const KEEP_OLD_MS = 24 * 3600_000;

/** Where the bundles of the checkout at `root` live. */
export function bundleHome(root = repoRoot) {
  try {
    fs.accessSync(root, fs.constants.W_OK);
    return path.join(root, '.memflow', 'cli-bundle');
  } catch {
    return path.join(cacheDir(), `bundle-${checkoutKey(path.join(root, 'cli'))}`);
  }
}

/** The files a build's digest covers besides its inputs from the checkout. */
const fixedInputs = (root) => [path.join(root, 'package-lock.json'), path.join(root, 'tsconfig.json'), ...RULES];
const digest = (root, inputs) => digestFiles([...fixedInputs(root), ...inputs.map((f) => path.join(root, f))], root);

/** The entry of the current build in `dir`, if its inputs are unchanged. */
function current(root, dir) {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    if (!Array.isArray(m.inputs) || typeof m.hash !== 'string' || m.hash !== digest(root, m.inputs)) return undefined;
    const entry = path.join(dir, m.hash, 'main.mjs');
    return fs.existsSync(entry) ? entry : undefined;
  } catch {
    return undefined; // no manifest yet, or an input is gone: build
  }
}

/** The esbuild plugin of the bin's bundle of the checkout at `root`. */
function cliPlugin(root) {
  const cli = path.join(root, 'cli');
  const operator = { [path.join(cli, 'operator.ts')]: '' };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  return {
    name: 'memflow-cli',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        isServerOnly(args.path) ? { errors: [{ text: `the CLI's bundle must not carry the server's package ${args.path} (imported by ${path.relative(root, args.importer)})` }] } : undefined,
      );
      build.onResolve({ filter: /^\./ }, (args) => {
        const file = operatorOnly(args.path, args.resolveDir, operator);
        return file ? { path: file, namespace: 'operator-stub' } : undefined;
      });
      // What the stub imports at run time: tsx and the real module.
      build.onResolve({ filter: /^file:/, namespace: 'operator-stub' }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'operator-stub' }, (args) => {
        const names = exportedFunctions(fs.readFileSync(args.path, 'utf8'));
        const real = JSON.stringify(pathToFileURL(args.path).href);
        const output = path.join(cli, 'output.ts');
        // A CliError the real module throws is of tsx's copy of output.ts: rethrown as the bundle's,
        // main.ts reports it as it would have without the bundle.
        const contents = `import { CliError } from ${JSON.stringify(output)};
let loaded;
const load = () => (loaded ??= import(${JSON.stringify(tsxApi)}).then(({ register }) => {
  register({ tsconfig: ${JSON.stringify(path.join(root, 'tsconfig.json'))} });
  return Promise.all([import(${real}), import(${JSON.stringify(pathToFileURL(output).href)})]);
}));
const call = (name) => async (...args) => {
  const [mod, output] = await load();
  try {
    return await mod[name](...args);
  } catch (err) {
    if (!(err instanceof output.CliError)) throw err;
    const own = new CliError(err.message, err.exitCode);
    own.stack = err.stack;
    throw own;
  }
};
${names.map((n) => `export const ${n} = call(${JSON.stringify(n)});`).join('\n')}\n`;
        return { contents, loader: 'js', resolveDir: cli };
      });
      // import.meta.url in the checkout's own files: the original file, not the bundle's chunk.
      build.onLoad({ filter: /\.ts$/, namespace: 'file' }, (args) => {
        if (args.path.split(path.sep).includes('node_modules')) return undefined;
        const source = fs.readFileSync(args.path, 'utf8');
        return { contents: source.replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}

/** A package's sources in a source map are left empty: coverage drops them, and each process's coverage file carries the maps it loaded. */
function trimMap(text) {
  const map = JSON.parse(text);
  if (Array.isArray(map.sourcesContent)) map.sourcesContent = map.sourcesContent.map((c, i) => (String(map.sources[i]).includes('node_modules/') ? '' : c));
  return JSON.stringify(map);
}

async function build(root, dir) {
  const esbuild = loadEsbuild();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = tempBeside(path.join(dir, 'build'));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: path.join(root, 'cli', 'main.ts') },
    outdir: tmp,
    ...BUNDLE_OPTIONS,
    tsconfig: path.join(root, 'tsconfig.json'),
    sourcemap: 'linked',
    plugins: [cliPlugin(root)],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // The checkout's own inputs (a stub's under its namespace); package-lock.json stands for the packages.
  const inputs = [...new Set(Object.keys(result.metafile.inputs).map((f) => f.replace(/^[\w-]+:/, '')).map((f) => path.relative(root, path.resolve(root, f))))]
    .filter((f) => !f.startsWith('..') && !f.split(path.sep).includes('node_modules'))
    .sort();
  const hash = digest(root, inputs);
  fs.mkdirSync(tmp, { mode: 0o755 });
  for (const file of result.outputFiles) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.path.endsWith('.map') ? trimMap(file.text) : file.contents);
  }
  const final = path.join(dir, hash);
  try {
    fs.renameSync(tmp, final);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(final, 'main.mjs'))) throw err; // else another process built the same
  }
  writeAtomic(path.join(dir, 'manifest.json'), JSON.stringify({ hash, inputs }));
  prune(dir, hash);
  return path.join(final, 'main.mjs');
}

/** Removes the builds (and a crashed builder's temp folders) older than KEEP_OLD_MS but the current one. */
function prune(dir, keep) {
  for (const name of fs.readdirSync(dir)) {
    if (name === keep || name === 'manifest.json') continue;
    const p = path.join(dir, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > KEEP_OLD_MS) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // another process pruned it
    }
  }
}

/**
 * The entry (main.mjs) of the bundle of cli/main.ts, built first if its inputs changed; undefined
 * when the fast path is off or the build failed (use tsx). `built` says whether this call built it.
 */
export async function prepareCliBundle({ root = repoRoot, dir = bundleHome(root) } = {}) {
  if (process.env.MEMFLOW_CLI_BUNDLE === '0') return undefined;
  try {
    const entry = current(root, dir);
    if (entry) return { entry, built: false };
    return { entry: await build(root, dir), built: true };
  } catch {
    return undefined;
  }
}
