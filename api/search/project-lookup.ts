/** A project name to its id, within the caller's tenant only. */
import type { PgPool } from '../../common/server/pg.js';

export async function resolveProjectId(pool: PgPool, tenantId: string, name: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>('select id from projects where tenant_id = $1 and name = $2', [tenantId, name]);
  return rows[0]?.id;
}
