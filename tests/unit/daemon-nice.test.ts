/**
 * A niced daemon is niced against the agent's processes, not only against its own threads
 * (infra/daemon.ts niceSessionGroup): started in a session of its own, its scheduling group (Linux's
 * autogroup) gets its niceness too when asked (the worker); Temporal and Weaviate, which the API waits on, keep a plain group. Real
 * processes, read back from /proc.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { niceSessionGroup, startDaemon, stopDaemon } from '../../infra/daemon.js';

const hasAutogroup = fs.existsSync('/proc/self/autogroup');
/**
 * "/autogroup-123 nice 10" -> { id, nice }; null for a process in the kernel's default group (never in a session
 * made since boot, as PID 1's tree when a CI runner starts jobs without setsid: the file then reads empty).
 */
const groupOf = (pid: number) => {
  const text = fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8');
  if (text.trim() === '') return null;
  const m = /^\/autogroup-(\d+) nice (-?\d+)/.exec(text);
  assert.ok(m, `autogroup of ${pid}: ${JSON.stringify(text)}`);
  return { id: m[1]!, nice: Number(m[2]) };
};
const niceOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);

describe('a niced daemon', { skip: hasAutogroup ? false : 'no /proc/self/autogroup (not Linux, or a kernel without autogroup)' }, () => {
  test('the worker runs at its niceness in a scheduling group of its own that has the same niceness; Temporal and Weaviate are niced as threads, their groups plain', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-daemon-'));
    const spec = (name: string, nice?: number) => ({
      name,
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logFile: path.join(dir, `${name}.log`),
      pidFile: path.join(dir, `${name}.pid`),
      ...(nice ? { nice } : {}),
    });
    const niced = startDaemon({ ...spec('niced', 10), niceGroup: true });
    const plain = startDaemon(spec('plain', 10));
    try {
      // `nice` execs node: wait until each pid runs node itself.
      for (const pid of [niced, plain]) {
        for (const deadline = Date.now() + 5_000; !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(process.execPath) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      }
      const mine = groupOf(process.pid);
      const g = groupOf(niced);
      assert.ok(g, 'the daemon has a session, hence a group, of its own');
      assert.notEqual(g.id, mine?.id, 'not the group of the process that started it');
      assert.equal(g.nice, 10, 'its group is niced as it is');
      assert.equal(niceOf(niced), 10);
      assert.equal(groupOf(plain)?.nice, 0);
      assert.equal(niceOf(plain), 10);
    } finally {
      await stopDaemon(path.join(dir, 'niced.pid'), process.execPath);
      await stopDaemon(path.join(dir, 'plain.pid'), process.execPath);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nothing to do for niceness 0 or a process that is gone', () => {
    assert.equal(niceSessionGroup(process.pid, 0), false);
    assert.equal(niceSessionGroup(2 ** 22 + 12345, 10), false);
  });
});
