/**
 * One project identity for every read as for the hooks: a client that sends X-Memflow-Project-Key
 * (the hooks' relay, the MCP entry `memflow install` writes, every CLI command run in a repository)
 * with a project name gets the project that key belongs to. When another repository already had the
 * folder's name, the hooks stored this one as `<name>-<key digits>`: without this, MCP search and
 * `memflow context` in the repository read the other repository's memory. Only the folder name the
 * keyed project was derived from is mapped. Read-only: a key that no
 * project holds yet leaves the name as it was (the hooks create projects, reads never do).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PgPool } from '../common/server/pg.js';
import { keyedProjectName, PROJECT_KEY } from '../common/workspace/repository-key.js';

const CACHE_SIZE = 2000;

export function registerProjectKeyResolution(app: FastifyInstance, pool: PgPool): void {
  const cache = new Map<string, string | null>();
  async function keyedName(tenantId: string, key: string, named: string, ownFolder: boolean): Promise<string | null> {
    const id = `${tenantId}:${key}`;
    const hit = cache.get(id);
    if (hit) return hit;
    const { rows } = await pool.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 AND identity = $2 ORDER BY created_at LIMIT 1', [tenantId, key]);
    const name = rows[0]?.name ?? null;
    // A key's project never changes once set; a miss is not cached (the hooks may create it soon).
    if (name) {
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(id, name);
      return name;
    }
    if (!ownFolder) return null;
    const { rows: holder } = await pool.query<{ identity: string | null }>('SELECT identity FROM projects WHERE tenant_id = $1 AND name = $2', [tenantId, named]);
    const other = holder[0]?.identity;
    return other && other !== key ? keyedProjectName(named, key) : null;
  }
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const key = req.headers['x-memflow-project-key'];
    if (typeof key !== 'string' || !PROJECT_KEY.test(key) || !req.principal || req.url.startsWith('/v1/hooks/')) return;
    const header = req.headers['x-memflow-project'];
    const query = req.query as Record<string, unknown> | undefined;
    const named = typeof query?.project === 'string' && query.project ? query.project : typeof header === 'string' ? header : undefined;
    if (!named) return;
    const name = await keyedName(req.principal.tenantId, key, named, header === named);
    // Only the name the key's project was derived from (`shop` for `shop-1a2b3c`): an explicit
    // other project named alongside a repository's key stays what it says.
    if (!name || name === named || !name.startsWith(`${named}-`)) return;
    if (typeof header === 'string' && header === named) req.headers['x-memflow-project'] = name;
    if (query && query.project === named) query.project = name;
  });
}
