import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Alert, LowStockAlerter } from '../src/alerts.js';

describe('LowStockAlerter', () => {
  it('mails purchasing once a day for a SKU that stays low', async () => {
    const sent: Alert[] = [];
    let now = new Date('2026-11-10T08:00:00Z');
    const alerter = new LowStockAlerter(async (a) => void sent.push(a), () => now);
    for (let left = 4; left >= 0; left--) {
      await alerter.onStockChanged({ sku: 'TAPE-50', name: 'Packing tape 50 mm', available: left });
      now = new Date(now.getTime() + 30 * 60 * 1000);
    }
    assert.equal(sent.length, 1);
    now = new Date('2026-11-11T08:00:00Z');
    await alerter.onStockChanged({ sku: 'TAPE-50', name: 'Packing tape 50 mm', available: 0 });
    assert.equal(sent.length, 2);
  });
});
