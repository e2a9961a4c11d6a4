/**
 * When the relay's lanes may deliver a session's events (cli/relay/session-activity.ts):
 * once the session is quiet, at the latest after maxDeferMs, and shortly after its SessionEnd.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_END_QUIET_MS, SessionActivity } from '../../cli/relay/session-activity.js';
import type { SpoolEntry } from '../../cli/capture/spool.js';

const entry = (createdAt: number) => ({ createdAt: new Date(createdAt).toISOString() }) as SpoolEntry;

test('a busy session waits until quiet, never longer than maxDeferMs; an unknown session goes at once', () => {
  const a = new SessionActivity({ quietMs: 400, maxDeferMs: 5000 });
  assert.equal(a.readyAt('unknown', entry(Date.now())), 0);
  const before = Date.now();
  a.note('s', 'post-tool-use');
  const ready = a.readyAt('s', entry(before));
  assert.ok(ready >= before + 400 && ready <= Date.now() + 400, `ready ${ready - before} ms after the hook`);
  const old = Date.now() - 4990;
  assert.ok(a.readyAt('s', entry(old)) <= old + 5000, 'an event waiting for maxDeferMs goes anyway');
});

test('after SessionEnd the rest goes out endQuietMs later (the agent is exiting), or at once when the relay delivers at once', () => {
  const a = new SessionActivity({ quietMs: 400, maxDeferMs: 5000 });
  const before = Date.now();
  a.note('s', 'session-end');
  const ready = a.readyAt('s', entry(before));
  assert.ok(ready >= before + DEFAULT_END_QUIET_MS && ready <= Date.now() + DEFAULT_END_QUIET_MS, `ready ${ready - before} ms after the end`);
  assert.ok(DEFAULT_END_QUIET_MS < 400, 'shorter than the quiet period');
  const atOnce = new SessionActivity({ quietMs: 0 });
  atOnce.note('s', 'session-end');
  assert.ok(atOnce.readyAt('s', entry(Date.now())) <= Date.now());
});

test("a host whose calls run no hook (Gemini CLI, Copilot CLI): its turn is busy from prompt to stop, so only maxDeferMs lets an event out; after the stop, the quiet period; other hosts' turns as before", () => {
  const a = new SessionActivity({ quietMs: 400, maxDeferMs: 5000 });
  const before = Date.now();
  a.note('s', 'session-start', true);
  assert.ok(a.readyAt('s', entry(before)) <= Date.now() + 400, 'before the prompt: the quiet period');
  a.note('s', 'user-prompt-submit', true);
  assert.equal(a.readyAt('s', entry(before)), before + 5000, 'in the turn: its oldest event waits maxDeferMs');
  a.note('s', 'pre-compact', true);
  assert.equal(a.readyAt('s', entry(before)), before + 5000, 'a compaction inside it: still the turn');
  a.note('s', 'stop', true);
  const ready = a.readyAt('s', entry(before));
  assert.ok(ready >= before + 400 && ready <= Date.now() + 400, 'the turn ended: quiet 400 ms later');
  a.note('c', 'user-prompt-submit');
  assert.ok(a.readyAt('c', entry(before)) <= Date.now() + 400, "a host whose hooks mark its calls (Claude Code, Codex): the quiet period only");
  const atOnce = new SessionActivity({ quietMs: 0, maxDeferMs: 5000 });
  atOnce.note('s', 'user-prompt-submit', true);
  assert.ok(atOnce.readyAt('s', entry(Date.now())) <= Date.now(), 'a relay that delivers at once does so inside a turn too');
});
