import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { searchProducts } from '../src/search.js';

const products = [
  { sku: 'STR-1', name: 'Straßenkreide bunt', tags: ['kinder'] },
  { sku: 'CUP-9', name: 'Café cup 0.3 l', brand: 'Kähler', tags: [] },
];

describe('searchProducts', () => {
  it('finds ß words typed with ss', () => {
    assert.deepEqual(searchProducts(products, 'strassenkreide').map((h) => h.product.sku), ['STR-1']);
  });

  it('finds accented names typed plainly', () => {
    assert.equal(searchProducts(products, 'cafe kahler')[0]?.product.sku, 'CUP-9');
  });
});
