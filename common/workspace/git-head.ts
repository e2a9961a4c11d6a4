/**
 * Branch, HEAD commit, repository root and default branch of a working tree, read straight from
 * `.git` (HEAD, refs, packed-refs; worktrees through their `gitdir:` file and `commondir`): no `git`
 * process, well under a millisecond, so the hook client can send it with every session start.
 *
 * `commitsOnBranch` answers whether commits are in a branch's history and `renameIndex` where files
 * went; they need the commit graph and run one git process each, within a time budget (the staleness
 * check calls at most one per context, and keeps the answers: `fileGitCache`).
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

/** The commit a local branch points at (loose ref or packed-refs; no git process), or null. */
export function branchTip(cwd: string, branch: string): string | null {
  const found = findGitDir(cwd);
  if (!found) return null;
  const common = read(path.join(found.gitDir, 'commondir'))?.trim();
  return resolveRef(found.gitDir, common ? path.resolve(found.gitDir, common) : found.gitDir, `refs/heads/${branch}`);
}

/**
 * What a git process may cost the agent before its answer is given up (a check never waits longer).
 * It is paid at most once per HEAD (the answer, or that there was none in time, is kept), so it is
 * set for a loaded machine (a git start-up took 150 ms at load 38 on 2 cores) rather than the usual 15-30 ms.
 */
export const GIT_BUDGET_MS = 1000;

/** A git process's output, or null when git failed, is missing, or ran past `timeoutMs` (it is killed). */
function gitOut(root: string, args: string[], timeoutMs: number): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
  } catch {
    return null;
  }
}

/**
 * Which of `commits` are in the history of `branch` (one `git rev-list`, the last `depth` commits).
 * null when git is missing, fails or runs past its budget: then nothing is promoted, nothing breaks.
 */
export function commitsOnBranch(root: string, branch: string, commits: string[], depth = 5000, timeoutMs = GIT_BUDGET_MS): Set<string> | null {
  const wanted = new Set(commits);
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  const out = gitOut(root, ['rev-list', `--max-count=${depth}`, `refs/heads/${branch}`, '--'], timeoutMs);
  if (out === null) return null;
  for (const line of out.split('\n')) if (wanted.has(line)) found.add(line);
  return found;
}

/** Renames in the history of HEAD: old path -> the paths it was renamed to, newest first. */
export type RenameIndex = Map<string, string[]>;

/**
 * Every rename in the last `depth` renaming commits of HEAD's history (repository-relative paths), by
 * git's rename detection: one `git log`, whatever the commits of the items to check. The index does not
 * depend on an item's commit: a file an item cites existed at its commit, so a rename of that path in
 * HEAD's history is where it went (followed through later renames; the content check then decides).
 * null when git fails or runs past `timeoutMs`.
 */
export function renameIndex(root: string, timeoutMs = GIT_BUDGET_MS, depth = 1000): RenameIndex | null {
  const raw = gitOut(root, ['log', '-M', '--diff-filter=R', '--name-status', '-z', `--max-count=${depth}`, '--format=%x01%H', 'HEAD', '--'], timeoutMs);
  if (raw === null) return null;
  const index: RenameIndex = new Map();
  for (const chunk of raw.split('\x01')) {
    // "<commit>\0\n" then "R<score>\0<old>\0<new>\0" per rename.
    const parts = chunk.slice(chunk.indexOf('\n') + 1).split('\0');
    for (let i = 0; i + 2 < parts.length; i += 3) {
      if (!parts[i]!.startsWith('R')) continue;
      const to = index.get(parts[i + 1]!) ?? [];
      to.push(parts[i + 2]!);
      index.set(parts[i + 1]!, to);
    }
  }
  return index;
}

/** Where `file` went by `index`, following later renames: the first existing path (`exists`), else undefined. */
export function followRenames(index: RenameIndex, file: string, exists: (p: string) => boolean): string | undefined {
  const seen = new Set([file]);
  const queue = [...(index.get(file) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (exists(next)) return next;
    queue.push(...(index.get(next) ?? []));
  }
  return undefined;
}

export interface GitCache {
  /** The rename index of this HEAD when an earlier check built it; null when git could not tell in time at this HEAD. */
  renames(): RenameIndex | null | undefined;
  setRenames(index: RenameIndex | null): void;
  /** Commits known to be on the default branch (they stay there), and those not found at its current tip. */
  merged(commit: string): boolean | undefined;
  setMerged(commits: string[], found: Set<string>, tip: string | null): void;
  /** Writes what was added (a no-op when nothing was). */
  save(): void;
}

/** Rename indexes kept in a cache file (the newest HEADs). */
const RENAME_CACHE_ENTRIES = 20;
const MERGED_CACHE_ENTRIES = 2000;

interface GitCacheFile {
  v: 2;
  renames: Record<string, [string, string[]][] | null>;
  merged: Record<string, string | true>;
}

/**
 * What git told a check and will tell again at the same HEAD, kept by the hook client in a small file:
 * the rename index per repository and HEAD (renames under a HEAD never change), and which commits
 * are on the default branch (a merged commit stays merged; "not merged" holds until its tip moves).
 * So consecutive session starts at one HEAD run no git process at all (nor retry one that ran out of
 * time there: a history too long to read in the budget waits for the next HEAD). Unreadable or corrupt: empty.
 */
export function fileGitCache(file: string, root: string, head: string | null, defaultTip: string | null = null): GitCache {
  let data: GitCacheFile = { v: 2, renames: {}, merged: {} };
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as GitCacheFile;
    if (parsed?.v === 2 && parsed.renames && parsed.merged) data = parsed;
  } catch {
    // a fresh cache
  }
  let dirty = false;
  const key = `${root}\0${head ?? ''}`;
  return {
    renames: () => {
      const v = head ? data.renames[key] : undefined;
      return v === undefined ? undefined : v === null ? null : new Map(v);
    },
    setRenames: (index) => {
      if (!head) return;
      delete data.renames[key];
      data.renames[key] = index ? [...index] : null;
      dirty = true;
    },
    merged: (commit) => {
      const v = data.merged[`${root}\0${commit}`];
      return v === true ? true : v !== undefined && v === defaultTip ? false : undefined;
    },
    setMerged: (commits, found, tip) => {
      for (const c of commits) {
        if (!found.has(c) && !tip) continue;
        data.merged[`${root}\0${c}`] = found.has(c) ? true : tip!;
      }
      dirty = true;
    },
    save: () => {
      if (!dirty) return;
      try {
        const out: GitCacheFile = { v: 2, renames: Object.fromEntries(Object.entries(data.renames).slice(-RENAME_CACHE_ENTRIES)), merged: Object.fromEntries(Object.entries(data.merged).slice(-MERGED_CACHE_ENTRIES)) };
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(out), { mode: 0o600 });
        fs.renameSync(tmp, file);
      } catch {
        // a cache that cannot be written costs a git process next time, nothing more
      }
    },
  };
}
