/**
 * Branch, HEAD commit, repository root and default branch of a working tree, read straight from
 * `.git` (HEAD, refs, packed-refs; worktrees through their `gitdir:` file and `commondir`): no `git`
 * process, well under a millisecond, so the hook client can send it with every session start.
 *
 * `isOnBranch` answers whether a commit is in a branch's history; it needs the commit graph and runs
 * one `git rev-list` (only called when an item from another branch is about to be injected).
 *
 * Node built-ins only: the hook client bundles this file (cli/hook-fast.js).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface GitHead {
  /** Branch name, or null on a detached HEAD. */
  branch: string | null;
  /** Full commit id, or null in a repository without commits. */
  commit: string | null;
  /** The worktree's top folder. */
  root: string;
  /** origin's HEAD branch, else `main` or `master` when it exists; null when none is known. */
  defaultBranch: string | null;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The worktree root and its git dir (following a `.git` file), walking up from `start`. */
function findGitDir(start: string): { root: string; gitDir: string } | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dotGit);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) return { root: dir, gitDir: dotGit };
    if (stat?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(read(dotGit) ?? '');
      if (m) return { root: dir, gitDir: path.resolve(dir, m[1]!.trim()) };
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function resolveRef(gitDir: string, commonDir: string, ref: string): string | null {
  for (const base of [gitDir, commonDir]) {
    const v = read(path.join(base, ref))?.trim();
    if (v && /^[0-9a-f]{40,64}$/.test(v)) return v;
    if (v?.startsWith('ref: ')) return resolveRef(gitDir, commonDir, v.slice(5).trim());
  }
  const packed = read(path.join(commonDir, 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}

export function gitHead(cwd: string): GitHead | undefined {
  const found = findGitDir(cwd);
  if (!found) return undefined;
  const { root, gitDir } = found;
  const common = read(path.join(gitDir, 'commondir'))?.trim();
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  const head = read(path.join(gitDir, 'HEAD'))?.trim();
  if (!head) return undefined;
  let branch: string | null = null;
  let commit: string | null;
  if (head.startsWith('ref: ')) {
    const ref = head.slice(5).trim();
    branch = ref.replace(/^refs\/heads\//, '');
    commit = resolveRef(gitDir, commonDir, ref);
  } else {
    commit = /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  }
  const originHead = /^ref:\s*refs\/remotes\/origin\/(.+)$/m.exec(read(path.join(commonDir, 'refs/remotes/origin/HEAD')) ?? '')?.[1]?.trim();
  const defaultBranch =
    originHead ?? (['main', 'master'].find((b) => resolveRef(gitDir, commonDir, `refs/heads/${b}`) !== null) ?? null);
  return { branch, commit, root, defaultBranch };
}

/**
 * Which of `commits` are in the history of `branch` (one `git rev-list`, the last `depth` commits).
 * Empty when git is missing or fails: then nothing is promoted, nothing breaks.
 */
export function commitsOnBranch(root: string, branch: string, commits: string[], depth = 5000): Set<string> {
  const wanted = new Set(commits);
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  try {
    const out = execFileSync('git', ['rev-list', `--max-count=${depth}`, `refs/heads/${branch}`, '--'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
      maxBuffer: 8 * 1024 * 1024,
    });
    for (const line of out.split('\n')) if (wanted.has(line)) found.add(line);
  } catch {
    // not a repository any more, git missing, unknown branch: nothing is known to be merged
  }
  return found;
}

/**
 * Files renamed between `commit` and HEAD (old path -> new path, repository-relative),
 * by git's rename detection (one `git diff`). Empty when git fails or the commit is unknown here.
 */
export function renamesSince(root: string, commit: string, cache?: RenameCache): Map<string, string> {
  const cached = cache?.get(commit);
  if (cached) return cached;
  const out = new Map<string, string>();
  try {
    // Tree to tree (no stat of the working tree): renames committed since `commit`.
    const raw = execFileSync('git', ['diff', '-M', '--name-status', '--diff-filter=R', '-z', commit, 'HEAD', '--'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
      maxBuffer: 8 * 1024 * 1024,
    });
    const parts = raw.split('\0');
    for (let i = 0; i + 2 < parts.length; i += 3) if (parts[i]!.startsWith('R')) out.set(parts[i + 1]!, parts[i + 2]!);
  } catch {
    // unknown commit (a shallow clone, another clone's branch), git missing: no renames known
    return out;
  }
  cache?.set(commit, out);
  return out;
}

export interface RenameCache {
  get(commit: string): Map<string, string> | undefined;
  set(commit: string, renames: Map<string, string>): void;
  /** Writes what was added (a no-op when nothing was). */
  save(): void;
}

/** Entries kept in a rename cache file (the newest). */
const RENAME_CACHE_ENTRIES = 200;

/**
 * Renames between a commit and HEAD never change for the same two commits: the hook client keeps them
 * in a small file (keyed by repository root, commit and HEAD), so consecutive session starts at the
 * same HEAD run no git process for a file that is gone. Unreadable or corrupt: starts empty.
 */
export function fileRenameCache(file: string, root: string, head: string | null): RenameCache {
  let entries: Record<string, [string, string][]> = {};
  try {
    entries = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof entries;
  } catch {
    entries = {};
  }
  let dirty = false;
  const key = (commit: string) => `${root}\0${commit}\0${head ?? ''}`;
  return {
    get: (commit) => (head && entries[key(commit)] ? new Map(entries[key(commit)]) : undefined),
    set: (commit, renames) => {
      if (!head) return;
      entries[key(commit)] = [...renames];
      dirty = true;
    },
    save: () => {
      if (!dirty) return;
      try {
        const kept = Object.entries(entries).slice(-RENAME_CACHE_ENTRIES);
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept)), { mode: 0o600 });
        fs.renameSync(tmp, file);
      } catch {
        // a cache that cannot be written costs a git process next time, nothing more
      }
    },
  };
}
