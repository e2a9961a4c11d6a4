/**
 * The time a question names (api/search/keyword.ts): the window search prefers, and the words left
 * to match once the time words are taken out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeWindowOf } from '../../api/search/keyword.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27, 12);
const within = (w: { since: Date; until: Date } | undefined, at: number) => !!w && w.since.getTime() <= at && at < w.until.getTime();

test('"N days ago" covers that day (with slack) and not a week earlier; the rest keeps the subject', () => {
  const w = timeWindowOf('What did we change in core.py 12 days ago?', NOW);
  assert.ok(within(w, NOW - 12.3 * DAY));
  assert.ok(!within(w, NOW - 19 * DAY));
  assert.equal(w!.rest, 'What did we change in core.py ?');
  assert.ok(within(timeWindowOf('Three days ago we touched utils.py', NOW), NOW - 3.5 * DAY));
});

test('yesterday, last week, calendar days and months', () => {
  assert.ok(within(timeWindowOf('what broke yesterday', NOW), NOW - 1.2 * DAY));
  assert.ok(within(timeWindowOf('what did we change last week about X', NOW), NOW - 9 * DAY));
  assert.ok(!within(timeWindowOf('what did we change last week about X', NOW), NOW - 1 * DAY));
  assert.ok(within(timeWindowOf('the fix on November 14', NOW), Date.UTC(2026, 10, 14, 15)));
  assert.ok(within(timeWindowOf('the fix on 14th of Nov', NOW), Date.UTC(2026, 10, 14, 15)));
  assert.ok(within(timeWindowOf('what happened on 2026-10-02', NOW), Date.UTC(2026, 9, 2, 8)));
  // A month later in the year than now is last year's.
  assert.ok(within(timeWindowOf('the outage in December', NOW), Date.UTC(2025, 11, 10)));
});

test('no time named: no window', () => {
  assert.equal(timeWindowOf('why does the login test time out', NOW), undefined);
  assert.equal(timeWindowOf('may we cache the token', NOW), undefined);
});
