/**
 * An API that accepts connections and never answers costs one hook its budget, not every hook of
 * every session: a hook's read (SessionStart's context, a prompt's or a file's push) that got no
 * answer in time keeps the next ones from asking for a while (cli/relay/delivery-targets.ts
 * `observeRead`, cli/relay/api-budget.ts), until that quiet ends or the API answers anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { apiBudget } from '../../cli/relay/api-budget.js';
import { DeliveryTargets } from '../../cli/relay/delivery-targets.js';
import { keyFingerprint } from '../../cli/capture/deliver.js';
import { startRelay } from '../../cli/relay/relay-server.js';

const KEY = 'mf_test_quiet_key';

/** Accepts connections, reads what comes, never answers; keeps each request's first line. */
async function hangingApi(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    let head = '';
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      for (;;) {
        const m = /^(?:[^\r\n]*\r\n)*?((?:GET|POST|PUT|DELETE) [^\r\n]+)\r\n/.exec(head);
        if (!m) break;
        requests.push(m[1]!);
        head = head.slice(m.index + m[0].length);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('a prompt whose push got no answer in time quiets the next prompts: they answer at once, asking nothing', async (t) => {
  const api = await hangingApi();
  t.after(() => api.close());
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-quiet-'));
  t.after(() => fs.rmSync(spoolDir, { recursive: true, force: true }));
  const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 200 });
  t.after(() => relay.close());

  const prompt = (n: number) =>
    fetch(`${relay.url}/hook/user-prompt-submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'x-memflow-project': 'quiet-demo' },
      body: JSON.stringify({ session_id: 'quiet-1', cwd: spoolDir, hook_event_name: 'UserPromptSubmit', prompt: `the retry limit is wrong again (${n})` }),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  const pushReads = () => api.requests.filter((l) => l.startsWith('GET /v1/context')).length;
  // The first prompt waits its budget and gets nothing.
  assert.deepEqual(await prompt(1), { status: 200, body: '{}' });
  assert.equal(pushReads(), 1, 'the first prompt asked the API for its push');
  // The next ones, in the quiet, get nothing without asking.
  for (const n of [2, 3, 4]) assert.deepEqual(await prompt(n), { status: 200, body: '{}' });
  assert.equal(pushReads(), 1, `no prompt asked the API again during the quiet: ${JSON.stringify(api.requests)}`);
});

test('the quiet starts at 5 s, doubles to at most a minute, and any answer or delivery ends it', () => {
  const targets = new DeliveryTargets();
  const url = 'http://127.0.0.1:1';
  const lanes = { targets };
  const target = targets.of(url, keyFingerprint(KEY));
  assert.equal(apiBudget(lanes, { key: KEY, url }, 300).ask, true);

  targets.observeRead(target, false);
  assert.equal(target.quietMs, 5_000);
  const quiet = apiBudget(lanes, { key: KEY, url }, 300);
  assert.equal(quiet.ask, false);
  assert.equal(quiet.reason, 'unreachable');
  // Reads that were in flight together and all went unanswered count once.
  targets.observeRead(target, false);
  targets.observeRead(target, false);
  assert.equal(target.quietMs, 5_000);
  // Each miss after a quiet ran out doubles it, up to a minute.
  for (let i = 0; i < 6; i++) {
    target.quietUntil = Date.now() - 1;
    targets.observeRead(target, false);
  }
  assert.equal(target.quietMs, 60_000, 'doubled up to a minute, no further');

  // An answer of any kind (the API is there) ends it.
  targets.observeRead(target, true);
  assert.equal(apiBudget(lanes, { key: KEY, url }, 300).ask, true);
  assert.equal(target.quietMs, 0);

  // So does a delivery the API took.
  targets.observeRead(target, false);
  assert.equal(apiBudget(lanes, { key: KEY, url }, 300).ask, false);
  targets.observe(target, { kind: 'delivered', status: 202, body: '{}', duplicate: false });
  assert.equal(apiBudget(lanes, { key: KEY, url }, 300).ask, true);

  // A quiet that has run out lets the next hook ask again (with its whole budget).
  target.quietUntil = 0;
  targets.observeRead(target, false);
  target.quietUntil = Date.now() - 1;
  const again = apiBudget(lanes, { key: KEY, url }, 300);
  assert.equal(again.ask, true);
  assert.equal(again.ask && again.budgetMs, 300);
});
