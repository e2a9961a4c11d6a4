import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isValidBarcode, toEan13 } from '../src/barcode.js';

describe('barcodes', () => {
  it('accepts a valid EAN-13', () => {
    assert.equal(isValidBarcode('4006381333931'), true);
  });

  it('accepts UPC-E from the US supplier scanners', () => {
    assert.equal(isValidBarcode('04252614'), true);
    assert.equal(toEan13('04252614'), '0042100005264');
  });
});
