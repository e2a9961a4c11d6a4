import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { money } from '../src/money.js';
import { computeTax } from '../src/tax.js';

const line = (sku: string, netMinor: number, taxClass: 'standard' | 'reduced') => ({
  sku, qty: 1, unit: money(netMinor, 'EUR'), net: money(netMinor, 'EUR'), applied: [], taxClass,
});

describe('computeTax', () => {
  it('matches the accounting export for an order of many small lines', () => {
    // 3 x 0.04 EUR net at 19 %: the accounting export has 0.02 EUR tax on 0.12 EUR
    const summary = computeTax([line('A', 4, 'standard'), line('B', 4, 'standard'), line('C', 4, 'standard')], 'DE');
    assert.equal(summary.totalTax.minor, 2);
  });

  it('keeps 7 % and 19 % apart', () => {
    const summary = computeTax([line('BOOK', 1999, 'reduced'), line('PEN', 249, 'standard')], 'DE');
    assert.equal(summary.byRate.get(7)?.tax.minor, 140);
    assert.equal(summary.byRate.get(19)?.tax.minor, 47);
  });
});
