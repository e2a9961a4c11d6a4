/**
 * The uptake benchmark's corpus, from a real repository's history (by default this checkout's own,
 * up to a pinned commit so the figures stay comparable): each commit is one scripted session.
 *
 * - The session's prompt is the commit's subject; what it did is the commit's files (edited) — the
 *   agent's tool calls.
 * - What the session leaves behind is one learning: the commit's subject (title) and message (body),
 *   citing the files it changed, as the summarizer's learnings cite the files a session changed.
 * - The items relevant to a session (the ground truth) are the learnings of earlier sessions that
 *   cite a file the session changed. Files nearly every commit touches (README.md, package.json)
 *   say nothing about relevance: they are not cited.
 */
import { execFileSync } from 'node:child_process';

export interface CorpusSession {
  commit: string;
  at: Date;
  subject: string;
  body: string;
  /** Files the commit changed (relative to the repository root). */
  files: string[];
  /** The files it cites as a learning (its files without the ubiquitous ones). */
  cited: string[];
}

/** A file changed by more than this share of commits is not a citation. */
const UBIQUITOUS_SHARE = 0.06;
/** Images and lockfiles of any ecosystem: no one reads them for advice. */
const NOT_CODE = /\.(?:png|jpe?g|gif|svg|ico|webp|lockb?)$|(?:package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|go\.sum)$/;
/**
 * The files a session edits (the scripted agent's Edit calls, bench/uptake.ts) and by which its
 * relevant items are judged: the first this many of a commit's. A mass change (a rename across the
 * tree, a formatter run) is one session, not hundreds of relevant files.
 */
export const SESSION_FILES = 20;

export function readHistory(repo: string, rev: string, maxSessions: number): CorpusSession[] {
  // Merges are left out (their changes are the merged commits'); paths are written as they are, not octal-quoted.
  const log = execFileSync('git', ['-C', repo, '-c', 'core.quotePath=false', 'log', '--reverse', '--no-merges', '--format=%x1e%H%x1f%aI%x1f%s%x1f%b%x1f', '--name-only', rev], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const commits = log
    .split('\x1e')
    .filter((r) => r.trim())
    .map((record) => {
      const [commit = '', at = '', subject = '', body = '', names = ''] = record.split('\x1f');
      const files = names
        .split('\n')
        .map((f) => f.trim())
        .filter((f) => f && !NOT_CODE.test(f))
        .slice(0, SESSION_FILES);
      return { commit, at: new Date(at), subject: subject.trim(), body: body.trim(), files };
    })
    .filter((c) => c.files.length > 0)
    .slice(-maxSessions);
  // Commits made in the same second (or out of order) become a minute apart: no two sessions tie on time.
  for (let i = 1; i < commits.length; i++) {
    const before = commits[i - 1]!.at.getTime();
    if (commits[i]!.at.getTime() <= before) commits[i]!.at = new Date(before + 60_000);
  }
  const touched = new Map<string, number>();
  for (const c of commits) for (const f of new Set(c.files)) touched.set(f, (touched.get(f) ?? 0) + 1);
  const ubiquitous = new Set([...touched].filter(([, n]) => n > commits.length * UBIQUITOUS_SHARE).map(([f]) => f));
  return commits.map((c) => ({ ...c, cited: c.files.filter((f) => !ubiquitous.has(f)).slice(0, 8) }));
}

/** The ground truth: which earlier learnings (by session index) cite a file session `i` changed. */
export function relevantTo(sessions: CorpusSession[], i: number): number[] {
  const files = new Set(sessions[i]!.files);
  const out: number[] = [];
  for (let j = 0; j < i; j++) if (sessions[j]!.cited.some((f) => files.has(f))) out.push(j);
  return out;
}
