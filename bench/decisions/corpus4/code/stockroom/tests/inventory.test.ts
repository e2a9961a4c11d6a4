import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Inventory, OutOfStockError } from '../src/inventory.js';

describe('cart reservations', () => {
  it('still holds the units after 17 minutes in checkout', () => {
    let t = 0;
    const inv = new Inventory(() => t);
    inv.receive('LAMP-07', 1);
    inv.reserve('cart-1', 'LAMP-07', 1);
    t += 17 * 60 * 1000; // customer 1 still confirming the payment in the bank app
    assert.throws(() => inv.reserve('cart-2', 'LAMP-07', 1), OutOfStockError);
  });

  it('releases units that were never checked out', () => {
    let t = 0;
    const inv = new Inventory(() => t);
    inv.receive('LAMP-07', 2);
    inv.reserve('cart-1', 'LAMP-07', 2);
    t += 60 * 60 * 1000;
    assert.equal(inv.available('LAMP-07'), 2);
  });
});
