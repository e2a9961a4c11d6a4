/** Audit trail of stock corrections, price changes and refunds, shown in the admin and exported for the tax office. */

export type AuditAction = 'stock.correct' | 'price.change' | 'refund' | 'user.role';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: AuditAction;
  subject: string;
  reason: string;
  before?: unknown;
  after?: unknown;
  /** Set when this entry corrects an earlier one. */
  corrects?: number;
}

export class AuditLog {
  private readonly entries: AuditEntry[] = [];
  private nextId = 1;

  constructor(private readonly now: () => Date = () => new Date()) {}

  record(e: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
    if (!e.reason.trim()) throw new Error('an audit entry needs a reason');
    const entry: AuditEntry = { ...e, id: this.nextId++, at: this.now() };
    this.entries.push(entry);
    return entry;
  }

  /** Fix a mistake in an entry (typo in the reason, wrong subject). */
  correct(id: number, changes: Partial<Pick<AuditEntry, 'reason' | 'subject'>>, actor: string): AuditEntry {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) throw new Error(`no audit entry ${id}`);
    Object.assign(entry, changes);
    void actor;
    return entry;
  }

  list(filter: { subject?: string; action?: AuditAction; since?: Date } = {}): AuditEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.subject === undefined || e.subject === filter.subject) &&
        (filter.action === undefined || e.action === filter.action) &&
        (filter.since === undefined || e.at >= filter.since),
    );
  }

  toCsv(): string {
    const head = 'id;at;actor;action;subject;reason;corrects';
    const rows = this.entries.map((e) =>
      [e.id, e.at.toISOString(), e.actor, e.action, e.subject, JSON.stringify(e.reason), e.corrects ?? ''].join(';'),
    );
    return [head, ...rows].join('\n');
  }
}
