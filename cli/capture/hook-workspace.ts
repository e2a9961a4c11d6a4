/**
 * Where a hook event comes from, read on the developer's machine: the project (name and repository
 * key) and, for the events that open and close a turn, the branch and HEAD (from .git, no git process).
 */
import { resolveProject } from '../../common/workspace/project-naming.js';
import { projectKeyOf } from '../../common/workspace/repository-key.js';
import { gitHead, type GitHead } from '../../common/workspace/git-head.js';
import { parseClientConfig } from '../../common/workspace/client-config.js';

/**
 * The project, resolved here where the working tree is: MEMFLOW_PROJECT when set; else the
 * repository of $CLAUDE_PROJECT_DIR (where Claude Code was started, so a session that `cd`s stays one
 * project), else of the hook's cwd, named after its main worktree's folder and keyed by its remote so
 * that unrelated repositories with the same folder name stay apart.
 */
export function projectOfHook(body: Record<string, unknown>, projectDir?: string): [string?, string?] {
  const config = parseClientConfig();
  if (config.MEMFLOW_PROJECT) return [config.MEMFLOW_PROJECT];
  const root = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  if (!root) return [];
  return [resolveProject(root), recentProjectKey(root)];
}

/** How long the relay reuses a working tree's project key (its remote changes rarely). */
const PROJECT_KEY_TTL_MS = 5_000;
const projectKeys = new Map<string, { key: string | undefined; at: number }>();

/**
 * projectKeyOf, read again at most every few seconds per working tree: the relay answers every hook
 * of every session, and reading the repository's files (a walk up to `.git`, its config, a
 * realpath) took 0.4 ms of each answer in a profile of the relay under load.
 */
function recentProjectKey(root: string): string | undefined {
  const now = Date.now();
  const hit = projectKeys.get(root);
  if (hit && now - hit.at < PROJECT_KEY_TTL_MS) return hit.key;
  const key = projectKeyOf(root);
  projectKeys.set(root, { key, at: now });
  if (projectKeys.size > 1000) projectKeys.delete(projectKeys.keys().next().value!);
  return key;
}

/** Events that carry the repository's branch and HEAD (memflowGit). */
export const GIT_EVENTS = new Set(['session-start', 'stop', 'session-end']);

export function gitOfHook(body: Record<string, unknown>, projectDir?: string): GitHead | undefined {
  const config = parseClientConfig();
  if (!config.MEMFLOW_GIT) return undefined;
  const dir = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  try {
    return dir ? gitHead(dir) : undefined;
  } catch {
    return undefined;
  }
}

