/**
 * Activities of the redaction rescan (workflows/redaction): one bounded batch of one table re-run
 * through the current rules (common/rules/redact.ts), changed rows written back, and the audit entry that
 * closes the job. Idempotent: redaction is idempotent, so a retried batch finds nothing left to
 * change and writes nothing. Counts name tables and rules, never text.
 * Weaviate's side is reconcileVectors (activities/vectors/vector-reconcile.ts): a rewritten row no longer matches its
 * sync row's content hash, so reconciliation re-embeds and rewrites its object.
 */
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';
import { redactText, redactValue } from '../../common/rules/redact.js';
import type { TenantRules } from '../../common/rules/redact-tenant-rules.js';
import type { RescanCounts, RescanTable } from '../../messages/workflows-v1/redaction-rescan.js';
import { toActivityFailure } from '../failures.js';

export interface RedactionDeps {
  prisma: PrismaClient;
  /** Tenants' own rules (MEMFLOW_REDACTION_RULES), applied with the built-in ones. */
  rules?: TenantRules;
}

interface TableSpec {
  /** Text columns re-redacted as text. */
  text: string[];
  /** JSON columns re-redacted as values. */
  json?: string[];
  /** SQL that limits rows to the tenant ($1). */
  tenant: string;
}

const OWN_TENANT = 'tenant_id = $1::uuid';
const VIA_LEARNING = 'learning_id IN (SELECT id FROM learnings WHERE tenant_id = $1::uuid)';

/** What each table stores as text, and how its rows belong to a tenant. */
const TABLES: Record<RescanTable, TableSpec> = {
  hook_events: { text: [], json: ['payload'], tenant: OWN_TENANT },
  prompts: { text: ['text'], tenant: OWN_TENANT },
  observations: { text: ['title', 'text'], tenant: OWN_TENANT },
  summaries: { text: ['title', 'request', 'investigated', 'learned', 'completed', 'next_steps', 'text'], tenant: OWN_TENANT },
  learnings: { text: ['title', 'body'], tenant: OWN_TENANT },
  learning_revisions: { text: ['title', 'body'], tenant: VIA_LEARNING },
  learning_sources: { text: ['evidence'], tenant: VIA_LEARNING },
};

export interface RescanBatchInput {
  tenantId: string;
  table: RescanTable;
  afterId?: string;
  limit: number;
}

export interface RescanBatchResult {
  scanned: number;
  changed: number;
  rules: Record<string, number>;
  /** Last id scanned; absent when the table had nothing after afterId. */
  lastId?: string;
}

const MARKER = /\[redacted:([\w.-]{1,64})\]|\[private\]/g;

/** Markers per rule in a text (the rule is the marker's kind; `private` for `<private>` spans). */
export function markerCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(MARKER)) {
    const rule = m[1] ?? 'private';
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  return counts;
}

/** Adds to `into` the markers `after` has beyond those `before` had. */
function addNewMarkers(into: Record<string, number>, before: string, after: string): void {
  const old = markerCounts(before);
  for (const [rule, n] of markerCounts(after)) {
    const added = n - (old.get(rule) ?? 0);
    if (added > 0) into[rule] = (into[rule] ?? 0) + added;
  }
}

type Row = Record<string, unknown> & { id: string };

export function createRedactionActivities({ prisma, rules }: RedactionDeps) {
  return {
    /** Re-redacts up to `limit` rows of `table` after `afterId` (id order) and writes back the changed ones. */
    async rescanBatch(input: RescanBatchInput): Promise<RescanBatchResult> {
      const spec = TABLES[input.table];
      const cols = [...spec.text, ...(spec.json ?? [])];
      try {
        const tenant = rules && rules.rules.length > 0 ? await prisma.tenant.findUnique({ where: { id: input.tenantId }, select: { name: true } }) : null;
        const extra = rules?.for({ tenantId: input.tenantId, ...(tenant ? { tenantName: tenant.name } : {}) }) ?? [];
        const rows = await prisma.$queryRawUnsafe<Row[]>(
          `SELECT id::text AS id, ${cols.map((c) => `"${c}"`).join(', ')} FROM "${input.table}"
            WHERE ${spec.tenant} AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3`,
          input.tenantId,
          input.afterId ?? null,
          input.limit,
        );
        const result: RescanBatchResult = { scanned: rows.length, changed: 0, rules: {}, ...(rows.length ? { lastId: rows.at(-1)!.id } : {}) };
        for (const row of rows) {
          const updates: [string, string, boolean][] = [];
          for (const c of spec.text) {
            const before = row[c];
            if (typeof before !== 'string') continue;
            const after = redactText(before, extra).text;
            if (after !== before) {
              addNewMarkers(result.rules, before, after);
              updates.push([c, after, false]);
            }
          }
          for (const c of spec.json ?? []) {
            const before = JSON.stringify(row[c]);
            const after = JSON.stringify(redactValue(row[c], extra).value);
            if (after !== before) {
              addNewMarkers(result.rules, before, after);
              updates.push([c, after, true]);
            }
          }
          if (updates.length === 0) continue;
          const sets = updates.map(([c, , json], i) => `"${c}" = $${i + 2}${json ? '::jsonb' : ''}`).join(', ');
          await prisma.$executeRawUnsafe(`UPDATE "${input.table}" SET ${sets} WHERE id = $1::uuid`, row.id, ...updates.map(([, v]) => v));
          result.changed++;
        }
        return result;
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** The audit entry that closes a rescan: counts per table and rule, never text. */
    async auditRescan(input: { tenantId: string; jobId: string; actorKeyId?: string; requestId?: string; outcome: 'success' | 'failure'; counts: RescanCounts; error?: string }): Promise<void> {
      try {
        // A retry after the write finds the entry and writes nothing.
        if (await prisma.auditLog.findFirst({ where: { tenantId: input.tenantId, action: 'redaction.rescan', target: input.jobId }, select: { id: true } })) return;
        await recordAudit(prisma, {
          tenantId: input.tenantId,
          actorKeyId: input.actorKeyId ?? null,
          action: 'redaction.rescan',
          target: input.jobId,
          outcome: input.outcome,
          details: { ...input.counts, ...(input.error ? { error: input.error } : {}) },
          requestId: input.requestId ?? null,
        });
      } catch (err) {
        toActivityFailure(err);
      }
    },
  };
}

export type RedactionActivities = ReturnType<typeof createRedactionActivities>;
