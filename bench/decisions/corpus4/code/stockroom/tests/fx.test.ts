import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { convertMinor, parseEcbXml } from '../src/fx.js';

describe('convertMinor', () => {
  it('prices a 19.99 EUR tea set in whole yen', () => {
    assert.equal(convertMinor(1999, 'EUR', 'JPY', 161.37), 3226);
  });

  it('rounds a converted USD price to the nearest cent', () => {
    // 9.99 EUR x 1.0837 = 10.826163 USD
    assert.equal(convertMinor(999, 'EUR', 'USD', 1.0837), 1083);
  });

  it('reads the ECB daily file', () => {
    const xml = `<Cube time='2026-11-20'><Cube currency='USD' rate='1.0837'/><Cube currency='JPY' rate='161.37'/></Cube>`;
    assert.equal(parseEcbXml(xml).rates.JPY, 161.37);
  });
});
