/**
 * What becomes of a file memflow writes into a repository: either it is meant to be committed — and
 * then it must be portable (no machine path, no localhost URL, no key) — or it is kept out of git by a
 * line in the repository's `.git/info/exclude` (never the team's `.gitignore`). The decision is made per
 * file from what the file holds, and install says it; uninstall takes the exclude line out again, and
 * the folders memflow made when they are left empty, so that install then uninstall leave the
 * repository as it was.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The comment memflow writes above each of its exclude lines (what uninstall recognises). */
const MARK = '# memflow:';

function excludeFile(root: string): string | undefined {
  const gitDir = path.join(root, '.git');
  try {
    // A worktree's .git is a file: its info/exclude is the main repository's; left alone.
    return fs.statSync(gitDir).isDirectory() ? path.join(gitDir, 'info', 'exclude') : undefined;
  } catch {
    return undefined;
  }
}

const lineOf = (rel: string) => `/${rel.split(path.sep).join('/')}`;

/** Lists `rel` (a path from the repository's root) in .git/info/exclude, with why; idempotent. */
export function excludeFromGit(root: string, rel: string, why: string): boolean {
  const exclude = excludeFile(root);
  if (!exclude) return false;
  let text = '';
  try {
    text = fs.readFileSync(exclude, 'utf8');
  } catch {
    fs.mkdirSync(path.dirname(exclude), { recursive: true });
  }
  const line = lineOf(rel);
  if (text.split('\n').some((l) => l.trim() === line)) return true;
  fs.appendFileSync(exclude, `${text && !text.endsWith('\n') ? '\n' : ''}${MARK} ${why}\n${line}\n`);
  return true;
}

/** Takes `rel`'s exclude line (and memflow's comment above it) out of .git/info/exclude. */
export function unexcludeFromGit(root: string, rel: string): boolean {
  const exclude = excludeFile(root);
  if (!exclude) return false;
  let text: string;
  try {
    text = fs.readFileSync(exclude, 'utf8');
  } catch {
    return false;
  }
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trim() === lineOf(rel));
  if (i < 0) return false;
  const from = i > 0 && (lines[i - 1]!.startsWith(MARK) || lines[i - 1]!.startsWith("# memflow's")) ? i - 1 : i;
  lines.splice(from, i - from + 1);
  fs.writeFileSync(exclude, lines.join('\n'));
  return true;
}

/** Whether git tracks `file` (a tracked file cannot be excluded). */
export function isTracked(root: string, file: string): boolean {
  try {
    execFileSync('git', ['ls-files', '--error-unmatch', path.relative(root, file)], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why `text` cannot be committed (it would be wrong on another machine, or leak a key); [] when it can. */
export function notPortable(text: string, machine: { root: string; home: string }): string[] {
  const why: string[] = [];
  if (/\b(?:127\.0\.0\.1|localhost|\[::1\]):\d+/.test(text)) why.push('a localhost URL');
  if (text.includes(machine.root) || (machine.home.length > 1 && text.includes(machine.home))) why.push('a path of this machine');
  if (/\bmf_[A-Za-z0-9_-]{16,}/.test(text)) why.push('an API key');
  return why;
}

export type FilePolicy = { file: string; rel: string; committed: boolean; note: string };

/**
 * Decides what becomes of a file memflow wrote in the repository: portable → meant to be committed;
 * otherwise excluded from git (or, when git already tracks it, a warning that it now holds
 * machine-specific entries).
 */
export function placeInRepository(root: string, file: string, home: string, what: string): FilePolicy {
  const rel = path.relative(root, file);
  const reasons = notPortable(fs.readFileSync(file, 'utf8'), { root, home });
  if (reasons.length === 0) {
    unexcludeFromGit(root, rel);
    return { file, rel, committed: true, note: `${rel}: portable (${what}; no machine path, URL or key) — meant to be committed, so teammates get it too` };
  }
  if (isTracked(root, file)) return { file, rel, committed: true, note: `${rel}: git tracks it, and it now holds ${reasons.join(' and ')} — do not commit memflow's entries` };
  excludeFromGit(root, rel, `${what} (machine-specific)`);
  return { file, rel, committed: false, note: `${rel}: holds ${reasons.join(' and ')}, so it is kept out of git (.git/info/exclude)` };
}

/** Removes each folder (from the deepest) that is left empty; the repository's root is never removed. */
export function removeEmptyFolders(folders: string[], stopAt: string): void {
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    if (path.resolve(dir) === path.resolve(stopAt) || !path.resolve(dir).startsWith(path.resolve(stopAt))) continue;
    try {
      fs.rmdirSync(dir);
    } catch {
      // not empty, or not there
    }
  }
}

/** Removes `file` if it exists; true when it did. */
export function removeFile(file: string): boolean {
  try {
    fs.rmSync(file);
    return true;
  } catch {
    return false;
  }
}
