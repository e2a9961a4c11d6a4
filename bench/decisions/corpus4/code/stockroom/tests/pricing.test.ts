import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { money } from '../src/money.js';
import { applyDiscounts, type Discount } from '../src/pricing.js';

const unit = money(2000, 'EUR');

describe('applyDiscounts', () => {
  it('uses the better of a campaign code and a volume tier, not both', () => {
    const discounts: Discount[] = [
      { kind: 'campaign', code: 'BLACKWEEK', percent: 20 },
      { kind: 'volume', percent: 10, minQty: 10 },
    ];
    const line = applyDiscounts('MUG-01', unit, 10, discounts);
    assert.equal(line.net.minor, 16000);
    assert.deepEqual(line.applied.map((d) => d.kind), ['campaign']);
  });

  it('applies loyalty on top of the best discount', () => {
    const discounts: Discount[] = [
      { kind: 'group', percent: 15 },
      { kind: 'campaign', code: 'SPRING', percent: 10 },
      { kind: 'loyalty', percent: 5 },
    ];
    const line = applyDiscounts('MUG-01', unit, 1, discounts);
    assert.equal(line.net.minor, 1615);
  });
});
