/**
 * The command-hook client (`memflow hook <event>`) as Claude Code runs it: a real subprocess with the
 * hook JSON on stdin, against the real API on the real test stack. It always exits 0 with hook
 * output JSON, spools what it cannot deliver, and delivers spooled events later exactly once.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { judge, spoolTargetOf } from '../cli/capture/deliver.js';
import { Spool, newSpoolEntry } from '../cli/capture/spool.js';
import { closedPort, fakeServer, runCli, spoolFiles, tempDir, type CliResult } from './fixtures/cli-run.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('cli-hook') });
const prisma = testPrisma();
let api: TestApi;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let downUrl: string;
const dirs: string[] = [];
/** One bundle cache for the file, so only the first hook builds it. */
let cacheDir: string;

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma);
  downUrl = `http://127.0.0.1:${await closedPort()}`;
  cacheDir = await tempDir('cli-cache');
  dirs.push(cacheDir);
});

after(async () => {
  await api?.close();
  await prisma.$disconnect();
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function newSpoolDir(): Promise<string> {
  const d = await tempDir('cli-spool');
  dirs.push(d);
  return path.join(d, 'spool'); // not there yet: the client creates it
}

const project = uniqueName('hookproj');
const cwd = `/home/dev/src/${project}`;

function toolEvent(sessionId: string, n: number) {
  return {
    session_id: sessionId,
    transcript_path: `/home/dev/.claude/projects/x/${sessionId}.jsonl`,
    cwd,
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_input: { command: `echo ${n}` },
    tool_response: { stdout: `${n}\n`, stderr: '', interrupted: false },
    tool_use_id: `toolu_${n}_${crypto.randomBytes(4).toString('hex')}`,
  };
}

function hook(event: string, body: unknown, env: Record<string, string | undefined>): Promise<CliResult> {
  return runCli(['hook', event], {
    input: typeof body === 'string' ? body : JSON.stringify(body),
    env: { MEMFLOW_CACHE_DIR: cacheDir, HOME: cacheDir, MEMFLOW_API_KEY: tenant.key, MEMFLOW_URL: api.url, ...env },
  });
}

function flush(env: Record<string, string | undefined>, ...extra: string[]): Promise<CliResult> {
  return runCli(['spool', 'flush', '--json', ...extra], {
    env: { MEMFLOW_CACHE_DIR: cacheDir, HOME: cacheDir, MEMFLOW_API_KEY: tenant.key, MEMFLOW_URL: api.url, ...env },
  });
}

/** An entry spooled by a hook that had this suite's API and key. */
const ourEntry = (event: string, body: Record<string, unknown>) => newSpoolEntry(event, body, spoolTargetOf(api.url, tenant.key));

const storedEvents = (sessionId: string) =>
  prisma.hookEvent.findMany({
    where: { tenantId: tenant.tenantId, session: { agentSessionId: sessionId } },
    orderBy: { sequence: 'asc' },
    select: { event: true, sequence: true, toolUseId: true },
  });

function assertHookOk(r: CliResult, expected: unknown = {}) {
  assert.equal(r.code, 0, `exit code (stderr: ${r.stderr})`);
  assert.deepEqual(JSON.parse(r.stdout), expected);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'stdout is one JSON document');
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('delivering', () => {
  test('a post-tool-use event is stored once and answered with {}', async () => {
    const spool = await newSpoolDir();
    const sid = crypto.randomUUID();
    const body = toolEvent(sid, 1);
    const r = await hook('post-tool-use', body, { MEMFLOW_SPOOL_DIR: spool });
    assertHookOk(r);
    assert.equal(r.stderr, '');
    const events = await storedEvents(sid);
    assert.deepEqual(events.map((e) => e.toolUseId), [body.tool_use_id]);
    assert.deepEqual(await spoolFiles(spool), []);
  });

  test('session-start prints the hook output with additionalContext', async () => {
    const sid = crypto.randomUUID();
    const r = await hook('session-start', { session_id: sid, cwd, hook_event_name: 'SessionStart', source: 'startup' }, { MEMFLOW_SPOOL_DIR: await newSpoolDir() });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { hookSpecificOutput?: { hookEventName?: string; additionalContext?: unknown } };
    assert.equal(out.hookSpecificOutput?.hookEventName, 'SessionStart');
    assert.equal(typeof out.hookSpecificOutput?.additionalContext, 'string');
    assert.equal((await storedEvents(sid)).length, 1);
  });

  test('the tsx path (no prebuilt bundle) behaves the same', async () => {
    const sid = crypto.randomUUID();
    const r = await hook('post-tool-use', toolEvent(sid, 2), { MEMFLOW_SPOOL_DIR: await newSpoolDir(), MEMFLOW_HOOK_BUNDLE: '0' });
    assertHookOk(r);
    assert.equal((await storedEvents(sid)).length, 1);
  });
});

describe('bad input is dropped, never spooled', () => {
  test('stdin that is not JSON: exit 0, {}, one stderr line', async () => {
    const spool = await newSpoolDir();
    const r = await hook('post-tool-use', '{"session_id": "x", oops', { MEMFLOW_SPOOL_DIR: spool });
    assertHookOk(r);
    assert.match(r.stderr, /^memflow hook: stdin is not valid JSON; event dropped\n$/);
    assert.deepEqual(await spoolFiles(spool), []);
  });

  test('a 4xx answer (missing tool_name) is reported on stderr and dropped', async () => {
    const spool = await newSpoolDir();
    const sid = crypto.randomUUID();
    const { tool_name: _omitted, ...body } = toolEvent(sid, 3);
    const r = await hook('post-tool-use', body, { MEMFLOW_SPOOL_DIR: spool });
    assertHookOk(r);
    assert.match(r.stderr, /400 invalid_payload: tool_name.*dropped/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await spoolFiles(spool), []);
    assert.equal((await storedEvents(sid)).length, 0);
  });

  test('a name that is no event name', async () => {
    const spool = await newSpoolDir();
    const r = await hook('Tool_Used!', toolEvent(crypto.randomUUID(), 4), { MEMFLOW_SPOOL_DIR: spool });
    assertHookOk(r);
    assert.match(r.stderr, /'Tool_Used!' is not a hook event name/);
    assert.deepEqual(await spoolFiles(spool), []);
  });

  test("an event a newer Claude Code sends is delivered and stored as 'other', with its name", async () => {
    const sid = crypto.randomUUID();
    const r = await hook('teammate-idle', { session_id: sid, cwd, hook_event_name: 'TeammateIdle' }, { MEMFLOW_SPOOL_DIR: await newSpoolDir() });
    assertHookOk(r);
    const events = await prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sid } } });
    assert.deepEqual(events.map((e) => [e.event, (e.payload as { memflow_event?: string }).memflow_event]), [['other', 'teammate-idle']]);
  });

  test('stdin that never ends: gives up within the budget', async () => {
    // What bounds the hook is its own stdin timer, not the forced exit of the budget's guard nor the
    // API: it exits by itself with stdin still open (runCli closes it only after the exit), says the
    // budget's wait, asks the API nothing and keeps nothing. (How long that takes: npm run bench:hooks.)
    const spool = await newSpoolDir();
    const listener = await fakeServer((_req, res) => res.writeHead(500).end());
    try {
      const r = await runCli(['hook', 'stop'], {
        input: '{"session_id":',
        keepStdinOpen: true,
        env: { MEMFLOW_CACHE_DIR: cacheDir, MEMFLOW_API_KEY: tenant.key, MEMFLOW_URL: listener.url, MEMFLOW_SPOOL_DIR: spool, MEMFLOW_HOOK_TIMEOUT_MS: '500' },
      });
      assertHookOk(r);
      assert.equal(r.signal, null, 'exited by itself');
      assert.match(r.stderr, /^memflow hook: stdin did not end within 500 ms; event dropped\n$/);
      assert.equal(listener.hits(), 0, 'nothing sent');
      assert.deepEqual(await spoolFiles(spool), []);
    } finally {
      await listener.close();
    }
  });
});

describe('when the API is away', () => {
  const sid = crypto.randomUUID();
  let spool: string;
  const first = toolEvent(sid, 10);
  let saved: { name: string; text: string };
  // The API's own address, taken away and given back (a spooled event goes only to the API it was for).
  let proxy: TcpProxy;
  let url: string;

  before(async () => {
    spool = await newSpoolDir();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    url = `http://127.0.0.1:${proxy.port}`;
    await proxy.cut();
  });
  after(() => proxy?.close());

  test('unreachable: exits 0 quickly with {} and spools the event (0700 dir, 0600 file)', async () => {
    // (The outage is remembered for a millisecond only: the next test has the API back at once.)
    const r = await hook('post-tool-use', first, { MEMFLOW_SPOOL_DIR: spool, MEMFLOW_URL: url, MEMFLOW_HOOK_OUTAGE_MS: '1' });
    assertHookOk(r);
    // The proxy resets connections while cut (it keeps its port): refused or reset, the API is unreachable.
    // Quickly: one attempt, given up on the refusal itself, not on a timer (the one stderr line
    // names no timeout). How long that takes is measured by npm run bench:hooks.
    assert.match(r.stderr, /^memflow hook: API unreachable \((?:ECONNREFUSED|ECONNRESET)\).*kept in[^\n]*\n$/);
    assert.equal(proxy.connections(), 1, 'one connection tried');
    const files = await spoolFiles(spool);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^\d{15}-\d{4}-\d+-[0-9a-f]{8}\.json$/);
    assert.equal((await fs.stat(spool)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(path.join(spool, files[0]!))).mode & 0o777, 0o600);
    const text = await fs.readFile(path.join(spool, files[0]!), 'utf8');
    const entry = JSON.parse(text) as { event: string; body: unknown; idempotencyKey: string; createdAt: string };
    assert.equal(entry.event, 'post-tool-use');
    assert.deepEqual(entry.body, first);
    assert.match(entry.idempotencyKey, /^[0-9a-f-]{36}$/);
    saved = { name: files[0]!, text };
    assert.equal((await storedEvents(sid)).length, 0);
  });

  test('a spooled event is redacted before it touches the disk', async () => {
    const secretSpool = await newSpoolDir();
    const secret = 'sk-ant-api03-SpoolSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH-AAAA';
    const body = { ...toolEvent(crypto.randomUUID(), 1), tool_response: { stdout: `key ${secret} <private>my notes</private>`, stderr: '' } };
    const r = await hook('post-tool-use', body, { MEMFLOW_SPOOL_DIR: secretSpool, MEMFLOW_URL: downUrl });
    assertHookOk(r);
    const files = await spoolFiles(secretSpool);
    assert.equal(files.length, 1);
    const text = await fs.readFile(path.join(secretSpool, files[0]!), 'utf8');
    assert.ok(!text.includes(secret) && !text.includes('my notes'), text);
    assert.match(text, /\[redacted:anthropic-key\]/);
  });

  test('back up: the next invocation delivers the spooled event first, then its own, each once', async () => {
    await proxy.restore();
    const second = toolEvent(sid, 11);
    const r = await hook('post-tool-use', second, { MEMFLOW_SPOOL_DIR: spool, MEMFLOW_URL: url });
    assertHookOk(r);
    assert.equal(r.stderr, '');
    const events = await storedEvents(sid);
    assert.deepEqual(
      events.map((e) => e.toolUseId),
      [first.tool_use_id, second.tool_use_id],
      'the older, spooled event is stored first',
    );
    assert.deepEqual(await spoolFiles(spool), []);
    // Stored with the time it happened (the entry's), the live one with none (it happened on arrival).
    const times = await prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sid } }, orderBy: { sequence: 'asc' }, select: { occurredAt: true, receivedAt: true } });
    const spooledAt = (JSON.parse(saved.text) as { createdAt: string }).createdAt;
    assert.equal(times[0]!.occurredAt?.toISOString(), spooledAt);
    assert.ok(times[0]!.occurredAt! < times[0]!.receivedAt);
    assert.equal(times[1]!.occurredAt, null);
    const call = await prisma.observation.findFirstOrThrow({ where: { tenantId: tenant.tenantId, toolUseId: first.tool_use_id } });
    assert.equal(call.createdAt.toISOString(), spooledAt, 'its timeline item too');
  });

  test('a second delivery of the same spool entry is deduplicated by its saved Idempotency-Key', async () => {
    // As if a process had delivered it but died before removing the file.
    await fs.writeFile(path.join(spool, saved.name), saved.text, { mode: 0o600 });
    const r = await flush({ MEMFLOW_SPOOL_DIR: spool, MEMFLOW_URL: url });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { delivered: number; duplicates: number; waiting: number };
    assert.deepEqual([report.delivered, report.duplicates, report.waiting], [1, 1, 0]);
    assert.equal((await storedEvents(sid)).length, 2, 'still stored once');
  });

  test('an outage is remembered: the next hooks spool at once instead of waiting on the API again', async () => {
    const blackHole = await fakeServer(() => {});
    const cache = await tempDir('outage-cache');
    try {
      const spool3 = await newSpoolDir();
      const env = { MEMFLOW_SPOOL_DIR: spool3, MEMFLOW_URL: blackHole.url, MEMFLOW_HOOK_TIMEOUT_MS: '600', MEMFLOW_CACHE_DIR: cache, HOME: cache };
      const first = await hook('stop', { session_id: crypto.randomUUID(), cwd }, env);
      assertHookOk(first);
      assert.match(first.stderr, /ETIMEDOUT/);
      const hits = blackHole.hits();
      const next = await Promise.all([1, 2, 3].map(() => hook('stop', { session_id: crypto.randomUUID(), cwd }, env)));
      for (const r of next) {
        assertHookOk(r);
        assert.match(r.stderr, /API unreachable a moment ago \(retrying in \d+ s\)/);
      }
      assert.equal(blackHole.hits(), hits, 'no request while the outage is remembered');
      assert.equal((await spoolFiles(spool3)).length, 4, 'every event kept');
    } finally {
      await blackHole.close();
    }
  });

  test('an API that accepts but never answers: exits within the timeout, event spooled', async () => {
    const blackHole = await fakeServer(() => {});
    try {
      const spool2 = await newSpoolDir();
      const r = await hook('stop', { session_id: crypto.randomUUID(), cwd }, { MEMFLOW_SPOOL_DIR: spool2, MEMFLOW_URL: blackHole.url, MEMFLOW_HOOK_TIMEOUT_MS: '400' });
      assertHookOk(r);
      // Ended by its request's timeout (one request, no retry), not by the budget's forced exit
      // ("gave up after"): the event is spooled the ordinary way. (Its wall time: npm run bench:hooks.)
      assert.match(r.stderr, /^memflow hook: [^\n]*ETIMEDOUT[^\n]*kept in[^\n]*\n$/);
      assert.doesNotMatch(r.stderr, /gave up after/);
      assert.equal(blackHole.hits(), 1, 'one request');
      assert.equal((await spoolFiles(spool2)).length, 1);
    } finally {
      await blackHole.close();
    }
  });

  test('503 answers are spooled; the flush stops at the first', async () => {
    const unavailable = await fakeServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'the event store is unavailable; retry later' } }));
    });
    try {
      const spool2 = await newSpoolDir();
      const env = { MEMFLOW_SPOOL_DIR: spool2, MEMFLOW_URL: unavailable.url };
      const r1 = await hook('stop', { session_id: crypto.randomUUID(), cwd }, env);
      assertHookOk(r1);
      assert.match(r1.stderr, /503 unavailable/);
      const r2 = await hook('stop', { session_id: crypto.randomUUID(), cwd }, env);
      assertHookOk(r2);
      assert.equal((await spoolFiles(spool2)).length, 2);
      // r1: its own event; r2: the spooled one (stops the flush), then its own.
      assert.equal(unavailable.hits(), 3);
    } finally {
      await unavailable.close();
    }
  });

  test('without MEMFLOW_API_KEY: one line naming it, the event is spooled and delivered once a key is set', async () => {
    const spool2 = await newSpoolDir();
    const sid2 = crypto.randomUUID();
    const r = await hook('post-tool-use', toolEvent(sid2, 20), { MEMFLOW_SPOOL_DIR: spool2, MEMFLOW_API_KEY: undefined });
    assertHookOk(r);
    assert.match(r.stderr, /^memflow hook: MEMFLOW_API_KEY is not set; .* kept in /);
    assert.equal((await spoolFiles(spool2)).length, 1);
    const f = await flush({ MEMFLOW_SPOOL_DIR: spool2 });
    assert.equal(f.code, 0, f.stderr);
    assert.equal((await storedEvents(sid2)).length, 1);
    assert.deepEqual(await spoolFiles(spool2), []);
  });
});

describe('the spool keeps each event to its own API and key', () => {
  test("an event spooled with tenant A's key is never delivered with tenant B's; A's own flush delivers it", async () => {
    const other = await newTenant(prisma);
    const spoolDir = await newSpoolDir();
    // An API that is away (503) while both tenants' hooks run, recording what each request carried.
    const seen: { key: string; body: string }[] = [];
    const away = await fakeServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ key: req.headers.authorization ?? '', body });
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"down"}}');
      });
    });
    try {
      const sidA = crypto.randomUUID();
      const promptA = { session_id: sidA, cwd, hook_event_name: 'UserPromptSubmit', prompt: `tenant A's plan ${uniqueName('a')}` };
      assertHookOk(await hook('user-prompt-submit', promptA, { MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_URL: away.url }));
      assert.equal((await spoolFiles(spoolDir)).length, 1, "A's prompt is spooled");
      const spooled = JSON.parse(await fs.readFile(path.join(spoolDir, (await spoolFiles(spoolDir))[0]!), 'utf8')) as { target: { url: string; key: string } };
      assert.equal(spooled.target.url, away.url);
      assert.match(spooled.target.key, /^[0-9a-f]{16}$/);
      assert.ok(!JSON.stringify(spooled).includes(tenant.key), 'the key itself is never written to the spool');

      // B's hooks, on the same machine and spool: against the away API, then against the real one.
      const sidB = crypto.randomUUID();
      assertHookOk(await hook('stop', { session_id: sidB, cwd }, { MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_URL: away.url, MEMFLOW_API_KEY: other.key }));
      assertHookOk(await hook('stop', { session_id: crypto.randomUUID(), cwd }, { MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_API_KEY: other.key }));
      const flushedB = await flush({ MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_URL: away.url, MEMFLOW_API_KEY: other.key });
      assert.match(flushedB.stderr + flushedB.stdout, /stopped|503|delivered 0/);
      for (const r of seen.filter((x) => x.key === `Bearer ${other.key}`)) assert.ok(!r.body.includes(sidA), "B's key never carried A's event");
      assert.equal(await prisma.hookEvent.count({ where: { tenantId: other.tenantId, session: { agentSessionId: sidA } } }), 0);

      // Spooled for another URL: not delivered to this one either, and said so.
      const a2 = await flush({ MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key });
      assert.equal(a2.code, 0, a2.stderr);
      assert.ok((JSON.parse(a2.stdout) as { foreign: number }).foreign >= 1);
      assert.equal((await storedEvents(sidA)).length, 0);

      // At the real API: A's entry waits through B's hook and flush, then A's hook delivers it into A.
      const sidC = crypto.randomUUID();
      const spoolC = await newSpoolDir();
      await new Spool(spoolC).add(ourEntry('user-prompt-submit', { session_id: sidC, cwd, prompt: "A's next plan" }));
      assertHookOk(await hook('stop', { session_id: crypto.randomUUID(), cwd }, { MEMFLOW_SPOOL_DIR: spoolC, MEMFLOW_API_KEY: other.key }));
      const fb = await flush({ MEMFLOW_SPOOL_DIR: spoolC, MEMFLOW_API_KEY: other.key });
      assert.deepEqual([(JSON.parse(fb.stdout) as { delivered: number }).delivered, (await spoolFiles(spoolC)).length], [0, 1]);
      assert.equal(await prisma.hookEvent.count({ where: { tenantId: other.tenantId, session: { agentSessionId: sidC } } }), 0);
      assertHookOk(await hook('stop', { session_id: sidC, cwd }, { MEMFLOW_SPOOL_DIR: spoolC }));
      assert.equal(await prisma.hookEvent.count({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sidC } } }), 2);
      assert.deepEqual(await spoolFiles(spoolC), []);
    } finally {
      await away.close().catch(() => undefined);
    }
  });
});

describe('concurrency', () => {
  test('concurrent flushes deliver every spooled event exactly once', async () => {
    const spoolDir = await newSpoolDir();
    const spool = new Spool(spoolDir);
    const sid = crypto.randomUUID();
    const N = 30;
    for (let i = 0; i < N; i++) await spool.add(ourEntry('post-tool-use', toolEvent(sid, 100 + i)));
    assert.equal((await spoolFiles(spoolDir)).length, N);

    const results = await Promise.all([1, 2, 3].map(() => flush({ MEMFLOW_SPOOL_DIR: spoolDir })));
    const reports = results.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { delivered: number; duplicates: number };
    });
    assert.equal(reports.reduce((n, r) => n + r.delivered, 0), N, 'each entry delivered by exactly one process');
    assert.equal(reports.reduce((n, r) => n + r.duplicates, 0), 0, 'no entry was delivered twice');
    assert.equal((await storedEvents(sid)).length, N);
    assert.deepEqual(await spoolFiles(spoolDir), []);
  });

  test('parallel hook processes share one spool without losing or doubling events', async () => {
    const spoolDir = await newSpoolDir();
    const spool = new Spool(spoolDir);
    const sid = crypto.randomUUID();
    for (let i = 0; i < 12; i++) await spool.add(ourEntry('post-tool-use', toolEvent(sid, 200 + i)));
    const own = [0, 1, 2, 3].map((i) => toolEvent(sid, 300 + i));
    const results = await Promise.all(own.map((b) => hook('post-tool-use', b, { MEMFLOW_SPOOL_DIR: spoolDir, MEMFLOW_HOOK_TIMEOUT_MS: '5000' })));
    for (const r of results) assertHookOk(r);
    assert.equal((await storedEvents(sid)).length, 16);
    assert.deepEqual(await spoolFiles(spoolDir), []);
  });

  test('a stale claim (its process died mid-delivery) is taken back and delivered', async () => {
    const spoolDir = await newSpoolDir();
    const spool = new Spool(spoolDir);
    const sid = crypto.randomUUID();
    const name = await spool.add(ourEntry('post-tool-use', toolEvent(sid, 400)));
    const claimed = `${name}.claim-${Date.now() - 120_000}-999999-deadbeef`;
    await fs.rename(path.join(spoolDir, name), path.join(spoolDir, claimed));
    const fresh = await spool.add(ourEntry('post-tool-use', toolEvent(sid, 401)));
    const freshClaim = `${fresh}.claim-${Date.now()}-999999-deadbeef`;
    await fs.rename(path.join(spoolDir, fresh), path.join(spoolDir, freshClaim));

    const r = await flush({ MEMFLOW_SPOOL_DIR: spoolDir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { delivered: number }).delivered, 1);
    assert.equal((await storedEvents(sid)).length, 1);
    assert.deepEqual(await spoolFiles(spoolDir), [freshClaim], 'a live claim is left to its owner');
  });
});

describe('spool status', () => {
  test('reports waiting events', async () => {
    const spoolDir = await newSpoolDir();
    const spool = new Spool(spoolDir);
    await spool.add(ourEntry('stop', { session_id: 'x', cwd }));
    const r = await runCli(['spool', 'status', '--json'], { env: { MEMFLOW_SPOOL_DIR: spoolDir } });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { waiting: number; claimed: number; dir: string };
    assert.deepEqual([s.waiting, s.claimed, s.dir], [1, 0, spoolDir]);
  });
});

describe('what an answer means for an event', () => {
  const answer = (status: number, code = 'x') => ({ kind: 'response' as const, status, headers: {}, body: JSON.stringify({ error: { code, message: 'm' } }) });
  test('2xx delivered; 4xx bad input dropped; 5xx, 429, 408, 401, 403 and no answer kept for later', () => {
    assert.equal(judge({ kind: 'response', status: 200, headers: { 'x-memflow-duplicate': 'true' }, body: '{}' }).kind, 'delivered');
    for (const s of [400, 404, 409, 413, 422]) assert.equal(judge(answer(s)).kind, 'rejected', String(s));
    for (const s of [401, 403, 408, 429, 500, 502, 503, 504]) assert.equal(judge(answer(s)).kind, 'retry', String(s));
    const net = judge({ kind: 'network', code: 'ECONNREFUSED', message: 'refused' });
    assert.deepEqual(net.kind === 'retry' && [net.unreachable, net.stopsFlush], [true, true]);
    const plain500 = judge(answer(500));
    assert.equal(plain500.kind === 'retry' && plain500.stopsFlush, false, 'a 500 may be about one event: the flush goes on');
  });
});
