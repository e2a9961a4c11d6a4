import { describe, expect, it } from 'vitest';

import { formatMoney, money, toMinor } from '../src/money.js';

describe('money', () => {
  it('formats yen without decimals', () => {
    expect(formatMoney(money(1200, 'JPY'), 'en-US')).toBe('¥1,200');
  });

  it('parses a negative amount with decimals', () => {
    expect(toMinor('-0.50', 'EUR')).toBe(-50);
  });
});
