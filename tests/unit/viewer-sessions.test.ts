/** The web viewer's sign-in sessions: idle and absolute limits, cookie flags, the cookie parser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCookie, SESSION_COOKIE, SESSION_IDLE_MS, SESSION_MAX_MS, sessionCookie, ViewerSessions } from '../../api/viewer/viewer-sessions.js';

test('a session slides its idle limit and ends at its absolute limit', () => {
  let now = 1_000_000;
  const sessions = new ViewerSessions(() => now);
  const { id, session } = sessions.create('a'.repeat(64));
  assert.equal(session.keyHash, 'a'.repeat(64));
  assert.ok(session.csrf.length >= 32, 'a CSRF token of its own');
  now += SESSION_IDLE_MS - 1;
  assert.ok(sessions.touch(id), 'used within the idle limit');
  now += SESSION_IDLE_MS - 1;
  assert.ok(sessions.touch(id), 'the idle limit slides with use');
  now += SESSION_IDLE_MS + 1;
  assert.equal(sessions.touch(id), undefined, 'idle too long');

  const long = sessions.create('b'.repeat(64));
  for (let t = 0; t < SESSION_MAX_MS; t += SESSION_IDLE_MS / 2) {
    now += SESSION_IDLE_MS / 2;
    if (t + SESSION_IDLE_MS / 2 < SESSION_MAX_MS) assert.ok(sessions.touch(long.id));
  }
  now += SESSION_IDLE_MS / 2;
  assert.equal(sessions.touch(long.id), undefined, 'never past the absolute limit, however busy');
  assert.equal(sessions.touch('not-a-session'), undefined);
});

test('the cookie is HttpOnly, SameSite=Strict, short-lived; Secure behind TLS', () => {
  const plain = sessionCookie('abc', { secure: false });
  assert.match(plain, /^memflow_session=abc; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  assert.match(sessionCookie('abc', { secure: true }), /; Secure$/);
  assert.equal(readCookie(`other=1; ${SESSION_COOKIE}=xyz; more=2`, SESSION_COOKIE), 'xyz');
  assert.equal(readCookie('other=1', SESSION_COOKIE), undefined);
  assert.equal(readCookie(undefined, SESSION_COOKIE), undefined);
  assert.equal(readCookie(`${SESSION_COOKIE}=`, SESSION_COOKIE), undefined);
});
