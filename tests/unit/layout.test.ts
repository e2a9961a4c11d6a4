/**
 * One name, one meaning; one shape, one definition. Over the product folders (what ships: messages/
 * to viewer/), an exported type name is defined in one file only (a name defined twice means two
 * things, or one shape written twice), records are never forced into another shape with
 * `as unknown as` in the edges, and every repository path a comment or a doc names exists.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PRODUCT = ['messages', 'prisma', 'common', 'activities', 'workflows', 'workers', 'clients', 'api', 'cli', 'mcp', 'viewer'];
/** The edges, where an answer of the API becomes something else: no record is cast there. */
const EDGES = ['api', 'mcp', 'viewer/src'];

/** The files git knows (tracked, or new and not ignored), relative to the root. */
function files(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

const sources = (all: string[], roots: string[]) => all.filter((f) => /\.tsx?$/.test(f) && roots.some((r) => f.startsWith(`${r}/`)));

test('no exported type name is defined in two files of the product', () => {
  const where = new Map<string, string[]>();
  const declaration = /^export\s+(?:declare\s+)?(?:interface|type|class|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/gm;
  for (const f of sources(files(), PRODUCT)) {
    for (const m of fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(declaration)) where.set(m[1]!, [...(where.get(m[1]!) ?? []), f]);
  }
  const twice = [...where].filter(([, fs]) => fs.length > 1).map(([name, fs]) => `${name}: ${fs.join(', ')}`);
  assert.deepEqual(twice, [], 'give one of them a name of its own, or import the one shape from messages/');
});

test('no `as unknown as` in the edges: a record has the one shape messages/ gives it', () => {
  const casts = sources(files(), EDGES).flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.includes('as unknown as') && !/\bnull as unknown as\b/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  );
  // `null as unknown as T` is Fastify's way to declare a request decoration's type; it is no record.
  assert.deepEqual(casts, []);
});

test("api/'s shared modules import no flow's folder: only the composition roots (app, server, main) put the flows together", () => {
  const roots = new Set(['api/app.ts', 'api/server.ts', 'api/main.ts']);
  const shared = files().filter((f) => /^api\/[^/]+\.ts$/.test(f) && !roots.has(f));
  const upward = shared.flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (/^import\b.*from '\.\/[\w-]+\//.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  );
  assert.deepEqual(upward, [], 'move what the flow and the shared module both need into a shared module, or hand it in from server.ts');
});

/** Paths that are examples in text a model reads (the summarizer's prompt), not files of ours. */
const EXAMPLES = new Set(['api/orders.ts']);

test('every repository path named in a comment or a doc exists', () => {
  const all = files();
  const top = new Set([...PRODUCT, 'infra', 'bench', 'tests', 'docs']);
  const named = /(?<![\w@./-])((?:\.{1,2}\/)?(?:[\w.-]+\/)+[\w.-]+\.(?:ts|tsx|md|mjs|sql|prisma))\b/g;
  // The product, its docs and its infrastructure (tests and benches name made-up paths as data).
  const readable = all.filter((f) => /\.(ts|tsx|md|mjs)$/.test(f) && !f.startsWith('tests/') && !f.startsWith('bench/'));
  const missing: string[] = [];
  for (const f of readable) {
    const lines = fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(named)) {
        const p = m[1]!;
        const first = p.replace(/^(\.\.?\/)+/, '').split('/')[0]!;
        const relative = p.startsWith('./') || p.startsWith('../');
        if (!relative && !top.has(first)) continue; // a path in someone else's repository (an example, a test's data)
        if (/[*<>]/.test(p) || EXAMPLES.has(p)) continue;
        if (/\b(deleted|went|gone)\b/.test(line)) continue; // history: a file named as gone
        const candidates = relative ? [path.join(path.dirname(f), p)] : [p, path.join(path.dirname(f), p)];
        if (!candidates.some((c) => fs.existsSync(path.join(ROOT, c)))) missing.push(`${f}:${i + 1}: ${p}`);
      }
    });
  }
  assert.deepEqual(missing, []);
});
