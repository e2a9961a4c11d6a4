import { describe, expect, it } from 'vitest';

import { Inventory } from '../src/inventory.js';

describe('cart reservations', () => {
  it('still holds the units after 17 minutes in checkout', () => {
    let t = 0;
    const inv = new Inventory(() => t);
    inv.receive('LAMP-07', 1);
    const r = inv.reserve('cart-1', 'LAMP-07', 1);
    t += 17 * 60 * 1000; // customer confirming the payment in the bank app
    expect(() => inv.commit(r.id)).not.toThrow();
  });

  it('releases units that were never checked out', () => {
    let t = 0;
    const inv = new Inventory(() => t);
    inv.receive('LAMP-07', 2);
    inv.reserve('cart-1', 'LAMP-07', 2);
    t += 60 * 60 * 1000;
    expect(inv.available('LAMP-07')).toBe(2);
  });
});
