import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { IdempotencyStore, hashBody } from '../src/api/idempotency.js';

const KEY = '5b0c2a8e-7d1f-4c55-9a3e-2f6b1d9e0c44';
const T0 = Date.parse('2026-11-18T21:14:00Z');

describe('IdempotencyStore', () => {
  it('lets the retry of a request that failed with a 503 run again', () => {
    const store = new IdempotencyStore();
    const body = hashBody({ cart: 'c-881', total: 4590 });
    store.save(KEY, body, 503, { error: 'gateway unavailable' }, T0);
    assert.equal(store.lookup(KEY, body, T0 + 60_000), undefined);
  });

  it('refuses the same key with a different body with a 422', () => {
    const store = new IdempotencyStore();
    store.save(KEY, hashBody({ cart: 'c-881', total: 4590 }), 201, { order: 'o-1' }, T0);
    assert.equal(store.lookup(KEY, hashBody({ cart: 'c-881', total: 5190 }), T0 + 60_000)?.status, 422);
  });

  it('replays a created order to the retry', () => {
    const store = new IdempotencyStore();
    const body = hashBody({ cart: 'c-881', total: 4590 });
    store.save(KEY, body, 201, { order: 'o-1' }, T0);
    assert.deepEqual(store.lookup(KEY, body, T0 + 5_000), { kind: 'replay', status: 201, body: { order: 'o-1' } });
  });
});
