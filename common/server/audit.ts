/**
 * The audit trail: who did what to which target, with what outcome. Append-only rows in audit_logs
 * (no foreign keys, so erasing a project or a tenant never rewrites the trail). Written by the API for
 * admin actions and by workflows' activities for scheduled work (retention, backups).
 */
import type { PrismaClient } from './db.js';

export interface AuditEntry {
  tenantId?: string | null;
  actorKeyId?: string | null;
  /** Dotted verb: "project.erase", "backup.create", "backup.restore", "retention.run", "export.project". */
  action: string;
  target?: string | null;
  outcome: 'success' | 'denied' | 'failure';
  details?: Record<string, unknown>;
  requestId?: string | null;
}

type Writer = Pick<PrismaClient, 'auditLog'>;

export async function recordAudit(db: Writer, e: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      tenantId: e.tenantId ?? null,
      actorKeyId: e.actorKeyId ?? null,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      ...(e.details ? { details: e.details as object } : {}),
      requestId: e.requestId ?? null,
    },
  });
}
