import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { redeemCoupon, type Campaign } from '../src/coupons.js';

const spring: Campaign = {
  code: 'SpringSALE',
  percentOff: 15,
  startsAt: new Date('2026-03-01T00:00:00Z'),
  endsAt: new Date('2026-12-31T23:59:59Z'),
  minOrderMinor: 0,
  oncePerCustomer: true,
};
const NOW = new Date('2026-11-20T10:00:00Z');

describe('redeemCoupon', () => {
  it('refuses a once-per-customer code the second time, whatever capitals it is typed in', () => {
    const used = [{ customerId: 'c-17', code: 'SpringSALE', orderId: 'o-88121' }];
    const result = redeemCoupon([spring], used, 'c-17', ' springsale ', 4000, NOW);
    assert.equal(result.ok, false);
  });

  it('accepts a first use typed in lower case with spaces', () => {
    assert.equal(redeemCoupon([spring], [], 'c-17', '  springsale', 4000, NOW).ok, true);
  });
});
