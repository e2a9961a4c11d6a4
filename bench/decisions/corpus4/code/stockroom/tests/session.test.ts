import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SessionExpired, SessionStore } from '../src/auth/session.js';

const MIN = 60 * 1000;

describe('SessionStore', () => {
  it('the dashboard auto-refresh does not keep a session alive', () => {
    let t = 0;
    const store = new SessionStore(() => t);
    const s = store.create('u1', ['warehouse']);
    for (let i = 0; i < 20; i++) {
      t += 5 * MIN;
      try {
        store.touchSession({ cookie: s.token, background: true });
      } catch {
        break;
      }
    }
    assert.throws(() => store.touchSession({ cookie: s.token }), SessionExpired);
  });

  it('an active session still ends after a working day', () => {
    let t = 0;
    const store = new SessionStore(() => t);
    const s = store.create('u1', ['admin']);
    for (let i = 0; i < 60; i++) {
      t += 15 * MIN;
      if (t > 13 * 60 * MIN) break;
      store.touchSession({ cookie: s.token });
    }
    assert.throws(() => store.touchSession({ cookie: s.token }), SessionExpired);
  });
});
