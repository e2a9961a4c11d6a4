import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatMoney, money, toMinor } from '../src/money.js';

describe('money', () => {
  it('formats yen without decimals', () => {
    assert.equal(formatMoney(money(1200, 'JPY'), 'en-US'), '¥1,200');
  });

  it('parses a negative amount with decimals', () => {
    assert.equal(toMinor('-0.50', 'EUR'), -50);
  });
});
