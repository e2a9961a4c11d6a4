import { describe, expect, it } from 'vitest';

import { diffSkus, indexBySku, normalizeSku } from '../src/sku.js';

describe('normalizeSku', () => {
  it('keeps 000123 and 123 apart', () => {
    expect(normalizeSku('000123')).toBe('000123');
    expect(indexBySku([{ sku: '000123' }, { sku: '123' }]).size).toBe(2);
  });

  it('treats supplier lower case as the same product', () => {
    expect(normalizeSku('ab-12 ')).toBe('AB-12');
    expect(diffSkus(['AB-12'], ['ab-12'])).toEqual({ missing: [], extra: [] });
  });
});
