import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { sortCatalog } from '../src/catalog/sorting.js';

const sweden = { code: 'SE', locale: 'sv-SE', currency: 'SEK' };
const item = (sku: string, name: string) => ({ sku, name, priceMinor: 9900, createdAt: new Date('2026-01-01'), stock: 3 });
const names = (shop: typeof sweden, ...list: string[]) =>
  sortCatalog(list.map((n, i) => item(`SKU-${i}`, n)), 'name', shop).map((p) => p.name);

describe('catalog order', () => {
  it('Swedish letters come after Z in the Swedish shop', () => {
    assert.deepEqual(names(sweden, 'Östgöta ljus', 'Zink', 'Ångström', 'Oliv'), ['Oliv', 'Zink', 'Ångström', 'Östgöta ljus']);
  });

  it('pack sizes compare by value', () => {
    assert.deepEqual(names(sweden, 'Ljus 24-pack', 'Ljus 6-pack'), ['Ljus 6-pack', 'Ljus 24-pack']);
  });

  it('pinned products come first', () => {
    const list = [item('A', 'Bord'), { ...item('B', 'Stol'), pinned: true }];
    assert.equal(sortCatalog(list, 'name', sweden)[0]?.sku, 'B');
  });
});
