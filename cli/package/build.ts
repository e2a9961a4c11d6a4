/**
 * Builds memflow's client — the agent side: the `memflow` CLI, the hooks (`memflow hook`, the bash
 * `memflow-hook`), the local relay and the stdio MCP server — as an npm package of its own in
 * dist/client, which `npm pack` turns into a tarball a teammate installs with
 * `npm install -g memflow-client-<version>.tgz` on a machine with nothing but Node 20: no checkout,
 * no TypeScript loader, and none of the server's dependencies.
 *
 * esbuild bundles cli/main.ts (every command, each loaded on demand: code splitting keeps the lazy
 * imports lazy) and cli/hook-main.ts (what a hook and the relay load) into lib/*.mjs, with the npm
 * packages they use inside (commander, zod, the MCP SDK, gpt-tokenizer). The package has no
 * dependencies. Two things cannot come along and fail the build if they try: the server's packages
 * (SERVER_ONLY, bundle-rules.js) and the operator commands (`memflow tenants`, `memflow keys`), which write the
 * database directly: in the client they say where to run them instead.
 *
 * The layout keeps the relay's entry where cli/relay/lifecycle.ts looks for it (`../memflow.js`
 * from the bundle that starts it): memflow.js at the package root, the bundles one folder down. The
 * relay's parser (common/code/code-names.ts: web-tree-sitter, bundled) needs its WebAssembly runtime and
 * the grammars it reads (Python, TypeScript, TSX, JavaScript, Go), copied beside the bundles into
 * lib/tree-sitter/, where the parser looks first.
 *
 * `npm run build:client` builds; `npm run pack:client` builds and packs into dist/ (prints the
 * tarball's path).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { BUNDLE_OPTIONS, exportedFunctions, isServerOnly, OPERATOR_ONLY, operatorOnly } from './bundle-rules.js';
import { CODE_LANGUAGES } from '../../common/code/code-language.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.dirname(here);
const root = path.dirname(cli);
export const clientOutDir = path.join(root, 'dist', 'client');

const clientPlugin: esbuild.Plugin = {
  name: 'memflow-client',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      isServerOnly(args.path) ? { errors: [{ text: `the client must not bundle the server's package ${args.path} (imported by ${path.relative(root, args.importer)})` }] } : undefined,
    );
    build.onResolve({ filter: /^\./ }, (args) => {
      const file = operatorOnly(args.path, args.resolveDir);
      return file ? { path: file, namespace: 'operator-only' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'operator-only' }, (args) => {
      const names = exportedFunctions(fs.readFileSync(args.path, 'utf8'));
      const contents = `import { CliError } from ${JSON.stringify(path.join(cli, 'output.ts'))};
const unavailable = async () => { throw new CliError(${JSON.stringify(OPERATOR_ONLY[args.path])}, 2); };
${names.map((n) => `export const ${n} = unavailable;`).join('\n')}\n`;
      return { contents, loader: 'ts', resolveDir: cli };
    });
  },
};

interface RootPackage {
  version: string;
  engines: { node: string };
  description?: string;
}

/** The client's package.json: its bins, Node's version, and no dependencies (everything is bundled). */
export function clientManifest(pkg: RootPackage) {
  return {
    name: 'memflow-client',
    version: pkg.version,
    description: "memflow's agent-side client: the memflow CLI, the hooks for Claude Code, Codex, Gemini CLI, OpenCode and Copilot CLI, the local relay and the stdio MCP server.",
    type: 'module',
    bin: { memflow: './memflow.js', 'memflow-hook': './memflow-hook' },
    files: ['memflow.js', 'memflow-hook', 'lib/', 'README.md'],
    engines: { node: pkg.engines.node },
    os: ['linux', 'darwin'],
  };
}

const readme = (version: string) => `# memflow-client ${version}

The agent side of memflow: \`memflow install\` sets up Claude Code, Codex, Gemini CLI, OpenCode or
Copilot CLI in a repository so that each session is captured into memflow and the next one starts
with what it remembers; \`memflow doctor\` says what is wrong; \`memflow search\`, \`context\`,
\`sessions\` read the memory; \`memflow mcp\` is the MCP server over stdio.

    export MEMFLOW_URL=https://memflow.example.com   # the team's memflow API
    export MEMFLOW_API_KEY=mf_...                     # your key
    cd your-repo && memflow install --host auto       # every agent on PATH (or: claude, codex, ...)

Needs Node.js ${'>='}20 and bash (the hooks' fast path). No other dependencies.
`;

export async function buildClient(outDir = clientOutDir): Promise<{ dir: string; bytes: number }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as RootPackage;
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, 'lib'), { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    // The relay's parser runs on a thread of its own (common/code/code-thread.ts): its module is an entry too.
    entryPoints: { main: path.join(cli, 'main.ts'), hook: path.join(cli, 'hook-main.ts'), 'code-worker': path.join(root, 'common', 'code', 'code-worker.ts') },
    outdir: path.join(outDir, 'lib'),
    ...BUNDLE_OPTIONS,
    tsconfig: path.join(root, 'tsconfig.json'),
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    plugins: [clientPlugin],
    logLevel: 'warning',
  });
  // The parser's WebAssembly: the runtime and only the grammars the relay reads.
  const require = createRequire(import.meta.url);
  const grammars = path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  const wasmDir = path.join(outDir, 'lib', 'tree-sitter');
  fs.mkdirSync(wasmDir, { recursive: true });
  fs.copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(wasmDir, 'tree-sitter.wasm'));
  for (const language of CODE_LANGUAGES) fs.copyFileSync(path.join(grammars, `tree-sitter-${language}.wasm`), path.join(wasmDir, `tree-sitter-${language}.wasm`));
  fs.copyFileSync(fileURLToPath(new URL('./memflow.js', import.meta.url)), path.join(outDir, 'memflow.js'));
  fs.copyFileSync(path.join(cli, 'memflow-hook'), path.join(outDir, 'memflow-hook'));
  for (const bin of ['memflow.js', 'memflow-hook']) fs.chmodSync(path.join(outDir, bin), 0o755);
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(clientManifest(pkg), null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'README.md'), readme(pkg.version));
  let bytes = 0;
  for (const f of fs.readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
    const st = fs.statSync(path.join(outDir, f));
    if (st.isFile()) bytes += st.size;
  }
  return { dir: outDir, bytes };
}

/** `npm pack` of the built client into `dest`; the tarball's path. */
export function packClient(dir = clientOutDir, dest = path.dirname(dir)): string {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [info] = JSON.parse(out) as { filename: string }[];
  return path.join(dest, info!.filename);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, bytes } = await buildClient();
  process.stdout.write(`client built in ${path.relative(root, dir)} (${(bytes / 1024).toFixed(0)} KiB)\n`);
  if (process.argv.includes('--pack')) process.stdout.write(`${packClient(dir)}\n`);
}
