/**
 * The identifier-like words of a text, read by a scan of its characters (no parse): whether a file can hold
 * one of a project's anchored identifiers at all (most files of a project hold none, and are never parsed),
 * and the words a prompt names. Lower-cased: identifiers are matched without case.
 */

/** Whether a character can be part of an identifier (ASCII letters, digits, `_`, `$`). */
function identChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/**
 * The identifier-like words of `text`, lower-cased, that `keep` accepts (all when none is given): a
 * scan of characters, not a reading of the code — it only says whether a parse can find anything.
 */
export function wordsOf(text: string, keep?: (w: string) => boolean, max = Infinity): Set<string> {
  const out = new Set<string>();
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (identChar(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      const w = text.slice(start, i).toLowerCase();
      start = -1;
      if (!keep || keep(w)) {
        out.add(w);
        if (out.size >= max) break;
      }
    }
  }
  return out;
}

/** True when some word of `text` is one of `identifiers` (lower-case). */
export function mentionsAny(text: string, identifiers: ReadonlySet<string>): boolean {
  if (identifiers.size === 0) return false;
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (identChar(c)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (identifiers.has(text.slice(start, i).toLowerCase())) return true;
      start = -1;
    }
  }
  return false;
}
