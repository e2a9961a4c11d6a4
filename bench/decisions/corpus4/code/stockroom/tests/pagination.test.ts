import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BadPageRequest, parsePage } from '../src/pagination.js';

describe('parsePage', () => {
  it('gives the scanner app the 200 items it asks for', () => {
    assert.equal(parsePage({ limit: '200' }).limit, 200);
  });

  it('refuses a limit it cannot serve instead of returning less', () => {
    assert.throws(() => parsePage({ limit: '5000' }), BadPageRequest);
  });

  it('defaults to 25', () => {
    assert.deepEqual(parsePage({}), { limit: 25, offset: 0, cursor: undefined });
  });
});
