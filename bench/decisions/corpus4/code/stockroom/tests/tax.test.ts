import { describe, expect, it } from 'vitest';

import { money } from '../src/money.js';
import { computeTax } from '../src/tax.js';

const line = (sku: string, netMinor: number, taxClass: 'standard' | 'reduced') => ({
  sku, qty: 1, unit: money(netMinor, 'EUR'), net: money(netMinor, 'EUR'), applied: [], taxClass,
});

describe('computeTax', () => {
  it('matches the accounting export for an order of many small lines', () => {
    // 3 x 0.04 EUR net at 19 %: the accounting export has 0.02 EUR tax on 0.12 EUR
    const summary = computeTax([line('A', 4, 'standard'), line('B', 4, 'standard'), line('C', 4, 'standard')], 'DE');
    expect(summary.totalTax.minor).toBe(2);
  });

  it('keeps 7 % and 19 % apart', () => {
    const summary = computeTax([line('BOOK', 1999, 'reduced'), line('PEN', 249, 'standard')], 'DE');
    expect(summary.byRate.get(7)?.tax.minor).toBe(140);
    expect(summary.byRate.get(19)?.tax.minor).toBe(47);
  });
});
