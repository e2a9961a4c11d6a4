import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { emailKey, findByEmail, newRecord } from '../src/customers/email.js';

describe('customer e-mail', () => {
  it('finds the customer whatever capitals she types her address in', () => {
    const anna = newRecord('c-1', 'Anna.Berg@Example.com', new Date('2025-10-01T08:00:00Z'));
    assert.equal(findByEmail([anna], 'anna.berg@example.com ')?.id, 'c-1');
  });

  it('keeps plus tags and dots in the key', () => {
    assert.notEqual(emailKey('anna+shop@example.com'), emailKey('anna@example.com'));
    assert.notEqual(emailKey('a.berg@gmail.com'), emailKey('aberg@gmail.com'));
  });

  it('stores the address as typed', () => {
    assert.equal(newRecord('c-2', ' Jo.Lee@Example.com', new Date()).email, 'Jo.Lee@Example.com');
  });
});
