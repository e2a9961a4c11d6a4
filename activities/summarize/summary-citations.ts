/**
 * Citations of the code a session changed, from its Edit / MultiEdit / Write tool calls as captured
 * (the post-tool-use payloads): for each, the file relative to the repository root, the line range the
 * change left and the hashes of the lines it added and removed (common/rules/citations.ts). What a learning
 * cites is the code its source observations changed; what a final summary cites is all of the
 * session's changes (the last change of each file wins).
 */
import path from 'node:path';
import { citationOf, MAX_CITATIONS, type Citation } from '../../common/rules/citations.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The path as the citation keeps it: relative to the repository root (or cwd) when inside it. */
export function citedPath(file: string, root: string | null | undefined): string {
  if (!root || !path.isAbsolute(file)) return file.split(path.sep).join('/');
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** 1-based line where `needle` starts in `text`, or 0. */
function lineOf(text: string | undefined, needle: string): number {
  if (!text || !needle) return 0;
  const i = text.indexOf(needle);
  return i < 0 ? 0 : text.slice(0, i).split('\n').length;
}

interface Hunk {
  newStart?: unknown;
  lines?: unknown;
}

/** What a session's Reads showed of a file: its text from `startLine` on (Read's file.content). */
export type ReadFiles = Map<string, { content: string; startLine: number }>;

/** Records what a captured Read showed, so a later edit of the file can be located in it. */
export function rememberRead(files: ReadFiles, payload: unknown): void {
  const file = obj(obj(obj(payload)?.tool_response)?.file);
  const filePath = str(file?.filePath);
  const content = str(file?.content);
  if (filePath && content !== undefined) files.set(filePath, { content, startLine: typeof file?.startLine === 'number' && file.startLine > 0 ? file.startLine : 1 });
}

/**
 * Citations of one captured edit (one per hunk of its patch, else one per replaced string). The
 * range comes from the patch (Edit's structuredPatch), else from where the replaced text stands in
 * the pre-edit file (originalFile) or in what an earlier Read of the session showed of it; with
 * none of those the citation has no range (startLine and endLine 0), never a made-up one.
 */
export function citationsOfToolCall(toolName: string, payload: unknown, root: string | null | undefined, reads?: ReadFiles): Citation[] {
  const p = obj(payload);
  const input = obj(p?.tool_input);
  const response = obj(p?.tool_response);
  const file = str(input?.file_path) ?? str(response?.filePath);
  if (!file) return [];
  const rel = citedPath(file, root);
  const out: Citation[] = [];
  const push = (c: Citation | undefined) => c && out.push(c);
  if (toolName === 'Write') {
    const content = str(input?.content) ?? '';
    push(citationOf(rel, 1, content.split('\n')));
    return out;
  }
  const patch = Array.isArray(response?.structuredPatch) ? (response.structuredPatch as Hunk[]) : [];
  if (patch.length > 0) {
    for (const h of patch) {
      const lines = Array.isArray(h.lines) ? h.lines.filter((l): l is string => typeof l === 'string') : [];
      const after = lines.filter((l) => !l.startsWith('-')).map((l) => l.slice(1));
      const before = lines.filter((l) => !l.startsWith('+')).map((l) => l.slice(1));
      push(citationOf(rel, typeof h.newStart === 'number' ? h.newStart : 0, after, before));
    }
    return out;
  }
  const edits: { old: string; next: string }[] =
    toolName === 'MultiEdit' && Array.isArray(input?.edits)
      ? (input.edits as unknown[]).map(obj).filter((e) => e !== undefined).map((e) => ({ old: str(e.old_string) ?? '', next: str(e.new_string) ?? '' }))
      : [{ old: str(input?.old_string) ?? '', next: str(input?.new_string) ?? '' }];
  const original = str(response?.originalFile);
  const read = reads?.get(file);
  const located = (old: string) => {
    const inOriginal = lineOf(original, old);
    if (inOriginal > 0 || !read) return inOriginal;
    const inRead = lineOf(read.content, old);
    return inRead > 0 ? read.startLine + inRead - 1 : 0;
  };
  for (const e of edits) push(citationOf(rel, located(e.old), e.next.split('\n'), e.old.split('\n')));
  return out;
}

/** Keeps the newest citation per file and range, at most MAX_CITATIONS (newest first). */
export function mergeCitations(newestLast: Citation[]): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const c of [...newestLast].reverse()) {
    const key = `${c.path}:${c.hash}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length >= MAX_CITATIONS) break;
  }
  return out;
}

/**
 * Citations of a session's edits in order, settled: lines an earlier edit added that a later edit of
 * the same file removed are no longer part of what the earlier edit is cited for (the session itself
 * changed them), so a learning is not found stale for code its own session rewrote.
 */
export function settleCitations(edits: { sequence: number; citations: Citation[] }[]): Map<number, Citation[]> {
  const out = new Map<number, Citation[]>();
  const ordered = [...edits].sort((a, b) => a.sequence - b.sequence);
  for (let i = 0; i < ordered.length; i++) {
    const settled = ordered[i]!.citations.map((c) => {
      let lines = c.lines;
      for (const later of ordered.slice(i + 1)) {
        for (const lc of later.citations) {
          if (lc.path !== c.path || !lc.removed) continue;
          const gone = new Set(lc.removed.filter((h) => !lc.lines.includes(h)));
          lines = lines.filter((h) => !gone.has(h));
        }
      }
      return { ...c, lines };
    });
    // A citation whose lines the session itself removed entirely cites nothing that can be checked.
    out.set(ordered[i]!.sequence, settled.filter((c) => c.lines.length > 0));
  }
  return out;
}
