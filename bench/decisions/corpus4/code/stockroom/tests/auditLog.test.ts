import { describe, expect, it } from 'vitest';

import { AuditLog } from '../src/audit/auditLog.js';

describe('AuditLog', () => {
  it('a corrected reason leaves the original entry as it was', () => {
    const log = new AuditLog();
    const e = log.record({ actor: 'mia', action: 'stock.correct', subject: 'LAMP-07', reason: 'breakage in aisle 4', before: 12, after: 10 });
    const fix = log.correct(e.id, { reason: 'breakage in aisle 14' }, 'mia');
    expect(fix.id).not.toBe(e.id);
    expect(fix.corrects).toBe(e.id);
    expect(log.list({ subject: 'LAMP-07' }).map((x) => x.reason)).toEqual(['breakage in aisle 4', 'breakage in aisle 14']);
  });
});
