/**
 * tests/helpers/coverage-trim.mjs keeps what c8 keeps after remapping (the covered folders' scripts,
 * and bundles whose source maps name them) and drops the rest of a V8 coverage file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { repoRoot } from '../../infra/profile.js';

const script = (file: string) => ({ scriptId: '1', url: file.startsWith('node:') ? file : pathToFileURL(file).href, functions: [{ functionName: '', ranges: [{ startOffset: 0, endOffset: 10, count: 1 }], isBlockCoverage: true }] });

test('a coverage file keeps the covered folders and the bundles that map to them, nothing else', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-covtrim-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-covtrim-cache-'));
  const bundle = path.join(cache, 'hook-fast', 'bundle.mjs');
  const packaged = path.join(root, 'node_modules', 'pkg', 'index.js');
  const files = {
    api: path.join(root, 'api', 'search', 'routes.ts'),
    cli: path.join(root, 'cli', 'relay', 'relay-server.ts'),
    tests: path.join(root, 'tests', 'x.test.ts'),
    workflows: path.join(root, 'workflows', 'w.ts'),
    nested: path.join(root, 'api', 'node_modules', 'dep', 'index.js'),
  };
  const cov = {
    result: [script('node:fs'), script(packaged), script(files.api), script(files.tests), script(files.workflows), script(files.nested), script(bundle), script(path.join(cache, 'other.mjs'))],
    'source-map-cache': {
      [pathToFileURL(files.api).href]: { lineLengths: [10], data: { version: 3, sources: ['routes.ts'], mappings: '' } },
      // A bundle outside the repository whose map names cli/ (relative to the bundle, as esbuild writes it).
      // (Node writes a map's sources as file URLs: they are kept as paths, which c8's --include matches.)
      [pathToFileURL(bundle).href]: { lineLengths: [10], data: { version: 3, sources: [path.relative(path.dirname(bundle), files.cli), pathToFileURL(files.api).href], mappings: '' } },
      // A package's own map, and a bundle mapping only to tests/.
      [pathToFileURL(packaged).href]: { lineLengths: [10], data: { version: 3, sources: ['../src/index.ts'], mappings: '' } },
      [pathToFileURL(path.join(cache, 'other.mjs')).href]: { lineLengths: [10], data: { version: 3, sourceRoot: root, sources: ['tests/x.test.ts'], mappings: '' } },
    },
  };
  const dir = path.join(root, 'coverage');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'coverage-1.json');
  fs.writeFileSync(file, JSON.stringify(cov));
  fs.writeFileSync(path.join(dir, 'coverage-2.json'), '{"result": [trunc'); // a file cut short is left alone
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'tests', 'helpers', 'coverage-trim.mjs'), JSON.stringify({ root, folders: ['api', 'cli'], files: [file, path.join(dir, 'coverage-2.json')] })], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const totals = JSON.parse(run.stdout) as { files: number; before: number; after: number };
  assert.equal(totals.files, 1);
  assert.ok(totals.after < totals.before);
  const trimmed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof cov;
  assert.deepEqual(trimmed.result.map((s) => s.url), [pathToFileURL(files.api).href, pathToFileURL(bundle).href]);
  assert.deepEqual(Object.keys(trimmed['source-map-cache']).sort(), [pathToFileURL(files.api).href, pathToFileURL(bundle).href].sort());
  assert.deepEqual(trimmed.result[0], cov.result[2], 'the kept scripts are unchanged');
  assert.deepEqual(trimmed['source-map-cache'][pathToFileURL(bundle).href]!.data.sources, [path.relative(path.dirname(bundle), files.cli), files.api], "a bundle's sources are paths");
  assert.equal(fs.readFileSync(path.join(dir, 'coverage-2.json'), 'utf8'), '{"result": [trunc');
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
});
