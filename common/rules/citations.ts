/**
 * Citations of code: what a learning or summary was derived from, in a form the client (which has the
 * working tree) can check against today's code in a few milliseconds.
 *
 * A citation names a file (relative to the repository root), the line range the session left it with,
 * a sha256 of the cited lines, and a short hash per cited line: the lines the change added (`lines`)
 * and the lines it removed (`removed`). Checking compares line hashes, not positions, so lines that
 * moved (code inserted above them, a function reordered) still count as present; a file that is gone,
 * lines that changed beyond a threshold, or a change whose removed lines are back and added lines gone
 * (the fix was reverted) make the citation stale.
 *
 * Node built-ins only: the hook client bundles this file (cli/hook-fast.js).
 */
import { createHash } from 'node:crypto';
import type { Citation } from '../../messages/api-v1.js';

export type { Citation };

export type CitationState = 'fresh' | 'moved' | 'changed' | 'gone' | 'reverted';

export interface CitationCheck {
  state: CitationState;
  /** Share of the cited lines still present (0..1). */
  present: number;
}

/** At least this share of the cited lines present: still true (moved or lightly edited). */
export const FRESH_SHARE = 0.6;
/** Below FRESH_SHARE but at least this: "may be outdated" (marked, not dropped). */
export const DOUBTFUL_SHARE = 0.3;
/** Cited lines kept per citation (a long Write is sampled evenly). */
export const MAX_CITED_LINES = 64;
/** Citations kept per learning. */
export const MAX_CITATIONS = 8;

/** Whitespace-insensitive form of a line; '' for lines that say nothing on their own (braces, blank). */
export function normalizeLine(line: string): string {
  let t = line.trim();
  // Most code lines have no inner runs of whitespace: skip the regex for them (this runs per file line).
  if (t.includes('  ') || t.includes('\t')) t = t.replace(/\s+/g, ' ');
  return t.length <= 8 && TRIVIAL.test(t) ? '' : t;
}
const TRIVIAL = /^[\s{}()[\];,.]*$/;

/** A 53-bit string hash (cyrb53) as 14 hex digits: fast enough to hash every line of a file per check. */
export function lineHash(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

function hashesOf(lines: string[]): string[] {
  return lines.map(normalizeLine).filter(Boolean).map(lineHash);
}

function sample<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * step)]!);
}

export function blockHash(lines: string[]): string {
  return createHash('sha256').update(lines.map(normalizeLine).filter(Boolean).join('\n')).digest('hex').slice(0, 16);
}

/** A citation of `after` (the lines as the change left them) at `startLine`, with what it replaced. */
export function citationOf(path: string, startLine: number, after: string[], before: string[] = []): Citation | undefined {
  const afterHashes = hashesOf(after);
  if (afterHashes.length === 0) return undefined;
  const beforeHashes = hashesOf(before);
  const beforeSet = new Set(beforeHashes);
  const afterSet = new Set(afterHashes);
  // What the change added is what the learning rests on; unchanged context lines only locate it.
  const added = afterHashes.filter((h) => !beforeSet.has(h));
  const removed = beforeHashes.filter((h) => !afterSet.has(h));
  return {
    path,
    startLine: Math.max(0, startLine),
    endLine: startLine > 0 ? startLine + after.length - 1 : 0,
    hash: blockHash(after),
    lines: sample(added.length > 0 ? added : afterHashes, MAX_CITED_LINES),
    ...(removed.length > 0 ? { removed: sample(removed, MAX_CITED_LINES) } : {}),
    ...(removed.length === 0 && added.length > 0 && beforeHashes.length > 0 ? { around: sample(beforeHashes, MAX_CITED_LINES) } : {}),
  };
}

/** The file's line hashes, counted (a cited line matches at most as many times as it occurs). */
export function fileLineCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const n = normalizeLine(line);
    if (!n) continue;
    const h = lineHash(n);
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}

/** Share of `hashes` found in the file; each file line matches at most once. */
export function sharePresent(hashes: string[], counts: Map<string, number>): number {
  if (hashes.length === 0) return 0;
  const used = new Map<string, number>();
  let hit = 0;
  for (const h of hashes) {
    const u = used.get(h) ?? 0;
    if ((counts.get(h) ?? 0) > u) {
      hit++;
      used.set(h, u + 1);
    }
  }
  return hit / hashes.length;
}

/**
 * Checks one citation against the file as it is now (`null`: the file is gone). `exact` says whether
 * the cited range still hashes the same (then nothing moved or changed).
 */
export function checkCitation(c: Citation, counts: Map<string, number> | null, exact?: (c: Citation) => boolean): CitationCheck {
  if (counts === null) return { state: 'gone', present: 0 };
  if (c.lines.length === 0) return { state: 'fresh', present: 1 };
  const present = sharePresent(c.lines, counts);
  if (present >= FRESH_SHARE) return { state: exact?.(c) === false ? 'moved' : 'fresh', present };
  if (c.removed && c.removed.length > 0 && sharePresent(c.removed, counts) >= FRESH_SHARE) return { state: 'reverted', present };
  // A pure addition whose lines are gone while the code around it is still there was taken back out.
  if (c.around && present < DOUBTFUL_SHARE && sharePresent(c.around, counts) >= FRESH_SHARE) return { state: 'reverted', present };
  return { state: 'changed', present };
}
