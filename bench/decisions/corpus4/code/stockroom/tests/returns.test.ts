import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { money } from '../src/money.js';
import { isReturnable } from '../src/returns.js';

const line = (deliveredAt: string) => ({ sku: 'MUG-01', qty: 1, paid: money(1899, 'EUR'), deliveredAt: new Date(deliveredAt) });

describe('isReturnable', () => {
  it('accepts a return on January 12 for an order delivered on December 3', () => {
    assert.equal(isReturnable(line('2026-12-03T10:00:00Z'), new Date('2027-01-12T09:00:00Z')).ok, true);
  });

  it('refuses a return three weeks after a delivery in March', () => {
    assert.equal(isReturnable(line('2026-03-02T10:00:00Z'), new Date('2026-03-24T09:00:00Z')).ok, false);
  });
});
