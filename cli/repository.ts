/**
 * The repository a client command runs in, said the same way by every part of the client: the
 * hooks (through the relay), the MCP server and every CLI command send the repository's key
 * (X-Memflow-Project-Key, common/workspace/repository-key.ts) beside its folder name, and the API maps the
 * pair to one project (api/project-key.ts) — in a subfolder too, since both are taken from the
 * repository's root. MEMFLOW_PROJECT names a project explicitly and sends no key.
 */
import { parseClientConfig } from '../common/workspace/client-config.js';
import { resolveProject } from '../common/workspace/project-naming.js';
import { projectKeyOf } from '../common/workspace/repository-key.js';

export interface RepositoryProject {
  /** The project name the API will use when no other repository holds it. */
  name: string;
  key?: string;
  /** Where it came from: MEMFLOW_PROJECT, or the repository (or folder) of `dir`. */
  source: 'MEMFLOW_PROJECT' | 'repository';
}

export function repositoryProject(dir = parseClientConfig().CLAUDE_PROJECT_DIR ?? process.cwd()): RepositoryProject {
  const explicit = parseClientConfig().MEMFLOW_PROJECT;
  if (explicit) return { name: explicit, source: 'MEMFLOW_PROJECT' };
  const key = projectKeyOf(dir);
  return { name: resolveProject(dir, { cache: false }), ...(key ? { key } : {}), source: 'repository' };
}

/** The header that lets the API map this repository's folder name to its own project. */
export function repositoryHeaders(dir?: string): Record<string, string> {
  const p = repositoryProject(dir);
  return p.key ? { 'x-memflow-project-key': p.key } : {};
}
