/**
 * The project name for a hook that says which repository it comes from (X-Memflow-Project with
 * X-Memflow-Project-Key, sent by the hook client): the project already keyed so; else the project of
 * that name if no other repository holds it (an unkeyed one is claimed); else, when another repository
 * already has the name, the name with the key's first six digits (`shop-1a2b3c`). Unrelated
 * repositories named alike stay apart; every worktree and clone of one repository (same remote) is
 * one project. Answers are cached per process: a project's key never changes once set.
 */
import type { PgPool } from '../../common/server/pg.js';
import { MAX_PROJECT_NAME_LENGTH } from '../../common/workspace/project-naming.js';

export const PROJECT_KEY = /^[0-9a-f]{16}$/;

/** The name a repository gets when another repository already holds its folder's name: `shop-1a2b3c`. */
export const keyedProjectName = (name: string, key: string) => `${name.slice(0, MAX_PROJECT_NAME_LENGTH - 7)}-${key.slice(0, 6)}`;
const CACHE_SIZE = 2000;

export interface ProjectIdentities {
  nameFor(tenantId: string, name: string, key: string): Promise<string>;
}

export function createProjectIdentities(pool: PgPool): ProjectIdentities {
  const cache = new Map<string, string>();
  async function claim(tenantId: string, name: string, key: string): Promise<string | undefined> {
    // Creates the project with this key, or takes over one of this name that has no key yet.
    const { rows } = await pool.query<{ identity: string | null }>(
      `INSERT INTO projects (tenant_id, name, identity, last_seen_at, updated_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (tenant_id, name) DO UPDATE SET identity = COALESCE(projects.identity, excluded.identity)
       RETURNING identity`,
      [tenantId, name, key],
    );
    return rows[0]?.identity === key ? name : undefined;
  }
  return {
    async nameFor(tenantId, name, key) {
      const id = `${tenantId}:${key}`;
      const hit = cache.get(id);
      if (hit !== undefined) return hit;
      const known = await pool.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 AND identity = $2 ORDER BY created_at LIMIT 1', [tenantId, key]);
      const resolved =
        known.rows[0]?.name ?? (await claim(tenantId, name, key)) ?? (await claim(tenantId, keyedProjectName(name, key), key)) ?? name;
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(id, resolved);
      return resolved;
    },
  };
}
