import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { estimateDelivery, loadHolidays, type Warehouse } from '../src/dates.js';

const vienna: Warehouse = { code: 'VIE1', country: 'AT', timeZone: 'Europe/Vienna', carrierDays: 1 };

before(() => loadHolidays({ AT: ['2026-12-08', '2026-12-25', '2026-12-26'] }));

describe('estimateDelivery', () => {
  it('an order at 14:30 Vienna time ships the next business day', () => {
    // 13:30 UTC = 14:30 in Vienna (CET)
    assert.equal(estimateDelivery(new Date('2026-11-17T13:30:00Z'), vienna).dispatch, '2026-11-18');
  });

  it('skips Austrian holidays', () => {
    assert.equal(estimateDelivery(new Date('2026-12-07T15:00:00Z'), vienna).dispatch, '2026-12-09');
  });
});
