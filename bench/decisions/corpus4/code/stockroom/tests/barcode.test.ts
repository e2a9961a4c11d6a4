import { describe, expect, it } from 'vitest';

import { isValidBarcode, toEan13 } from '../src/barcode.js';

describe('barcodes', () => {
  it('accepts a valid EAN-13', () => {
    expect(isValidBarcode('4006381333931')).toBe(true);
  });

  it('accepts UPC-E from the US supplier scanners', () => {
    expect(isValidBarcode('04252614')).toBe(true);
    expect(toEan13('04252614')).toBe('0042100005264');
  });
});
