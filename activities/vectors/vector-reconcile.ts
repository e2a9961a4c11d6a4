/**
 * Reconciliation of Weaviate with PostgreSQL, one bounded and resumable step at a time, in three
 * phases per record type (see ReconcileCursor):
 * - records: PostgreSQL rows checked against their sync rows and against Weaviate itself (a sync
 *   row may say "synced" after Weaviate was wiped), written when missing or stale;
 * - states: sync rows whose record is gone, deleted with their objects;
 * - objects: Weaviate's objects walked by uuid, deleted when no record of their tenant holds them.
 */
import { deleteObjects, objectHashes } from '../../common/server/weaviate/objects.js';
import { COLLECTIONS, tenantIdOfWeaviateTenant } from '../../common/server/weaviate/schema.js';
import { orphanStates, syncStates, type OrphanState } from '../../common/server/weaviate/sync-state.js';
import { RECORD_TYPES, type RecordType } from '../../messages/record-types-v1.js';
import type { ReconcileCursor } from '../../messages/workflows-v1/reconcile-vectors.js';
import { progressHeartbeat } from '../heartbeating.js';
import type { VectorContext } from './vector-deps.js';
import { existingIds, loadRecords, type VectorRecord } from './vector-objects.js';
import { isRecordCurrent, writeRecords } from './vector-writer.js';

export interface ReconcileInput {
  /** Only this memflow tenant; all tenants when absent. */
  tenantId?: string;
  cursor?: ReconcileCursor;
  /** Records or objects looked at in this step. */
  limit?: number;
  /** Re-embed and rewrite every record, whatever its state. */
  rebuild?: boolean;
}

export interface ReconcileStep {
  checked: number;
  upserted: number;
  deleted: number;
  /** Where to continue; absent when the run is complete. */
  cursor?: ReconcileCursor;
}

export const MIN_UUID = '00000000-0000-0000-0000-000000000000';

/** Removes orphaned sync rows (of one type) and their objects; returns how many. */
export async function removeOrphanStates(ctx: VectorContext, rows: OrphanState[], type: RecordType): Promise<number> {
  const byTenant = new Map<string, string[]>();
  for (const r of rows) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.recordId]);
  for (const [tenantId, ids] of byTenant) await deleteObjects(await ctx.weaviate(), type, tenantId, ids);
  await ctx.prisma.vectorSyncState.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
  return rows.length;
}

/** The cursor after the last page of a phase and type: the next type, then the next phase. */
function nextType(cursor: ReconcileCursor, phase: ReconcileCursor['phase']): ReconcileCursor | undefined {
  const i = RECORD_TYPES.indexOf(cursor.recordType);
  if (i + 1 < RECORD_TYPES.length) return { phase, recordType: RECORD_TYPES[i + 1]! };
  if (phase === 'records') return { phase: 'states', recordType: RECORD_TYPES[0]! };
  if (phase === 'states') return { phase: 'objects', recordType: RECORD_TYPES[0]! };
  return undefined;
}

/** Phase records: one page of PostgreSQL rows checked against Weaviate itself and written if needed. */
async function reconcileRecords(ctx: VectorContext, input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
  const type = cursor.recordType;
  const records = await loadRecords(ctx.prisma, type, { ...(input.tenantId ? { tenantId: input.tenantId } : {}), ...(cursor.afterId ? { afterId: cursor.afterId } : {}) }, limit);
  let stale: VectorRecord[];
  if (input.rebuild) {
    stale = records;
  } else {
    const states = await syncStates(ctx.prisma, type, records.map((r) => r.id));
    const current = records.filter((r) => isRecordCurrent(ctx, states.get(r.id), r));
    // Weaviate is asked only about records its sync row calls current (it may have been wiped
    // since); the others are rewritten anyway, so a first fill reads nothing back from Weaviate.
    const inWeaviate = await objectHashes(await ctx.schema(), type, current);
    const confirmed = new Set(current.filter((r) => inWeaviate.get(r.id) === r.properties.contentHash));
    stale = records.filter((r) => !confirmed.has(r));
  }
  const upserted = await writeRecords(ctx, stale);
  const last = records.at(-1);
  const next: ReconcileCursor | undefined = records.length === limit && last ? { ...cursor, afterId: last.id } : nextType(cursor, 'records');
  return { checked: records.length, upserted, deleted: 0, ...(next ? { cursor: next } : {}) };
}

/** Phase states: sync rows whose record is gone; their objects and rows are deleted. */
async function reconcileStates(ctx: VectorContext, input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
  const rows = await orphanStates(ctx.prisma, cursor.recordType, input.tenantId ? { tenantId: input.tenantId } : {}, cursor.afterId ?? MIN_UUID, limit);
  const deleted = rows.length ? await removeOrphanStates(ctx, rows, cursor.recordType) : 0;
  const next = rows.length === limit ? { ...cursor, afterId: rows.at(-1)!.id } : nextType(cursor, 'states');
  return { checked: rows.length, upserted: 0, deleted, ...(next ? { cursor: next } : {}) };
}

/**
 * Phase objects: walks each Weaviate tenant's objects by uuid and deletes those without a record
 * of that memflow tenant (a whole Weaviate tenant whose memflow tenant is gone is removed). One
 * step covers several small tenants, up to `limit` objects.
 */
async function reconcileObjects(ctx: VectorContext, input: ReconcileInput, cursor: ReconcileCursor, limit: number): Promise<ReconcileStep> {
  const c = await ctx.schema();
  const type = cursor.recordType;
  const collection = c.collections.use(COLLECTIONS[type]);
  const names = Object.keys(await collection.tenants.get())
    .filter((n) => !input.tenantId || tenantIdOfWeaviateTenant(n) === input.tenantId.toLowerCase())
    .sort();
  const step = { checked: 0, upserted: 0, deleted: 0 };
  let name = names.find((n) => n >= (cursor.weaviateTenant ?? ''));
  let afterId = name === cursor.weaviateTenant ? cursor.afterId : undefined;
  while (name && step.checked < limit) {
    const tenantId = tenantIdOfWeaviateTenant(name);
    const owner = tenantId ? await ctx.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }) : null;
    if (!owner) {
      // Not a memflow tenant (any more): everything in it is an orphan.
      const count = await collection.withTenant(name).length();
      await collection.tenants.remove(name);
      step.checked += count;
      step.deleted += count;
    } else {
      const page = limit - step.checked;
      const res = await collection.withTenant(name).query.fetchObjects({ limit: page, ...(afterId ? { after: afterId } : {}), returnProperties: ['recordType'] });
      const ids = res.objects.map((o) => o.uuid);
      const present = await existingIds(ctx.prisma, type, owner.id, ids);
      const orphans = ids.filter((id) => !present.has(id));
      step.deleted += await deleteObjects(c, type, owner.id, orphans);
      if (orphans.length) await ctx.prisma.vectorSyncState.deleteMany({ where: { recordType: type, recordId: { in: orphans }, tenantId: owner.id } });
      step.checked += ids.length;
      // A full page: this tenant may hold more; continue after its last object next time.
      if (ids.length === page) return { ...step, cursor: { phase: 'objects', recordType: type, weaviateTenant: name, afterId: ids.at(-1)! } };
    }
    const current: string = name;
    name = names.find((n) => n > current);
    afterId = undefined;
    progressHeartbeat(step);
  }
  const next = name ? { phase: 'objects' as const, recordType: type, weaviateTenant: name } : nextType(cursor, 'objects');
  return { ...step, ...(next ? { cursor: next } : {}) };
}

/** One step of the phase the cursor names (the first step of a run re-checks the schema). */
export async function reconcileStep(ctx: VectorContext, input: ReconcileInput): Promise<ReconcileStep> {
  const limit = Math.max(1, Math.min(input.limit ?? 200, 1000));
  const cursor = input.cursor ?? { phase: 'records', recordType: RECORD_TYPES[0]! };
  // Always re-check the schema at the start of a run: Weaviate may have been wiped.
  if (!input.cursor) await ctx.schema(true);
  if (cursor.phase === 'records') return reconcileRecords(ctx, input, cursor, limit);
  if (cursor.phase === 'states') return reconcileStates(ctx, input, cursor, limit);
  return reconcileObjects(ctx, input, cursor, limit);
}
