/**
 * Trims the V8 coverage files the suite's processes wrote (NODE_V8_COVERAGE) down to the scripts the
 * coverage figure is of, in place, before c8 reads them (tests/run.ts runs one of these per core).
 *
 * Why: a process writes the coverage of every script it loaded — Node's own modules, every package
 * in node_modules — and c8 run with --exclude-after-remap (needed: the relay's and the hook's
 * prebuilt bundles live outside the repository and map back to cli/ through their source maps)
 * merges and converts all of them before it filters. On 2026-11-28 that was ~900 files, 1.4 GB,
 * 377,000 script entries of which 22,000 were the product's: 37 s of one core at the end of every
 * `npm test`. What is kept is exactly what c8 keeps after remapping: a script under one of the
 * covered folders, or a script whose source map names a file there (and its source map).
 *
 *   node tests/helpers/coverage-trim.mjs '{"root": "/repo", "folders": ["api", ...], "files": ["/.../coverage-1.json", ...]}'
 *
 * Prints one line of JSON: files read, bytes before and after.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const { root, folders, files } = JSON.parse(process.argv[2] ?? '{}');
const coveredFolders = new Set(folders);

/** Whether an absolute path is a file of one of the covered folders of the repository (not a package in it). */
function covered(file) {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep);
  return coveredFolders.has(parts[0]) && !parts.includes('node_modules');
}

function pathOf(url) {
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

/** Whether a source map names a covered file (sources are relative to the map's file, under sourceRoot). */
function mapsToCovered(scriptPath, map) {
  if (!map || !Array.isArray(map.sources)) return false;
  const base = path.resolve(path.dirname(scriptPath), map.sourceRoot ?? '');
  return map.sources.some((source) => {
    if (typeof source !== 'string') return false;
    const abs = source.startsWith('file://') ? pathOf(source) : path.resolve(base, source);
    return abs !== undefined && covered(abs);
  });
}

/**
 * A source map's sources as paths, not the file URLs Node writes them as: for a map of several
 * sources (a bundle), v8-to-istanbul asks c8 whether to drop each remapped range by that source as
 * written, and c8's --include never matches a file URL, so the ranges of functions that never ran
 * were dropped and every line of a loaded bundle's chunk counted as covered.
 */
function withPathSources(entry) {
  const sources = entry?.data?.sources;
  if (!Array.isArray(sources)) return entry;
  return { ...entry, data: { ...entry.data, sources: sources.map((s) => (typeof s === 'string' && s.startsWith('file://') ? (pathOf(s) ?? s) : s)) } };
}

let before = 0;
let after = 0;
let read = 0;
for (const file of files) {
  let text;
  let cov;
  try {
    text = fs.readFileSync(file, 'utf8');
    cov = JSON.parse(text);
  } catch {
    continue; // c8 skips a file it cannot read or parse; so does this
  }
  if (!cov || !Array.isArray(cov.result)) continue;
  read++;
  before += text.length;
  const maps = cov['source-map-cache'] ?? {};
  const keep = (url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return false;
    const p = pathOf(url);
    if (p === undefined) return false;
    return covered(p) || mapsToCovered(p, maps[url]?.data);
  };
  const result = cov.result.filter((script) => keep(script.url));
  const kept = new Set(result.map((script) => script.url));
  const sourceMaps = Object.fromEntries(Object.entries(maps).filter(([url]) => kept.has(url)).map(([url, entry]) => [url, withPathSources(entry)]));
  const trimmed = JSON.stringify(Object.keys(sourceMaps).length > 0 ? { result, 'source-map-cache': sourceMaps } : { result });
  after += trimmed.length;
  fs.writeFileSync(file, trimmed);
}
console.log(JSON.stringify({ files: read, before, after }));
