/**
 * Definitions a session renamed, read from its edits (an Edit's or MultiEdit's old and new text): an edit whose changed
 * lines all differ only by one name written for another, one of them the line that defines it ("def parse_retry_after("
 * -> "def parse_retry_header(", with its call sites in the same edit). A rule anchored to the old name is about the
 * renamed code: its anchors follow it (activities/summarize/anchor-renames.ts). Anything else an edit does (a body
 * rewritten, a definition removed or added) says nothing of a rename.
 */
import { definitionOn, editPairsOf } from './changed-symbols.js';

/** An identifier long enough to be one (a rename of `i` to `j` renames no rule's code). */
const NAME = /^[A-Za-z_$][\w$]{2,}$/;

const escaped = (s: string) => s.replace(/[$]/g, '\\$');

/** What a line defines: a function, class, method or declared constant, or a module-level assignment (`MAX_ATTEMPTS = 7`). */
const definedOn = (line: string) => definitionOn(line) ?? /^([A-Za-z_]\w*)\s*(?::\s*[^=]+)?=(?!=)/.exec(line)?.[1];

/** `line` with the whole word `from` written `to`. */
const renamedLine = (line: string, from: string, to: string) => line.replace(new RegExp(`(?<![\\w$])${escaped(from)}(?![\\w$])`, 'g'), to);

/** The rename one edit makes, if it is one: [old name, new name]. */
export function renameOfEdit(before: string, after: string): [string, string] | undefined {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length || before === after) return undefined;
  const changed = a.flatMap((line, i) => (line === b[i] ? [] : [i]));
  for (const i of changed) {
    const from = definedOn(a[i]!);
    const to = definedOn(b[i]!);
    if (!from || !to || from === to || !NAME.test(from) || !NAME.test(to)) continue;
    if (changed.every((j) => renamedLine(a[j]!, from, to) === b[j])) return [from, to];
  }
  return undefined;
}

/** The renames of a session's edits (Edit and MultiEdit payloads as captured), in order, each once. */
export function renamesOf(edits: { toolName: string; payload: unknown }[]): [string, string][] {
  const out: [string, string][] = [];
  for (const e of edits) {
    const input = e.toolName === 'Edit' || e.toolName === 'MultiEdit' ? (e.payload as { tool_input?: unknown } | null)?.tool_input : undefined;
    for (const [before, after] of input && typeof input === 'object' ? editPairsOf(input as Record<string, unknown>) : []) {
      const r = renameOfEdit(before, after);
      if (r && !out.some(([f, t]) => f === r[0] && t === r[1])) out.push(r);
    }
  }
  return out;
}
