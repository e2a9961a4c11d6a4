import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AuditLog } from '../src/audit/auditLog.js';

describe('AuditLog', () => {
  it('a corrected reason leaves the original entry as it was', () => {
    const log = new AuditLog();
    const e = log.record({ actor: 'mia', action: 'stock.correct', subject: 'LAMP-07', reason: 'breakage in aisle 4', before: 12, after: 10 });
    const fix = log.correct(e.id, { reason: 'breakage in aisle 14' }, 'mia');
    assert.notEqual(fix.id, e.id);
    assert.equal(fix.corrects, e.id);
    assert.deepEqual(log.list({ subject: 'LAMP-07' }).map((x) => x.reason), ['breakage in aisle 4', 'breakage in aisle 14']);
  });
});
