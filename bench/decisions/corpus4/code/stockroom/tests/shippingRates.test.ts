import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { quoteShipping } from '../src/shipping/rates.js';

describe('parcel postage', () => {
  it('a parcel of exactly 2 kg, carton included, is in the 2 kg band', () => {
    const q = quoteShipping([{ sku: 'CANDLE-SET', qty: 2, unitGrams: 925 }], 'DE');
    assert.equal(q.kind, 'parcel');
    assert.equal(q.grams, 2000);
    assert.equal(q.kind === 'parcel' && q.priceMinor, 599);
  });

  it('one gram more is the next band', () => {
    const q = quoteShipping([{ sku: 'CANDLE-SET', qty: 1, unitGrams: 1851 }], 'DE');
    assert.equal(q.kind === 'parcel' && q.priceMinor, 699);
  });

  it('too heavy for a parcel', () => {
    assert.equal(quoteShipping([{ sku: 'SHELF', qty: 1, unitGrams: 40_000 }], 'AT').kind, 'freight');
  });
});
