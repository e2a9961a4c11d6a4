/**
 * The client as a teammate installs it, for the benchmarks that run real agent CLIs (bench:hosts,
 * bench:agent): the packed tarball (cli/package/build.ts, as `npm run pack:client` makes it) installed
 * with `npm install -g` into a prefix of its own, whose bin folder alone gives `memflow` and
 * `memflow-hook`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { quote } from 'shell-quote';
import { runCli, tempDir, type CliResult, type RunOptions } from '../tests/fixtures/cli-run.js';

/** Builds, packs and installs the client; its bin folder and the tarball. */
export async function packedClient(): Promise<{ bin: string; tarball: string }> {
  const { buildClient, packClient } = await import('../cli/package/build.js');
  const out = await tempDir('bench-client');
  const { dir } = await buildClient(path.join(out, 'client'));
  const tarball = packClient(dir, out);
  const prefix = path.join(out, 'prefix');
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', tarball], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { bin: path.join(prefix, 'bin'), tarball };
}

/** `memflow <args>` as the PATH of `opts.env` finds it (the packed client's), else this checkout's bin. */
export function memflowCommand(packed: boolean): (args: string[], opts: RunOptions) => Promise<CliResult> {
  return packed ? (args, opts) => runCli([], { ...opts, shell: `exec memflow ${quote(args)}` }) : runCli;
}
