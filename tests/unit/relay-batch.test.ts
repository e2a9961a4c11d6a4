/**
 * The relay delivers a session's waiting events in batches (cli/relay/lanes.ts, POST /v1/hooks:batch), and each event
 * is settled as its own delivery would be: stored ones leave the spool, one the API refuses is dropped alone, a batch
 * the API could not take (503) is kept whole and sent again, and an API without the route (an older server: 404) gets
 * the same events one by one, in order, each once. The API here speaks the route's protocol and records what it took
 * (the real API's side is tests/capture-batched.test.ts; the relay against the real API, tests/relay-behind-agent.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startRelay } from '../../cli/relay/relay-server.js';
import { waitUntil } from '../../infra/wait-until.js';

type Mode = 'batches' | 'old' | 'unavailable-once';

/** An API that takes hook events one by one and (unless `old`) in batches; `stored` in the order it took them. */
async function api(mode: Mode) {
  const stored: string[] = [];
  const requests: string[] = [];
  let unavailable = mode === 'unavailable-once';
  const seen = new Set<string>();
  const take = (key: string, payload: { n?: number }) => {
    if (!seen.has(key)) stored.push(`n${payload.n}`);
    const duplicate = seen.has(key);
    seen.add(key);
    return duplicate;
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      requests.push(`${req.method} ${url.split('?')[0]}`);
      const send = (status: number, answer: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (req.method === 'POST' && url === '/v1/hooks:batch') {
        if (mode === 'old') return send(404, { error: { code: 'not_found', message: 'no route for POST /v1/hooks:batch' } });
        if (unavailable) {
          unavailable = false;
          return send(503, { error: { code: 'unavailable', message: 'database restarting' } });
        }
        const { events } = JSON.parse(body) as { events: { event: string; payload: { n?: number; bad?: boolean }; idempotencyKey: string }[] };
        return send(200, {
          results: events.map((e, i) =>
            e.payload.bad ? { status: 400, error: { code: 'invalid_payload', message: `events[${i}]: tool_name: required` } } : { status: 200, eventId: `e${e.payload.n}`, duplicate: take(e.idempotencyKey, e.payload) },
          ),
        });
      }
      const hook = /^\/v1\/hooks\/([a-z-]+)$/.exec(url);
      if (req.method === 'POST' && hook) {
        const payload = JSON.parse(body) as { n?: number; bad?: boolean };
        if (payload.bad) return send(400, { error: { code: 'invalid_payload', message: 'tool_name: required' } });
        const duplicate = take(String(req.headers['idempotency-key']), payload);
        res.setHeader('x-memflow-duplicate', String(duplicate));
        return send(200, {});
      }
      send(200, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, stored, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function relayFor(t: test.TestContext, url: string) {
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-batch-'));
  t.after(() => fs.rmSync(spoolDir, { recursive: true, force: true }));
  const relay = await startRelay({ port: 0, spoolDir, defaultUrl: url, startBudgetMs: 500, timing: { quietMs: 300, maxDeferMs: 60_000 } });
  t.after(() => relay.close());
  const post = async (n: number, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${relay.url}/hook/post-tool-use`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer mf_batch_test', 'x-memflow-project': 'batch-demo' },
      body: JSON.stringify({ session_id: 'batch-1', cwd: spoolDir, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: `toolu_${n}`, tool_input: { command: `echo ${n}` }, tool_response: { stdout: `${n}\n` }, n, ...extra }),
    });
    assert.equal(res.status, 200);
  };
  const spool = async () => ((await (await fetch(`${relay.url}/health`)).json()) as { spool: { waiting: number; delivered: number; dropped: number; batched: number; inFlight: number } }).spool;
  return { post, spool };
}

const settled = (spool: () => Promise<{ delivered: number; dropped: number }>, n: number) =>
  waitUntil(async () => {
    const s = await spool();
    return s.delivered + s.dropped === n;
  }, { what: `${n} events settled`, timeoutMs: 20_000, intervalMs: 50 });

test("a busy session's events go out in one batch, in order; one the API refuses is dropped alone", async (t) => {
  const a = await api('batches');
  t.after(() => a.close());
  const { post, spool } = await relayFor(t, a.url);
  for (let n = 1; n <= 6; n++) await post(n, n === 4 ? { bad: true } : {});
  await settled(spool, 6);
  assert.deepEqual(a.stored, ['n1', 'n2', 'n3', 'n5', 'n6']);
  assert.equal(a.requests.filter((r) => r === 'POST /v1/hooks:batch').length, 1, a.requests.join('\n'));
  assert.equal(a.requests.filter((r) => r.startsWith('POST /v1/hooks/')).length, 0);
  const s = await spool();
  assert.deepEqual([s.delivered, s.dropped, s.batched], [5, 1, 5]);
});

test('a batch the API could not take is kept whole and sent again: each event stored once', async (t) => {
  const a = await api('unavailable-once');
  t.after(() => a.close());
  const { post, spool } = await relayFor(t, a.url);
  for (let n = 1; n <= 4; n++) await post(n);
  await settled(spool, 4);
  assert.deepEqual(a.stored, ['n1', 'n2', 'n3', 'n4']);
  assert.equal(a.requests.filter((r) => r === 'POST /v1/hooks:batch').length, 2, 'the refused batch, then the same again');
});

test('an API without the batch route (an older server) gets the events one by one, in order, each once', async (t) => {
  const a = await api('old');
  t.after(() => a.close());
  const { post, spool } = await relayFor(t, a.url);
  for (let n = 1; n <= 5; n++) await post(n);
  await settled(spool, 5);
  assert.deepEqual(a.stored, ['n1', 'n2', 'n3', 'n4', 'n5']);
  assert.equal(a.requests.filter((r) => r === 'POST /v1/hooks:batch').length, 1, 'tried once, then one by one');
  assert.equal(a.requests.filter((r) => r === 'POST /v1/hooks/post-tool-use').length, 5);
  // Later events of that API go one by one without trying a batch again.
  for (let n = 6; n <= 8; n++) await post(n);
  await settled(spool, 8);
  assert.deepEqual(a.stored.slice(5), ['n6', 'n7', 'n8']);
  assert.equal(a.requests.filter((r) => r === 'POST /v1/hooks:batch').length, 1);
  assert.equal((await spool()).batched, 0);
});
