/**
 * The CLI's prebuilt bundle (cli/cli-fast.js): built from a scratch checkout, kept while its inputs
 * are unchanged and rebuilt when one changes, undefined (tsx) when the build fails, one whole build
 * when builders race; the operator stub runs the real module through tsx and reports its errors as
 * the bundle's own; import.meta.url names the original files. Then the real checkout: what `memflow`
 * prints and exits with is the same from the bundle as through tsx.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { bundleHome, prepareCliBundle } from '../../cli/cli-fast.js';
import { BIN, repoRoot } from '../fixtures/cli-run.js';

/** A checkout with the layout the build expects: cli/main.ts, cli/output.ts, cli/operator.ts. */
function scratchCheckout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-clifast-'));
  const files: Record<string, string> = {
    'package.json': '{"type": "module"}\n',
    'package-lock.json': '{"lockfileVersion": 3}\n',
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    'cli/output.ts': "export class CliError extends Error {\n  constructor(message: string, readonly exitCode = 1) {\n    super(message);\n  }\n}\n",
    'cli/where.ts': 'export const where: string = import.meta.url;\nexport const version = 1;\n',
    'cli/operator.ts': "import { CliError } from './output.js';\nexport async function ping(s: string): Promise<string> {\n  return `pong ${s} ${import.meta.url}`;\n}\nexport async function refuse(): Promise<never> {\n  throw new CliError('no such tenant', 3);\n}\n",
    'cli/main.ts': "export { CliError } from './output.js';\nexport { where, version } from './where.js';\nexport const here: string = import.meta.url;\nexport const operator = () => import('./operator.js');\n",
    'cli/unrelated.ts': 'export const x = 1;\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** Runs `code` (an ES module body, `entry` bound to the bundle's main.mjs) in a node of its own; its stdout as JSON. */
function inNode(entry: string, code: string): any {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(entry).href)});\n${code}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a scratch checkout is bundled once, kept while its inputs are unchanged, rebuilt when one changes', async () => {
  const root = scratchCheckout();
  const dir = path.join(root, '.memflow', 'cli-bundle');
  assert.equal(bundleHome(root), dir, 'a writable checkout keeps its bundles itself');
  const first = await prepareCliBundle({ root, dir });
  assert.ok(first?.built, 'built');
  // import.meta.url of the checkout's own files names the original file, not the bundle's chunk.
  const url = (rel: string) => pathToFileURL(path.join(root, rel)).href;
  assert.deepEqual(inNode(first.entry, 'console.log(JSON.stringify({ here: m.here, where: m.where, version: m.version }));'), { here: url('cli/main.ts'), where: url('cli/where.ts'), version: 1 });
  // A linked source map that names the sources, with their content.
  const map = JSON.parse(fs.readFileSync(`${first.entry}.map`, 'utf8')) as { sources: string[]; sourcesContent: string[] };
  const mainAt = map.sources.findIndex((s) => path.resolve(path.dirname(first.entry), s) === path.join(root, 'cli', 'main.ts'));
  assert.ok(mainAt >= 0, `the map names cli/main.ts: ${map.sources.join(', ')}`);
  assert.match(map.sourcesContent[mainAt]!, /export const here/);
  assert.match(fs.readFileSync(first.entry, 'utf8'), /\/\/# sourceMappingURL=main\.mjs\.map/);

  assert.deepEqual(await prepareCliBundle({ root, dir }), { entry: first.entry, built: false }, 'unchanged: kept');
  fs.writeFileSync(path.join(root, 'cli', 'unrelated.ts'), 'export const x = 2;\n');
  assert.deepEqual(await prepareCliBundle({ root, dir }), { entry: first.entry, built: false }, 'a file the bundle does not import changes nothing');
  fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
  const relocked = await prepareCliBundle({ root, dir });
  assert.ok(relocked?.built && relocked.entry !== first.entry, 'package-lock.json stands for the packages');
  fs.writeFileSync(path.join(root, 'cli', 'where.ts'), 'export const where: string = import.meta.url;\nexport const version = 2;\n');
  const second = await prepareCliBundle({ root, dir });
  assert.ok(second?.built && second.entry !== relocked.entry, 'an input changed: rebuilt');
  assert.equal(inNode(second.entry, 'console.log(JSON.stringify(m.version));'), 2);
  assert.ok(fs.existsSync(first.entry), 'an older build stays a while for the processes that run from it');

  // A build that fails is no bundle (memflow.js uses tsx), and the last good one is not used either.
  fs.writeFileSync(path.join(root, 'cli', 'where.ts'), 'export const where = ;\n');
  assert.equal(await prepareCliBundle({ root, dir }), undefined);
  fs.writeFileSync(path.join(root, 'cli', 'where.ts'), "import pg from 'pg';\nexport const where = String(pg);\nexport const version = 3;\n");
  assert.equal(await prepareCliBundle({ root, dir }), undefined, "a server package fails the build");
  fs.writeFileSync(path.join(root, 'cli', 'where.ts'), 'export const where: string = import.meta.url;\nexport const version = 2;\n');
  assert.deepEqual(await prepareCliBundle({ root, dir }), { entry: second.entry, built: false });
  process.env.MEMFLOW_CLI_BUNDLE = '0';
  try {
    assert.equal(await prepareCliBundle({ root, dir }), undefined, 'MEMFLOW_CLI_BUNDLE=0: off');
  } finally {
    delete process.env.MEMFLOW_CLI_BUNDLE;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test('builders that race leave one whole build', async () => {
  const root = scratchCheckout();
  const dir = path.join(root, 'bundles');
  const all = await Promise.all([1, 2, 3].map(() => prepareCliBundle({ root, dir })));
  assert.ok(all.every((b) => b?.entry === all[0]!.entry), 'the same build');
  assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(path.dirname(all[0]!.entry)), 'manifest.json'].sort(), 'no temp folder left');
  fs.rmSync(root, { recursive: true, force: true });
});

test("the operator stub runs the real module through tsx and throws the bundle's CliError", async () => {
  const root = scratchCheckout();
  const built = await prepareCliBundle({ root, dir: path.join(root, 'bundles') });
  assert.ok(built);
  assert.doesNotMatch(fs.readdirSync(path.dirname(built.entry)).map((f) => fs.readFileSync(path.join(path.dirname(built.entry), f), 'utf8')).join('\n'), /no such tenant/, 'the real module is not in the bundle');
  const out = inNode(
    built.entry,
    `const op = await m.operator();
const pong = await op.ping('x');
const err = await op.refuse().catch((e) => e);
console.log(JSON.stringify({ pong, own: err instanceof m.CliError, message: err.message, exitCode: err.exitCode }));`,
  );
  assert.deepEqual(out, { pong: `pong x ${pathToFileURL(path.join(root, 'cli', 'operator.ts')).href}`, own: true, message: 'no such tenant', exitCode: 3 });
  fs.rmSync(root, { recursive: true, force: true });
});

test("this checkout's bundle keeps import.meta.url of the sources, and memflow answers from it as through tsx", async () => {
  const bundle = await prepareCliBundle(); // tests/run.ts built it
  assert.ok(bundle, 'this checkout bundles');
  const chunks = fs.readdirSync(path.dirname(bundle.entry)).filter((f) => f.endsWith('.mjs'));
  const text = chunks.map((f) => fs.readFileSync(path.join(path.dirname(bundle.entry), f), 'utf8')).join('\n');
  // Left: only requires made for the chunk, whose own URL is right there: the banner's, one a chunk (require() for
  // CommonJS packages), and a package's own createRequire (fdir's, for an optional peer). No source's URL use is left.
  const uses = text.match(/.{0,40}import\.meta\.url/g) ?? [];
  assert.equal(uses.filter((u) => u.endsWith('__memflowRequire(import.meta.url')).length, chunks.length, 'the banner in every chunk');
  for (const u of uses) assert.match(u, /[rR]equire\(import\.meta\.url$/, `a use of import.meta.url left in the bundle: ${u}`);
  assert.ok(text.includes(JSON.stringify(pathToFileURL(path.join(repoRoot, 'cli', 'relay', 'lifecycle.ts')).href)), "the relay's lifecycle finds memflow.js beside its source");

  const run = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  // A command's help, and an operator command (the stub, tsx, the real module's CliError).
  for (const args of [['search', '--help'], ['tenants', 'list']]) {
    const env = { DATABASE_URL: 'not-a-url' };
    const fast = run(args, env);
    assert.deepEqual(fast, run(args, { ...env, MEMFLOW_CLI_BUNDLE: '0' }), `memflow ${args.join(' ')}`);
    if (args[0] === 'tenants') assert.deepEqual([fast.status, fast.stderr], [1, 'memflow: DATABASE_URL is invalid: must be a postgresql:// URL\n']);
  }
});
