/**
 * Read-merge-write of the JSON configuration files memflow installs itself into (Claude Code's
 * settings, `.mcp.json`, `~/.claude.json`): a file that is not a JSON object is refused without
 * writing anything, the user's indentation and file mode are kept, and the write is atomic (a
 * temporary file renamed into place), so an interrupted install never leaves half a file; taking
 * memflow out again writes back the file's own text (json-pristine.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { rememberPristine, restorePristine } from './json-pristine.js';

/** A JSON object file as it is, or undefined when it is missing, unreadable or not an object (read-only callers: doctor, uninstall). */
export function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class JsonFileError extends Error {
  override name = 'JsonFileError';
}

export interface JsonFileUpdate<R> {
  file: string;
  result: R;
  written: boolean;
  created: boolean;
}

function detectIndent(text: string): string | number {
  const m = /^[{[][\r\n]+([ \t]+)\S/.exec(text);
  return m?.[1] ?? 2;
}

/** Applies `mutate` to the object in `file` (an empty object when there is none) and writes it when it changed. */
export function updateJsonObject<R>(file: string, mutate: (obj: Record<string, unknown>) => R, opts: { removeIfEmpty?: boolean } = {}): JsonFileUpdate<R> {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new JsonFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let obj: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new JsonFileError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it first, nothing was written`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new JsonFileError(`${file} does not hold a JSON object; nothing was written`);
    obj = parsed as Record<string, unknown>;
  }
  const before = JSON.stringify(obj);
  let result: R;
  try {
    result = mutate(obj);
  } catch (err) {
    throw new JsonFileError(`${file}: ${(err as Error).message}; nothing was written`);
  }
  if (text !== undefined && JSON.stringify(obj) === before) return { file, result, written: false, created: false };
  // Back to the very text the file had before memflow first changed it, when that is what it holds again (json-pristine.ts).
  const pristine = text !== undefined ? restorePristine(file, obj) : undefined;
  // Nothing of anyone's left (uninstall took the last key): no `{}` file is left behind, unless the file was there before.
  if (opts.removeIfEmpty && Object.keys(obj).length === 0 && pristine === undefined) {
    if (text !== undefined) fs.rmSync(file, { force: true });
    return { file, result, written: text !== undefined, created: false };
  }
  if (text !== undefined && pristine === undefined) rememberPristine(file, text);
  const out = pristine ?? `${JSON.stringify(obj, null, text ? detectIndent(text) : 2)}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mode = text !== undefined ? fs.statSync(file).mode & 0o777 : 0o644;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.memflow-${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, out, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { file, result, written: true, created: text === undefined };
}
