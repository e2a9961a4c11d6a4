import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { toCsvRow } from '../src/export/ordersCsv.js';

const refund = {
  orderNo: 'R-1042',
  placedAt: new Date('2026-10-03T08:00:00Z'),
  customer: '=HYPERLINK("http://evil.example","Details")',
  address: 'Hauptstr. 1, Leipzig',
  sku: 'MUG-01',
  qty: -1,
  amountMinor: -1250,
  currency: 'EUR',
  note: '-- damaged in transit',
};

describe('orders export', () => {
  it('keeps negative amounts and quantities as numbers', () => {
    assert.match(toCsvRow(refund), /,-1,-12\.50,/);
  });

  it('a formula typed as a name stays text', () => {
    assert.ok(toCsvRow(refund).includes(`"'=HYPERLINK(""http://evil.example"",""Details"")"`));
  });

  it('a text cell starting with a minus gets the apostrophe', () => {
    assert.ok(toCsvRow(refund).includes(`"'-- damaged in transit"`));
  });
});
