import { describe, expect, it } from 'vitest';

import { searchProducts } from '../src/search.js';

const products = [
  { sku: 'STR-1', name: 'Straßenkreide bunt', tags: ['kinder'] },
  { sku: 'CUP-9', name: 'Café cup 0.3 l', brand: 'Kähler', tags: [] },
];

describe('searchProducts', () => {
  it('finds ß words typed with ss', () => {
    expect(searchProducts(products, 'strassenkreide').map((h) => h.product.sku)).toEqual(['STR-1']);
  });

  it('finds accented names typed plainly', () => {
    expect(searchProducts(products, 'cafe kahler')[0].product.sku).toBe('CUP-9');
  });
});
