import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { finalizeInvoice, MemoryCounters, nextInvoiceNumber } from '../src/invoices/numbering.js';

describe('invoice numbers', () => {
  it('each shop has its own series with its code in front', () => {
    const store = new MemoryCounters();
    const at = new Date('2026-11-02T10:00:00Z');
    assert.equal(nextInvoiceNumber(store, 'DE', at), 'DE-2026-00001');
    assert.equal(nextInvoiceNumber(store, 'AT', at), 'AT-2026-00001');
    assert.equal(nextInvoiceNumber(store, 'DE', at), 'DE-2026-00002');
  });

  it('a series starts again in January', () => {
    const store = new MemoryCounters();
    nextInvoiceNumber(store, 'AT', new Date('2026-12-30T10:00:00Z'));
    assert.equal(nextInvoiceNumber(store, 'AT', new Date('2027-01-04T08:00:00Z')), 'AT-2027-00001');
  });

  it('a finalized invoice cannot be finalized again', () => {
    const store = new MemoryCounters();
    const draft = { id: 'd1', shop: 'DE', orderId: 'o1', currency: 'EUR', lines: [{ sku: 'MUG-01', qty: 1, netMinor: 1596 }], createdAt: new Date() };
    const final = finalizeInvoice(draft, store);
    assert.throws(() => finalizeInvoice(final, store));
  });
});
