/**
 * One default scope for every client command run in a repository: the current repository's project
 * (named as the hooks name it), the same for search, learnings, memories, context and sessions.
 * `--project <name>` names another project, `--all-projects` lifts the scope; outside a repository
 * the default is $MEMFLOW_PROJECT, else every project of the tenant.
 */
import { repositoryDirOf, resolveProject } from '../common/workspace/project-naming.js';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { CliError } from './output.js';

export interface ScopeOptions {
  project?: string;
  allProjects?: boolean;
}

export interface Scope {
  /** undefined: every project. */
  project: string | undefined;
  /** Where the project came from, for messages ("in project x (this repository)"). */
  from: 'flag' | 'env' | 'repository' | 'all';
}

export function scopeOf(opts: ScopeOptions, cwd = process.cwd()): Scope {
  if (opts.project !== undefined && opts.allProjects) throw new CliError('--project and --all-projects do not go together: pick one');
  if (opts.project !== undefined) return { project: opts.project, from: 'flag' };
  if (opts.allProjects) return { project: undefined, from: 'all' };
  const env = parseClientConfig().MEMFLOW_PROJECT;
  if (env) return { project: env, from: 'env' };
  if (repositoryDirOf(cwd) !== undefined) return { project: resolveProject(cwd, { cache: false }), from: 'repository' };
  return { project: undefined, from: 'all' };
}

/** "in project 'x' (this repository; --all-projects for every project)", or "in every project". */
export function scopeNote(scope: Scope): string {
  if (scope.project === undefined) return 'in every project';
  const why = scope.from === 'repository' ? 'this repository' : scope.from === 'env' ? '$MEMFLOW_PROJECT' : '--project';
  return `in project '${scope.project}' (${why}${scope.from === 'flag' ? '' : '; --all-projects for every project'})`;
}

/** The help text of --project and --all-projects, the same on every command. */
export const PROJECT_HELP = "only this project (default: $MEMFLOW_PROJECT, else the current repository's project, else every project)";
export const ALL_PROJECTS_HELP = 'every project of the tenant, wherever it is run';
