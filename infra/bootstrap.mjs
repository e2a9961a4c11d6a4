#!/usr/bin/env node
// Entry for `npm run up` and `npm test` on a fresh clone: checks Node, installs the locked npm
// dependencies when node_modules is missing or older than package-lock.json, then runs the given
// TypeScript entry point with tsx. Plain JavaScript on purpose: it runs before tsx is installed.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`memflow: Node.js >= 20.19 is required (this is ${process.versions.node}).`);
  process.exit(1);
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : -1);
// A plain `npm ci` (without ONNXRUNTIME_NODE_INSTALL=skip) leaves the optional dependencies out
// when onnxruntime-node's download fails, offline, and says nothing: the ONNX tests then fail. Those
// are installed again, once per lockfile (the marker says this lockfile's install already tried).
const triedMarker = path.join(root, 'node_modules', '.memflow-optional-tried');
function optionalMissing() {
  if (mtime(installed) < 0 || mtime(triedMarker) >= mtime(lock)) return [];
  const optional = Object.keys(JSON.parse(fs.readFileSync(lock, 'utf8')).packages?.['']?.optionalDependencies ?? {});
  return optional.filter((name) => !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
}
const missing = optionalMissing();
// A worktree whose node_modules links to another checkout's install: `npm ci` here would empty that
// install through the link (every checkout sharing it breaks). Its lockfile is the other checkout's
// business: say so and run with what is installed.
const linked = (() => {
  try {
    return fs.lstatSync(path.join(root, 'node_modules')).isSymbolicLink();
  } catch {
    return false;
  }
})();
if (linked && (mtime(installed) < mtime(lock) || missing.length > 0)) {
  console.log('memflow: node_modules is a link to another checkout\'s install; not running `npm ci` through it (run it in that checkout if package-lock.json changed)');
} else if (mtime(installed) < mtime(lock) || missing.length > 0) {
  console.log(missing.length > 0 ? `memflow: ${missing.join(', ')} missing from node_modules; installing npm dependencies again (npm ci)...` : 'memflow: installing npm dependencies (npm ci)...');
  // onnxruntime-node (under the optional @huggingface/transformers) downloads extra binaries in its
  // postinstall unless told not to; the CPU runtime memflow uses ships in the package itself.
  const env = { ONNXRUNTIME_NODE_INSTALL: 'skip', ...process.env };
  // --prefer-offline: packages npm's cache already holds are taken from it without asking the
  // registry again (the lockfile pins their integrity); only missing ones are downloaded.
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root, stdio: 'inherit', env });
  if (res.status !== 0) {
    console.error('memflow: `npm ci` failed; see the output above.');
    process.exit(res.status ?? 1);
  }
  fs.writeFileSync(triedMarker, '');
}

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node infra/bootstrap.mjs <entry.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(root, script), ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
