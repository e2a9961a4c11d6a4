/**
 * The relay's view of its spool (Spool relistMs): its own adds and claims are known without listing
 * the directory; what another process writes or claims is seen once the view is relistMs old (or at
 * once when asked fresh); a claim reads back the text this process wrote; a directory removed under
 * the process is made again at the next add.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { spoolTargetOf } from '../../cli/capture/deliver.js';
import { Spool, newSpoolEntry } from '../../cli/capture/spool.js';

const spoolTarget = spoolTargetOf('http://127.0.0.1:1', undefined);
const entry = (i: number) => newSpoolEntry('post-tool-use', { session_id: 's', n: i }, spoolTarget);
const dirOf = () => fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-spool-view-'));
const ready = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();

test("the view holds this process's adds and claims; another process's entries show once it is relistMs old, or asked fresh", async () => {
  const dir = dirOf();
  const relay = new Spool(dir, { relistMs: 300, directCalls: true, syncAfterAnswer: true });
  const hook = new Spool(dir);
  assert.deepEqual(await relay.waitingView(), { names: [] }, 'the first listing reads the directory');
  const a = await relay.add(entry(0));
  const b = await relay.add(entry(1));
  const view = await relay.waitingView();
  assert.deepEqual(view.names, [a, b], 'its own adds, oldest first');
  assert.ok(view.viewUntil !== undefined && view.viewUntil > Date.now(), 'answered from the view, listed afresh later');
  const theirs = await hook.add(entry(2));
  assert.deepEqual(await relay.waiting(), [a, b], "another process's entry is not in a young view");
  assert.deepEqual(await relay.waiting(Date.now(), true), [a, b, theirs], 'asked fresh: the directory');
  // A claim takes the entry out of the view; a release puts it back; a completion removes the file.
  const claim = await relay.claim(a);
  assert.ok(claim);
  assert.equal((claim.entry.body as { n: number }).n, 0);
  assert.deepEqual(await relay.waiting(), [b, theirs]);
  await claim.release();
  assert.deepEqual(await relay.waiting(), [a, b, theirs]);
  const again = await relay.claim(a);
  await again!.complete();
  assert.deepEqual(ready(dir), [b, theirs]);
  // Another process claims (and completes) one this process still sees: its claim finds nothing, and the view drops it.
  const taken = await hook.claim(b);
  await taken!.complete();
  assert.equal(await relay.claim(b), undefined);
  assert.deepEqual(await relay.waiting(), [theirs]);
  // Once the view is relistMs old, the directory is listed again.
  const late = await hook.add(entry(3));
  assert.deepEqual(await relay.waiting(), [theirs]);
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(await relay.waitingView(), { names: [theirs, late] });
  // Entries the relay did not write are read from the disk at their claim.
  const theirClaim = await relay.claim(theirs);
  assert.equal((theirClaim!.entry.body as { n: number }).n, 2);
  await theirClaim!.complete();
});

test('an entry added while the directory is being listed is in the view that listing makes', async () => {
  const dir = dirOf();
  const relay = new Spool(dir, { relistMs: 60_000, directCalls: true, syncAfterAnswer: true });
  const listing = relay.waitingView(Date.now(), true);
  const added = await relay.add(entry(0));
  await listing;
  assert.deepEqual(await relay.waiting(), [added]);
});

test('a spool directory removed under the relay is made again at the next add; nothing written is lost', async () => {
  const dir = dirOf();
  const relay = new Spool(dir, { relistMs: 1000, directCalls: true, syncAfterAnswer: true });
  await relay.add(entry(0));
  fs.rmSync(dir, { recursive: true, force: true });
  const name = await relay.add(entry(1));
  assert.deepEqual(ready(dir), [name]);
  assert.equal((fs.statSync(dir).mode & 0o777).toString(8), '700');
  const claim = await relay.claim(name);
  assert.equal((claim!.entry.body as { n: number }).n, 1);
});
