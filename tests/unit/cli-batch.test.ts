/**
 * The queues of small closed sessions that share one agent-CLI run (activities/summarize/cli-batch.ts),
 * their timing alone (the run here is a function that records what it was given; the real CLI runs in
 * tests/summarize-cli-batch.test.ts): sessions joining within the wait go in one run; a full queue goes
 * at once; sessions joining while a run is under way go together in the next, one run at a time per
 * project; projects do not share runs; a run that fails fails each of its sessions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliBatcher, type BatchMember, type PartResult } from '../../activities/summarize/cli-batch.js';

const member = (sessionId: string, projectId = 'p1', tokens = 100): BatchMember => ({ tenantId: 't', projectId, sessionId, project: 'shop', agent: undefined, lines: [], tokens, known: [] });
const malformed = (m: BatchMember): PartResult => ({ kind: 'malformed', problem: m.sessionId });

function recorder(runMs = 0, fail = false) {
  const runs: string[][] = [];
  let running = 0;
  let overlapped = false;
  const batcher = (waitMs: number, maxSessions = 6, maxTokens = 1000) =>
    new CliBatcher({
      waitMs,
      maxSessions,
      maxTokens,
      run: async (members) => {
        running++;
        if (running > 1) overlapped = true;
        runs.push(members.map((m) => m.sessionId));
        await sleep(runMs);
        running--;
        if (fail) throw new Error('run failed');
        return members.map(malformed);
      },
    });
  return { runs, batcher, overlapped: () => overlapped };
}

test('sessions joining within the wait share one run; each gets its own part', async () => {
  const r = recorder();
  const b = r.batcher(50);
  const parts = await Promise.all(['a', 'b', 'c'].map((s) => b.join(member(s))));
  assert.deepEqual(r.runs, [['a', 'b', 'c']]);
  assert.deepEqual(parts.map((p) => (p.kind === 'malformed' ? p.problem : '?')), ['a', 'b', 'c']);
});

test('a full queue goes at once; the sessions or tokens over it go in the next run', async () => {
  const r = recorder();
  const b = r.batcher(10_000, 2);
  const t0 = Date.now();
  await Promise.all(['a', 'b', 'c', 'd'].map((s) => b.join(member(s))));
  assert.deepEqual(r.runs, [['a', 'b'], ['c', 'd']]);
  assert.ok(Date.now() - t0 < 5000, 'no wait for a full queue');
  const byTokens = recorder();
  const bt = byTokens.batcher(30, 6, 250);
  await Promise.all(['a', 'b', 'c'].map((s) => bt.join(member(s))));
  assert.deepEqual(byTokens.runs, [['a', 'b'], ['c']]);
});

test('sessions closing during a run wait for it and go together in the next: one run at a time per project', async () => {
  const r = recorder(150);
  const b = r.batcher(20);
  const first = b.join(member('a'));
  await sleep(60); // the first run is under way
  await Promise.all([first, b.join(member('b')), b.join(member('c'))]);
  assert.deepEqual(r.runs, [['a'], ['b', 'c']]);
  assert.equal(r.overlapped(), false);
});

test('projects do not share a run', async () => {
  const r = recorder();
  const b = r.batcher(30);
  await Promise.all([b.join(member('a', 'p1')), b.join(member('b', 'p2'))]);
  assert.deepEqual(r.runs.sort(), [['a'], ['b']]);
});

test('a run that fails fails each of its sessions', async () => {
  const r = recorder(0, true);
  const b = r.batcher(20);
  const results = await Promise.allSettled([b.join(member('a')), b.join(member('b'))]);
  assert.deepEqual(results.map((x) => x.status), ['rejected', 'rejected']);
  assert.deepEqual(r.runs, [['a', 'b']]);
});
