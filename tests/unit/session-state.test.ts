/**
 * The session workflow's state (workflows/capture/session-workflow.ts, SessionState): what `captured` signals add,
 * repeated signals dropped, and what continue-as-new carries, including a carried state written
 * by runs from before batched capture (extra fields, ignored).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionState } from '../../workflows/capture/session-workflow.js';
import type { CaptureProgress } from '../../messages/capture-v1.js';
import type { CarriedSessionState } from '../../messages/workflows-v1/session.js';

const progress = (throughSequence: number, p: Partial<CaptureProgress> = {}): CaptureProgress => ({
  events: 1, tokens: 10, starts: 0, stops: 0, ends: 0, compacts: 0, throughSequence, ...p,
});

test('captured signals add up until taken; a signal that repeats a covered sequence is dropped', () => {
  const s = new SessionState();
  assert.equal(s.hasCaptured, false);
  s.capture(progress(3, { events: 3, starts: 1 }));
  s.capture(progress(3, { events: 3, starts: 1 })); // the sweeper's or a second API's repeat
  s.capture(progress(2)); // an older one, late
  s.capture(progress(4, { stops: 1 }));
  assert.equal(s.hasCaptured, true);
  assert.deepEqual(s.takeCaptured(), { events: 4, tokens: 20, starts: 1, stops: 1, ends: 0, compacts: 0, throughSequence: 4 });
  assert.equal(s.hasCaptured, false);
  s.capture(progress(4));
  assert.equal(s.hasCaptured, false, 'still a repeat after the take');
});

test('continue-as-new carries counts, news not yet taken and the covered sequence', () => {
  const s = new SessionState();
  s.capture(progress(5, { events: 5 }));
  s.eventCount = 5;
  s.late = true;
  const next = new SessionState(s.carry());
  assert.equal(next.runs, 2);
  assert.equal(next.eventCount, 5);
  assert.equal(next.late, true);
  assert.equal(next.takeCaptured().events, 5, 'news signalled before continue-as-new is acted on by the next run');
  next.capture(progress(5));
  assert.equal(next.hasCaptured, false, 'a repeat of what the last run covered is dropped');
});

test('a state carried by a run from before batched capture (event ids, no capture progress) starts clean', () => {
  const old = { pending: [], eventCount: 7, recentEventIds: ['a', 'b'], runs: 3 } as CarriedSessionState;
  const s = new SessionState(old);
  assert.equal(s.runs, 4);
  assert.equal(s.eventCount, 7);
  assert.equal(s.hasCaptured, false);
  assert.deepEqual(s.view(), { status: 'active', eventCount: 7, pending: 0, runs: 4, summaries: 0, parked: null });
  assert.ok(!('pending' in s.carry()), 'the old fields are not carried on');
});
