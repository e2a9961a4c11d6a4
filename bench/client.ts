/**
 * `npm run bench:client`: what the packed client (cli/package/build.ts) costs a teammate — the size
 * of the tarball and of the install, how long `npm install -g <tarball>` takes, and how long the
 * installed `memflow` takes to start (`memflow --version`, `memflow --help`: Node's start-up plus
 * loading the CLI bundle) against this checkout's own bin (its own bundle, cli/cli-fast.js; tsx
 * with MEMFLOW_CLI_BUNDLE=0). No stack: it installs into a scratch
 * prefix with a scratch HOME and npm cache, offline, from a folder outside the checkout.
 *
 *   npm run bench:client -- --runs 15
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { buildClient, packClient } from '../cli/package/build.js';
import { loadAverage } from './proc-cpu.js';
import { percentile, printTable } from './lib.js';

const opts = new Command('bench:client').option('--runs <n>', 'runs per start-up case', '15').parse(process.argv).opts<{ runs: string }>();
const runs = Math.max(3, Number(opts.runs));
const root = fileURLToPath(new URL('..', import.meta.url));

const machine = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-client-'));
const prefix = path.join(machine, 'prefix');
const env = {
  PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
  HOME: path.join(machine, 'home'),
  npm_config_cache: path.join(machine, 'npm-cache'),
  npm_config_update_notifier: 'false',
};
fs.mkdirSync(env.HOME);

function bytesUnder(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = fs.lstatSync(path.join(dir, f));
    if (st.isFile()) {
      bytes += st.size;
      files++;
    }
  }
  return { bytes, files };
}

/** Wall times (ms) of `argv` run `runs` times, after one warm-up run. */
function wall(argv: string[], cwd: string): number[] {
  const run = () => execFileSync(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  run();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    run();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

const ms = (sorted: number[]) => `median ${percentile(sorted, 50).toFixed(0)} ms, p90 ${percentile(sorted, 90).toFixed(0)} ms (min ${sorted[0]!.toFixed(0)})`;
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

try {
  const loadBefore = loadAverage();
  let t = performance.now();
  const { dir } = await buildClient(path.join(machine, 'build', 'client'));
  const buildMs = performance.now() - t;
  const tarball = packClient(dir, machine);
  t = performance.now();
  execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: machine, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const installMs = performance.now() - t;
  const installed = bytesUnder(path.join(prefix, 'lib', 'node_modules', 'memflow-client'));
  const memflow = path.join(prefix, 'bin', 'memflow');
  const version = wall([memflow, '--version'], machine);
  const help = wall([memflow, '--help'], machine);
  const node = wall([process.execPath, '-e', '0'], machine);
  const checkout = wall([process.execPath, path.join(root, 'cli', 'memflow.js'), '--version'], machine);
  printTable(`memflow-client (${runs} runs per start-up case; load average ${loadBefore} before, ${loadAverage()} after; this machine, ${os.cpus().length} cores)`, [
    ['tarball (npm pack)', `${kib(fs.statSync(tarball).size)} (${path.basename(tarball)})`],
    ['installed', `${kib(installed.bytes)} in ${installed.files} files, 0 dependencies`],
    ['build (esbuild)', `${buildMs.toFixed(0)} ms`],
    ['npm install -g <tarball> --offline', `${installMs.toFixed(0)} ms`],
    ['memflow --version (installed)', ms(version)],
    ['memflow --help (installed)', ms(help)],
    ['node -e 0 (Node alone)', ms(node)],
    ['node cli/memflow.js --version (checkout)', ms(checkout)],
  ]);
} finally {
  fs.rmSync(machine, { recursive: true, force: true });
}
