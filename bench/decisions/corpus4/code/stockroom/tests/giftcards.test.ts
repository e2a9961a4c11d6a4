import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { expiryOf, issue, redeem } from '../src/giftcards.js';

describe('gift cards', () => {
  it('a card bought in March 2025 is still good in April 2026', () => {
    const card = issue(5000, 'EUR', new Date('2025-03-10T09:00:00Z'));
    card.balanceMinor = 4000;
    assert.equal(redeem(card, 2500, 'EUR', new Date('2026-04-02T12:00:00Z')), 2500);
  });

  it('expires at the end of the third year after the purchase year', () => {
    assert.equal(expiryOf(new Date('2026-03-10T09:00:00Z')).toISOString().slice(0, 10), '2029-12-31');
  });

  it('never takes more than the balance', () => {
    const card = issue(1000, 'EUR', new Date());
    assert.equal(redeem(card, 2500, 'EUR'), 1000);
  });
});
