import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LoginLockout } from '../src/auth/lockout.js';

const T0 = Date.parse('2026-11-23T06:10:00Z');

describe('LoginLockout', () => {
  it('lets the owner in from the office while someone abroad keeps guessing her password', () => {
    const lockout = new LoginLockout();
    for (let i = 0; i < 6; i++) lockout.recordFailure('anna@teeladen.at', '203.0.113.9', T0 + i * 1000);
    assert.equal(lockout.isLocked('anna@teeladen.at', '198.51.100.4', T0 + 60_000), false);
  });

  it('locks the guessing address out', () => {
    const lockout = new LoginLockout();
    for (let i = 0; i < 5; i++) lockout.recordFailure('anna@teeladen.at', '203.0.113.9', T0 + i * 1000);
    assert.equal(lockout.isLocked('anna@teeladen.at', '203.0.113.9', T0 + 60_000), true);
  });
});
