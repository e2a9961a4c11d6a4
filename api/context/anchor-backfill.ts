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
/**
 * When anchors began (the migration's time): a learning stated since was anchored when it was written (learning-merge.ts), and
 * one with none named no code — the backfill never rewrites what the API stored itself, nor anything of a tenant made since (a
 * second API started by a test rewrote the rows another tenant's fixtures had just written, dated in the past).
 */
const ANCHORS_SINCE = new Date('2026-11-29T05:00:00Z');
const MAX_ROWS = 5_000;

export async function backfillAnchors(pool: PgPool, signal?: AbortSignal): Promise<number> {
  let written = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (let read = 0; read < MAX_ROWS && !signal?.aborted; read += BATCH) {
    const { rows } = await pool.query<{ id: string; title: string; body: string; scope: string[] }>(
      `select id, title, body, scope from learnings where cardinality(anchors) = 0 and status in ('active', 'pending') and valid_from < $2 and tenant_id in (select id from tenants where created_at < $2) and id > $1 order by id limit ${BATCH}`,
      [after, ANCHORS_SINCE],
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
