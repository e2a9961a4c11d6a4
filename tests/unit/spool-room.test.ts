/**
 * The spool's cap (MEMFLOW_SPOOL_MAX_EVENTS): a full spool refuses the next entry with
 * SpoolFullError and keeps what it holds, also when entries were counted a moment ago and another
 * process filled the directory since; room made by delivery is found again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { spoolTargetOf } from '../../cli/capture/deliver.js';
import { Spool, newSpoolEntry, SpoolFullError } from '../../cli/capture/spool.js';

const spoolTarget = spoolTargetOf('http://127.0.0.1:1', undefined);

const entry = (i: number) => newSpoolEntry('post-tool-use', { session_id: 's', n: i }, spoolTarget);
const dirOf = () => fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-spool-room-'));

test('a full spool refuses the next entry, keeps the ones it holds, and takes entries again once there is room', async () => {
  const dir = dirOf();
  const spool = new Spool(dir, { maxEntries: 5 });
  for (let i = 0; i < 5; i++) await spool.add(entry(i));
  await assert.rejects(spool.add(entry(5)), (err: Error) => err instanceof SpoolFullError && /already holds 5 events/.test(err.message));
  assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.json')).length, 5);
  // Delivered (its file gone): there is room again.
  fs.rmSync(path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.json'))!));
  await spool.add(entry(6));
  assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.json')).length, 5);
});

test("another process's entries are counted: the directory is read again within a second, and whenever the count nears the cap", async () => {
  const dir = dirOf();
  const mine = new Spool(dir, { maxEntries: 4 });
  const theirs = new Spool(dir, { maxEntries: 4 });
  await mine.add(entry(0));
  for (let i = 1; i < 4; i++) await theirs.add(entry(i));
  // Counted a moment ago (1 entry): at most a second later the directory is read again.
  await new Promise((r) => setTimeout(r, 1100));
  await assert.rejects(mine.add(entry(4)), SpoolFullError);
  // Near the cap, every add reads the directory.
  const near = dirOf();
  const a = new Spool(near, { maxEntries: 3 });
  const b = new Spool(near, { maxEntries: 3 });
  await a.add(entry(0));
  await b.add(entry(1));
  await a.add(entry(2));
  await assert.rejects(a.add(entry(3)), SpoolFullError);
});
