/**
 * Project identity. A hook names its project by its `cwd`: every git worktree of one repository is
 * one project, named after the main worktree's folder. This runs on the hook hot path, so it reads
 * the filesystem directly (a few stat/read calls, then a cache hit) instead of spawning `git`.
 */
import fs from 'node:fs';
import path from 'node:path';

export const MAX_PROJECT_NAME_LENGTH = 128;

/** What a cwd resolves to when no folder name can be taken from it (`/`, `C:\`, empty). */
export const FALLBACK_PROJECT = 'default';

export type ProjectNameRule = 'type' | 'empty' | 'too-long' | 'control-character' | 'path-separator' | 'dot-segment' | 'invalid-unicode';

/** An explicit project name (`X-Memflow-Project`, `?project=`) that breaks one of the rules. */
export class InvalidProjectName extends Error {
  override name = 'InvalidProjectName';

  constructor(
    readonly rule: ProjectNameRule,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates an explicit project name and returns its canonical form (trimmed, Unicode NFC).
 * Rules: 1 to 128 characters after trimming, no control characters, no `/` or `\`, not `.` or `..`.
 */
export function normalizeProjectName(name: string): string {
  if (typeof name !== 'string') throw new InvalidProjectName('type', 'project name must be a string');
  const trimmed = name.trim().normalize('NFC');
  if (trimmed.length === 0) throw new InvalidProjectName('empty', 'project name must not be empty');
  const length = [...trimmed].length;
  if (length > MAX_PROJECT_NAME_LENGTH) {
    throw new InvalidProjectName(
      'too-long',
      `project name must be at most ${MAX_PROJECT_NAME_LENGTH} characters (got ${length})`,
    );
  }
  // A lone UTF-16 surrogate is no character PostgreSQL can store (the fuzzer's "\ud800" was a 500).
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(trimmed)) {
    throw new InvalidProjectName('invalid-unicode', 'project name must be valid Unicode (no lone surrogate)');
  }
  if (/\p{Cc}/u.test(trimmed)) {
    throw new InvalidProjectName('control-character', 'project name must not contain control characters');
  }
  if (/[/\\]/.test(trimmed)) {
    throw new InvalidProjectName('path-separator', 'project name must not contain "/" or "\\"');
  }
  if (trimmed === '.' || trimmed === '..') {
    throw new InvalidProjectName('dot-segment', 'project name must not be "." or ".."');
  }
  return trimmed;
}

/** Makes a folder name acceptable to {@link normalizeProjectName} rather than rejecting it. */
function toProjectName(folder: string): string {
  const cleaned = [...folder.normalize('NFC').replace(/[\p{Cc}/\\]/gu, '_').trim()]
    .slice(0, MAX_PROJECT_NAME_LENGTH)
    .join('')
    .trim();
  if (cleaned.length === 0 || cleaned === '.' || cleaned === '..') return FALLBACK_PROJECT;
  return cleaned;
}

/**
 * The last segment of a path given in either style (`/home/me/proj/`, `C:\Users\me\proj`), for a
 * cwd that does not exist on this machine (the agent may run elsewhere than the API).
 */
export function pathBasename(p: string): string {
  const segments = p.trim().split(/[\\/]+/).filter((s) => s.length > 0);
  const last = segments[segments.length - 1];
  if (last === undefined || /^[A-Za-z]:$/.test(last)) return FALLBACK_PROJECT;
  return toProjectName(last);
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

const stripGitSuffix = (name: string): string => (name.endsWith('.git') && name.length > 4 ? name.slice(0, -4) : name);

/** A repository directory: the main `.git`, a bare repository, or a submodule's `.git/modules/<name>`. */
function isRepositoryDir(dir: string): boolean {
  return (
    statOf(path.join(dir, 'HEAD'))?.isFile() === true &&
    statOf(path.join(dir, 'objects'))?.isDirectory() === true &&
    statOf(path.join(dir, 'refs'))?.isDirectory() === true
  );
}

/** The project named by a repository directory (what a worktree's `commondir` points at). */
function nameOfRepositoryDir(repoDir: string): string {
  const base = path.basename(repoDir);
  // `<main>/.git` → the main worktree's folder; a bare `proj.git` or `.git/modules/proj` → `proj`.
  return base === '.git' ? path.basename(path.dirname(repoDir)) : stripGitSuffix(base);
}

/** The project for a worktree root whose `.git` is a file (`gitdir: <path>`). */
function nameFromGitFile(worktreeRoot: string, gitFile: string): string {
  const content = readText(gitFile);
  const gitdirLine = content === undefined ? undefined : /^gitdir:[ \t]*(.+?)[ \t]*$/m.exec(content)?.[1];
  if (gitdirLine === undefined) return path.basename(worktreeRoot);
  const gitdir = path.resolve(worktreeRoot, gitdirLine);

  // A linked worktree: its admin dir has `commondir`, pointing (usually `../..`) at the main `.git`.
  const commondir = readText(path.join(gitdir, 'commondir'))?.trim();
  if (commondir) return nameOfRepositoryDir(path.resolve(gitdir, commondir));

  // The admin dir is gone or unreadable (pruned, another machine's path): read the layout instead.
  const parts = gitdir.split(/[\\/]/);
  const wt = parts.lastIndexOf('worktrees');
  if (wt > 0 && wt === parts.length - 2) {
    return nameOfRepositoryDir(parts.slice(0, wt).join(path.sep) || path.sep);
  }
  // A submodule (`.git/modules/<name>`) or a `--separate-git-dir` checkout: the folder's own name.
  return path.basename(worktreeRoot);
}

/**
 * The repository directory (the common git dir every worktree shares) of a cwd, or undefined when
 * the cwd is in no repository here. Same walk as the name, so both always agree.
 */
export function repositoryDirOf(cwd: string): string | undefined {
  if (!path.isAbsolute(cwd)) return undefined;
  const start = statOf(cwd);
  if (start === undefined) return undefined;
  let dir = path.resolve(start.isDirectory() ? cwd : path.dirname(cwd));
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = statOf(dotGit);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const gitdirLine = /^gitdir:[ \t]*(.+?)[ \t]*$/m.exec(readText(dotGit) ?? '')?.[1];
      if (gitdirLine === undefined) return undefined;
      const gitdir = path.resolve(dir, gitdirLine);
      const commondir = readText(path.join(gitdir, 'commondir'))?.trim();
      return commondir ? path.resolve(gitdir, commondir) : gitdir;
    }
    if (isRepositoryDir(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The root of the working tree (the folder holding `.git`) that contains `cwd`, or undefined. */
export function workTreeRootOf(cwd: string): string | undefined {
  if (!path.isAbsolute(cwd)) return undefined;
  const start = statOf(cwd);
  if (start === undefined) return undefined;
  let dir = path.resolve(start.isDirectory() ? cwd : path.dirname(cwd));
  for (;;) {
    if (statOf(path.join(dir, '.git')) !== undefined) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolveUncached(cwd: string): string {
  if (!path.isAbsolute(cwd)) return pathBasename(cwd);
  const start = statOf(cwd);
  if (start === undefined) return pathBasename(cwd);

  let dir = path.resolve(start.isDirectory() ? cwd : path.dirname(cwd));
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = statOf(dotGit);
    if (st?.isDirectory()) return toProjectName(path.basename(dir));
    if (st?.isFile()) return toProjectName(nameFromGitFile(dir, dotGit));
    if (isRepositoryDir(dir)) return toProjectName(nameOfRepositoryDir(dir));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return pathBasename(cwd);
}

// ---------------------------------------------------------------------------------------------
// Cache: a small LRU (a Map's insertion order; a hit moves the entry to the end).
// ---------------------------------------------------------------------------------------------

export const PROJECT_CACHE_SIZE = 1000;
const cache = new Map<string, string>();

export function clearProjectCache(): void {
  cache.clear();
}

export interface ResolveProjectOptions {
  /** Use and fill the per-process cache (default true). A repository created later is not noticed. */
  cache?: boolean;
}

/**
 * The project for a hook's `cwd`: the git repository's name, the same for every worktree of it;
 * for a cwd that does not exist here or is in no repository, its last path segment. Never throws.
 */
export function resolveProject(cwd: string, opts: ResolveProjectOptions = {}): string {
  const useCache = opts.cache ?? true;
  if (useCache) {
    const hit = cache.get(cwd);
    if (hit !== undefined) {
      cache.delete(cwd);
      cache.set(cwd, hit);
      return hit;
    }
  }
  const name = resolveUncached(cwd);
  if (useCache) {
    cache.set(cwd, name);
    if (cache.size > PROJECT_CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
  }
  return name;
}

/** For tests: how many cwds are cached. */
export function projectCacheSize(): number {
  return cache.size;
}
