/**
 * Tool calls at the size memflow really stores them. The benchmark corpora keep only the one or two
 * lines of a tool's output that matter (about 100 tokens a record); a real PostToolUse carries the
 * whole output — a test run with every passing spec, a grep with its matches, an Edit echoing old
 * and new code and a patch — which common/rules/observation.ts keeps up to 4,000 characters per side.
 * These build such payloads around the corpus' lines, shaped like the tool_response objects Claude
 * Code sends (its hooks reference), and render them with memflow's own renderEvent, so the
 * stored text is what capture would store. Deterministic for a seed.
 */
import path from 'node:path';
import { renderEvent } from '../common/rules/observation.js';
import type { Rng } from './corpus.js';

const VERBS = ['load', 'parse', 'render', 'update', 'create', 'resolve', 'validate', 'format', 'fetch', 'sync'];
const NOUNS = ['order', 'cart', 'session', 'invoice', 'product', 'account', 'report', 'event', 'user', 'price'];

const ident = (rng: Rng) => `${rng.pick(VERBS)}${rng.pick(NOUNS).replace(/^./, (c) => c.toUpperCase())}`;

/** A plausible line of TypeScript. */
function codeLine(rng: Rng): string {
  const f = ident(rng);
  const n = rng.pick(NOUNS);
  switch (rng.int(8)) {
    case 0:
      return `export async function ${f}(${n}Id: string, opts: ${f.replace(/^./, (c) => c.toUpperCase())}Options = {}) {`;
    case 1:
      return `  const ${n} = await db.${n}.findUnique({ where: { id: ${n}Id }, include: { items: true } });`;
    case 2:
      return `  if (!${n}) throw new NotFoundError(\`${n} \${${n}Id} not found\`);`;
    case 3:
      return `  logger.debug({ ${n}Id, took: Date.now() - started }, '${f} done');`;
    case 4:
      return `  return { ...${n}, total: ${n}.items.reduce((sum, i) => sum + i.price * i.quantity, 0) };`;
    case 5:
      return `import { ${f} } from '../${n}s/${f}.js';`;
    case 6:
      return `  for (const item of ${n}.items) await ${f}(item.id, { retries: ${1 + rng.int(4)} });`;
    default:
      return '}';
  }
}

const codeBlock = (rng: Rng, lines: number) => Array.from({ length: lines }, () => codeLine(rng)).join('\n');

function testRun(rng: Rng, command: string, key: string[]): string {
  const lines = [`> storefront@2.${rng.int(9)}.0 test`, `> ${command}`, ''];
  const specs = 18 + rng.int(22);
  const at = rng.int(specs);
  for (let i = 0; i < specs; i++) {
    if (i === at) lines.push(...key);
    const file = `src/${rng.pick(NOUNS)}s/${ident(rng)}.test.ts`;
    lines.push(` ✓ ${file} (${1 + rng.int(14)} tests) ${2 + rng.int(400)}ms`);
  }
  lines.push('', ` Test Files  ${specs + 1} passed (${specs + 1})`, `      Tests  ${specs * 6 + rng.int(40)} passed`, `   Duration  ${(3 + rng.next() * 20).toFixed(2)}s`);
  return lines.join('\n');
}

/**
 * The stored text of a tool call whose telling lines are `key`: the command or file from `title`
 * (`Bash: <command>`, `Read: <file>`, `Edit: <file>`, `Grep: <pattern>`), the rest realistic filler.
 */
export function realisticToolText(rng: Rng, toolName: string, title: string, key: string): string {
  const detail = title.replace(/^[A-Za-z]+: /, '');
  const keyLines = key.split('\n');
  const file = /[./]/.test(detail) ? detail : `src/${rng.pick(NOUNS)}s/${ident(rng)}.ts`;
  let payload: Record<string, unknown>;
  switch (toolName) {
    case 'Bash':
      payload = {
        tool_input: { command: detail, description: `Run ${detail.split(' ').slice(0, 3).join(' ')}` },
        tool_response: { stdout: testRun(rng, detail, keyLines), stderr: '', interrupted: false, isImage: false },
      };
      break;
    case 'Read': {
      const total = 80 + rng.int(300);
      payload = {
        tool_input: { file_path: `/home/dev/storefront/${file}` },
        tool_response: { type: 'text', file: { filePath: `/home/dev/storefront/${file}`, content: `${codeBlock(rng, 40)}\n${key}`, numLines: total, startLine: 1, totalLines: total } },
      };
      // Capture keeps no file content of a Read (the file is in the repository): the stored record is small.
      break;
    }
    case 'Edit': {
      const before = codeBlock(rng, 6 + rng.int(10));
      const after = `${before}\n// ${keyLines.join(' ')}\n${codeBlock(rng, 3)}`;
      const start = 10 + rng.int(200);
      payload = {
        tool_input: { file_path: `/home/dev/storefront/${file}`, old_string: before, new_string: after, replace_all: false },
        tool_response: {
          filePath: `/home/dev/storefront/${file}`,
          oldString: before,
          newString: after,
          originalFile: codeBlock(rng, 120),
          structuredPatch: [{ oldStart: start, oldLines: before.split('\n').length, newStart: start, newLines: after.split('\n').length, lines: after.split('\n').map((l) => `+${l}`) }],
          userModified: false,
          replaceAll: false,
        },
      };
      break;
    }
    default: {
      const matches = Array.from({ length: 8 + rng.int(25) }, () => `${path.posix.join('src', `${rng.pick(NOUNS)}s`, `${ident(rng)}.ts`)}:${1 + rng.int(300)}:${codeLine(rng)}`);
      matches.splice(rng.int(matches.length), 0, ...keyLines);
      payload = {
        tool_input: { pattern: detail, path: 'src', output_mode: 'content', '-n': true },
        tool_response: { mode: 'content', numFiles: matches.length, filenames: [], content: matches.join('\n'), numLines: matches.length },
      };
    }
  }
  return renderEvent('post-tool-use', { tool_name: toolName, ...payload })!.text;
}
