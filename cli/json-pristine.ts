/**
 * A person's JSON file as it was before memflow first changed it (`~/.claude.json`, a host's
 * settings), so that taking memflow out leaves it byte for byte as it was: the first write into a
 * file that existed keeps its text in `~/.memflow/pristine/` (beside the spool); a later write whose
 * object is the one that text holds (memflow's keys taken out again, nothing else changed since)
 * writes that text back, whatever indentation or key spacing it had, and forgets it. A file whose
 * other keys changed meanwhile is written as json-file.ts writes it (its indentation kept).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseClientConfig } from '../common/workspace/client-config.js';

/** Where the texts are kept: beside the spool (`~/.memflow/pristine`, or MEMFLOW_SPOOL_DIR's folder). */
export const pristineDir = (): string => path.join(path.dirname(path.resolve(parseClientConfig().MEMFLOW_SPOOL_DIR)), 'pristine');

const recordOf = (file: string) => path.join(pristineDir(), `${crypto.createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 32)}.json`);

/** The same JSON value whatever the order of its keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The text `file` had before memflow first changed it, when `obj` is what that text holds (then it
 * is forgotten: the file is back as it was), else undefined.
 */
export function restorePristine(file: string, obj: Record<string, unknown>): string | undefined {
  const record = recordOf(file);
  let kept: string;
  try {
    kept = (JSON.parse(fs.readFileSync(record, 'utf8')) as { text: string }).text;
    if (canonical(JSON.parse(kept)) !== canonical(obj)) return undefined;
  } catch {
    return undefined;
  }
  fs.rmSync(record, { force: true });
  removeIfEmpty(pristineDir());
  return kept;
}

/** Keeps the text of a file memflow is about to change, unless it keeps one already (the first text is the file's own). */
export function rememberPristine(file: string, current: string): void {
  const record = recordOf(file);
  if (fs.existsSync(record)) return;
  fs.mkdirSync(pristineDir(), { recursive: true, mode: 0o700 });
  fs.writeFileSync(record, JSON.stringify({ file: path.resolve(file), text: current }), { mode: 0o600 });
}

/** A folder removed when nothing is left in it. */
export function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty, or not there
  }
}
