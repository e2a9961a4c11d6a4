/**
 * Learnings stored before anchors existed (migration 20261129050000_learning_anchors) have none, so
 * the push at the code could never find them. When the API is up, it reads their words (title, body,
 * scope) and anchors them (common/rules/anchors.ts), a batch per turn of the event loop, at most
 * MAX_ROWS per start: idempotent (two APIs doing it at once write the same anchors), and a learning
 * whose words name no code is read again at the next start (cheap: no write).
 */
import type { PgPool } from '../../common/server/pg.js';
import { anchorsOf } from '../../common/rules/anchors.js';

const BATCH = 200;
const MAX_ROWS = 5_000;

export async function backfillAnchors(pool: PgPool, signal?: AbortSignal): Promise<number> {
  let written = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (let read = 0; read < MAX_ROWS && !signal?.aborted; read += BATCH) {
    const { rows } = await pool.query<{ id: string; title: string; body: string; scope: string[] }>(
      `select id, title, body, scope from learnings where cardinality(anchors) = 0 and status in ('active', 'pending') and id > $1 order by id limit ${BATCH}`,
      [after],
    );
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const updates = rows.map((r) => ({ id: r.id, anchors: anchorsOf([r.title, r.body], r.scope) })).filter((u) => u.anchors.length > 0);
    if (updates.length > 0) {
      await pool.query(
        `update learnings l set anchors = array(select jsonb_array_elements_text(u.a))
         from jsonb_to_recordset($1::jsonb) as u(id uuid, a jsonb)
         where l.id = u.id and cardinality(l.anchors) = 0`,
        [JSON.stringify(updates.map((u) => ({ id: u.id, a: u.anchors })))],
      );
      written += updates.length;
    }
    await new Promise((done) => setImmediate(done));
  }
  return written;
}
