/**
 * Text as a person reads it. Tool calls are stored as JSON (their input, `---`, their result): in a
 * search snippet or a timeline item that reads as `{"command": "npm test\\nnpm run lint"}`. These
 * helpers turn it into `command: npm test …`, parse a tool's input for the views that show it whole,
 * and name the words of a query to highlight.
 */

/** A flattened JSON excerpt as `key: value` text: no braces, quotes or escaped newlines. Other text as it is. */
export function readable(text: string): string {
  if (!/[{,]\s*"[\w.-]+"\s*:/.test(text) && !text.includes('\\n')) return text;
  return text
    .replace(/\\n/g, ' ')
    .replace(/\\t/g, ' ')
    .replace(/\\"/g, '\u0000')
    .replace(/"([\w.-]+)"\s*:\s*/g, '$1: ')
    .replace(/\[\s*(?=["{])/g, ' ')
    .replace(/(?<=["}])\s*\]/g, ' ')
    .replace(/[{}"]/g, ' ')
    .replace(/\u0000/g, '"')
    .replace(/\s*,\s*(?=[\w.-]+: )/g, ' · ')
    .replace(/\s+/g, ' ')
    .trim();
}

const STOP = new Set(['the', 'and', 'for', 'with', 'was', 'what', 'why', 'how', 'did', 'does', 'our', 'that', 'this', 'from', 'when', 'where', 'which', 'who']);

/** The words of a query worth marking (two letters or more, not the commonest words). */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [])].filter((w) => !STOP.has(w));
}

/**
 * Where the words occur in `text`, as [start, end) ranges of whole words that begin with a word's
 * first five letters (the API's snippets match the same way: "failing" finds "fails").
 */
export function wordRanges(text: string, words: readonly string[]): [number, number][] {
  if (words.length === 0) return [];
  const stems = [...new Set(words.map((w) => w.slice(0, Math.max(2, Math.min(w.length, 5)))))].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${stems.join('|')})[\\p{L}\\p{N}_]*`, 'giu');
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

export interface ToolParts {
  input: Record<string, unknown> | null;
  inputText: string;
  resultText: string;
}

/** A tool item's body (after its title line): its input, parsed when it is whole JSON, and its result. */
export function toolParts(body: string): ToolParts {
  const cut = body.indexOf('\n---\n');
  const inputText = cut >= 0 ? body.slice(0, cut) : body;
  const resultText = cut >= 0 ? body.slice(cut + 5) : '';
  let input: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(inputText);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) input = parsed as Record<string, unknown>;
  } catch {
    input = null;
  }
  return { input, inputText, resultText };
}

/** A JSON value as indented `key: value` lines, strings with their real line breaks. */
export function plainValue(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.includes('\n') ? `\n${value.split('\n').map((l) => `${indent}  ${l}`).join('\n')}` : value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map((v) => `\n${indent}- ${plainValue(v, `${indent}  `).trimStart()}`).join('');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `\n${indent}${k}: ${plainValue(v, `${indent}  `)}`)
    .join('');
}

/** A result's text: JSON made plain when it parses, else as stored with escaped newlines opened. */
export function plainText(text: string): string {
  try {
    return plainValue(JSON.parse(text)).replace(/^\n/, '');
  } catch {
    return text.replace(/\\n/g, '\n');
  }
}

export interface DiffLine {
  sign: ' ' | '-' | '+';
  text: string;
}

/** The edits of an Edit, MultiEdit or Write call as removed and added lines; null for other tools. */
export function editDiff(toolName: string | null, input: Record<string, unknown> | null): { path: string; hunks: DiffLine[][] } | null {
  if (!input) return null;
  const path = typeof input.file_path === 'string' ? input.file_path : '';
  const hunk = (oldText: unknown, newText: unknown): DiffLine[] => [
    ...(typeof oldText === 'string' && oldText ? oldText.split('\n').map((text) => ({ sign: '-' as const, text })) : []),
    ...(typeof newText === 'string' && newText ? newText.split('\n').map((text) => ({ sign: '+' as const, text })) : []),
  ];
  if (toolName === 'Edit' && ('old_string' in input || 'new_string' in input)) return { path, hunks: [hunk(input.old_string, input.new_string)] };
  if (toolName === 'MultiEdit' && Array.isArray(input.edits)) {
    return { path, hunks: (input.edits as Record<string, unknown>[]).map((e) => hunk(e?.old_string, e?.new_string)) };
  }
  if (toolName === 'Write' && typeof input.content === 'string') return { path, hunks: [hunk('', input.content)] };
  return null;
}
