/**
 * The symbols a change touched, read from the change itself: the lines an Edit or a Write changed,
 * and for each the innermost definition (function, class, method, constant) it sits in or defines.
 * Never every symbol of a file that was rewritten: a Write is compared with the file before it (the
 * patch Claude Code returns, or an earlier Write of the same file in the session); when neither is
 * known, the change is told by its file alone.
 */
import { inputJson, resultOf, subject, type ObservationLine } from './check-outcomes.js';

const DEFINITION = /^\s*(?:export\s+)?(?:default\s+)?(?:public |private |protected |static |async |pub |override )*(?:def|function\*?|class|func|fn|interface|type|const|let|var|struct|enum|impl|trait)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)/;
const METHOD = /^\s*(?:public |private |protected |static |async |get |set )*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::[^{=]+)?\{\s*$/;
const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'with', 'elif', 'else']);

/** Prose and data have no symbols. */
const NO_SYMBOLS = /\.(md|rst|txt|json|ya?ml|toml|cfg|ini|lock|csv|html?|css)$/i;

/** The name a line defines (a function, class, method, constant), if any. */
export function definitionOn(line: string): string | undefined {
  const d = line.match(DEFINITION);
  if (d?.[1]) return d[1];
  const m = line.match(METHOD);
  return m?.[1] && !NOT_METHODS.has(m[1]) ? m[1] : undefined;
}

const indentOf = (line: string) => line.match(/^\s*/)![0].replace(/\t/g, '    ').length;

/** The innermost definition line `i` of `lines` defines or sits in (indentation tells what encloses it). */
function enclosing(lines: string[], i: number): string | undefined {
  const own = definitionOn(lines[i] ?? '');
  if (own) return own;
  let indent = lines[i]?.trim() ? indentOf(lines[i]!) : Infinity;
  for (let j = i - 1; j >= 0; j--) {
    const l = lines[j]!;
    if (!l.trim()) continue;
    const d = indentOf(l);
    if (d >= indent) continue;
    const def = definitionOn(l);
    if (def) return def;
    indent = d;
    if (d === 0) return undefined;
  }
  return undefined;
}

/** Lines of `after` that are not in `before` (a longest-common-subsequence diff), and where removed lines were. */
export function changedLines(before: string[], after: string[]): number[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const b = before.slice(start, endB);
  const a = after.slice(start, endA);
  if (a.length === 0) return b.length > 0 ? [Math.max(0, start - 1)] : [];
  if (b.length === 0 || a.length * b.length > 4_000_000) return a.map((_, k) => start + k);
  // LCS table over the middle that differs.
  const w = b.length + 1;
  const t = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || t[i * w + j + 1]! >= t[(i + 1) * w + j]!)) {
      out.push(start + Math.min(i, a.length - 1)); // a removed line: where it was
      j++;
    } else {
      out.push(start + i);
      i++;
    }
  }
  return [...new Set(out)];
}

/** Symbols of the changed lines of `after`. */
function symbolsAt(after: string[], changed: number[]): string[] {
  const out: string[] = [];
  for (const i of changed) {
    const s = enclosing(after, i);
    if (s) out.push(s);
  }
  return [...new Set(out)];
}

const linesOf = (s: string) => s.replace(/\r\n/g, '\n').split('\n');

/** The new-file line numbers (0-based) of Claude Code's structuredPatch hunks, when its result carries one. */
function patchedLines(result: string): number[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    return undefined;
  }
  const patch = (parsed as { structuredPatch?: unknown })?.structuredPatch;
  if (!Array.isArray(patch)) return undefined;
  const out: number[] = [];
  for (const h of patch as { newStart?: number; lines?: unknown[] }[]) {
    let n = (h.newStart ?? 1) - 1;
    for (const l of h.lines ?? []) {
      if (typeof l !== 'string') continue;
      if (l.startsWith('+')) out.push(n++);
      else if (l.startsWith('-')) out.push(Math.max(0, n - 1));
      else n++;
    }
  }
  return out;
}

/**
 * The symbols a change touched, given the whole file before and after it (the capture path has both
 * for Claude Code's Edit and Write: `originalFile`, and the edit applied to it).
 */
export function symbolsOfChange(file: string, before: string, after: string): string[] {
  if (NO_SYMBOLS.test(file)) return [];
  const next = linesOf(after);
  return symbolsAt(next, changedLines(linesOf(before), next));
}

/** The file after an Edit, MultiEdit or Write of `before`, from the tool's input; undefined when it does not apply. */
export function contentAfter(toolName: string, input: Record<string, unknown>, before: string): string | undefined {
  if (toolName === 'Write') return typeof input.content === 'string' ? input.content : undefined;
  const edits = toolName === 'MultiEdit' && Array.isArray(input.edits) ? (input.edits as Record<string, unknown>[]) : toolName === 'Edit' ? [input] : [];
  let text = before;
  for (const e of edits) {
    if (typeof e.old_string !== 'string' || typeof e.new_string !== 'string' || !text.includes(e.old_string)) return undefined;
    text = e.replace_all === true ? text.replaceAll(e.old_string, e.new_string) : text.replace(e.old_string, e.new_string);
  }
  return edits.length > 0 || toolName === 'Write' ? text : undefined;
}

/** The old and new text of an Edit's input (`old_string`, `new_string`) or of each of a MultiEdit's `edits`. */
export function editPairsOf(input: Record<string, unknown>): [string, string][] {
  const pairs: [string, string][] = [];
  if (typeof input.old_string === 'string' && typeof input.new_string === 'string') pairs.push([input.old_string, input.new_string]);
  if (Array.isArray(input.edits))
    for (const e of input.edits as unknown[]) {
      const x = e && typeof e === 'object' ? (e as Record<string, unknown>) : {};
      if (typeof x.old_string === 'string' && typeof x.new_string === 'string') pairs.push([x.old_string, x.new_string]);
    }
  return pairs;
}

/** The symbols the capture path recorded for a change (`changedSymbols` in its result), when it did. */
function recordedSymbols(result: string): string[] | undefined {
  const m = result.match(/"changedSymbols":\s*(\[[^\]]*\])/);
  if (!m) return undefined;
  try {
    const v = JSON.parse(m[1]!) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a Write created its file (Claude Code says `"type":"create"`). */
const created = (result: string) => /"type"\s*:\s*"create"/.test(result);

/**
 * What one Edit/Write changed, by symbol, given the file's content before it when known (an earlier
 * Write of the session). Returns the symbols and the content after it, when known.
 */
export function editSymbols(edit: ObservationLine, before: string | undefined): { symbols: string[]; after?: string } {
  const file = subject(edit);
  const input = inputJson(edit);
  const result = resultOf(edit);
  const noSymbols = NO_SYMBOLS.test(file);
  const recorded = recordedSymbols(result);
  if (typeof input.content === 'string') {
    if (recorded) return { symbols: noSymbols ? [] : recorded, after: input.content };
    const after = linesOf(input.content);
    if (noSymbols) return { symbols: [], after: input.content };
    // A created file is new in every line; an update carries its patch (Claude Code) or is compared with what was there.
    const patched = created(result) ? undefined : patchedLines(result);
    const changed = patched ?? (before !== undefined ? changedLines(linesOf(before), after) : created(result) ? after.map((_, i) => i) : undefined);
    return { symbols: changed ? symbolsAt(after, changed) : [], after: input.content };
  }
  const pairs = editPairsOf(input);
  let after = before;
  const symbols: string[] = [];
  if (recorded) {
    // The capture path read the change in the whole file: its symbols stand; the content after follows when known.
    for (const [oldS, newS] of pairs) after = after !== undefined && after.includes(oldS) ? after.replace(oldS, newS) : undefined;
    return { symbols: noSymbols ? [] : recorded, ...(after !== undefined ? { after } : {}) };
  }
  for (const [oldS, newS] of pairs) {
    if (after !== undefined && after.includes(oldS)) {
      // The whole file is known: the change is read in it, so the enclosing definition is found.
      const at = linesOf(after.slice(0, after.indexOf(oldS))).length - 1;
      const next = after.replace(oldS, newS);
      const changed = changedLines(linesOf(oldS), linesOf(newS)).map((i) => at + i);
      if (!noSymbols) symbols.push(...symbolsAt(linesOf(next), changed));
      after = next;
    } else {
      after = undefined;
      if (!noSymbols) symbols.push(...symbolsAt(linesOf(newS), changedLines(linesOf(oldS), linesOf(newS))));
    }
  }
  return { symbols: [...new Set(symbols)], ...(after !== undefined ? { after } : {}) };
}

/**
 * The symbols each edit changed, following each file through the session (`history`: the
 * observations before and among the edits, in order; Writes there give the content later edits start from).
 */
export function symbolsByEdit(edits: ObservationLine[], history: ObservationLine[] = edits): Map<ObservationLine, string[]> {
  const content = new Map<string, string | undefined>();
  const out = new Map<ObservationLine, string[]>();
  const wanted = new Set(edits);
  const all = [...new Set([...history, ...edits])].sort((a, b) => a.sequence - b.sequence);
  for (const o of all) {
    if (o.kind !== 'tool' || !['Edit', 'MultiEdit', 'Write', 'NotebookEdit'].includes(o.toolName ?? '')) continue;
    const file = subject(o);
    const { symbols, after } = editSymbols(o, content.get(file));
    content.set(file, after);
    if (wanted.has(o)) out.set(o, symbols);
  }
  return out;
}

/** What a set of edits changed, as a learning says it: files, with the symbols the changes touched. */
export function changesOf(edits: ObservationLine[], history: ObservationLine[] = edits): string {
  const symbols = symbolsByEdit(edits, history);
  const byFile = new Map<string, string[]>();
  for (const e of edits) byFile.set(subject(e), [...(byFile.get(subject(e)) ?? []), ...(symbols.get(e) ?? [])]);
  const files = [...byFile].map(([file, syms]) => (syms.length > 0 ? `${file} (${[...new Set(syms)].slice(0, 4).join(', ')})` : file));
  return files.slice(0, 5).join('; ') + (files.length > 5 ? `; and ${files.length - 5} more` : '');
}
