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
  return [resolveProject(root), projectKeyOf(root)];
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

