import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { diffSkus, indexBySku, normalizeSku } from '../src/sku.js';

describe('normalizeSku', () => {
  it('keeps 000123 and 123 apart', () => {
    assert.equal(normalizeSku('000123'), '000123');
    assert.equal(indexBySku([{ sku: '000123' }, { sku: '123' }]).size, 2);
  });

  it('treats supplier lower case as the same product', () => {
    assert.equal(normalizeSku('ab-12 '), 'AB-12');
    assert.deepEqual(diffSkus(['AB-12'], ['ab-12']), { missing: [], extra: [] });
  });
});
