/**
 * The capture ledger (docs/capture.md, "The capture ledger"), end to end through the real client
 * path: `memflow-hook` (bash) -> the relay (a real `memflow relay run` process) and its spool -> a
 * TCP proxy that plays the network's faults -> the API, PostgreSQL, Temporal. Five sessions, each
 * with a fault: the API down mid-session, a delivery whose answer is lost (so it is delivered
 * again), an oversized event, a key revoked mid-session (its events recovered with
 * `memflow spool retarget`), and the relay SIGKILLed while it holds a claimed event (the Node hook
 * client takes over and starts a new relay). Every event ends with the right outcome, and every
 * session reconciles to 0 unexplained, in GET /v1/sessions/{id}, `memflow sessions show` and /metrics.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createApiKey, revokeApiKey } from '../common/server/tenants.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import type { CaptureLedger, ClientLedgerCounts } from '../messages/capture-ledger-v1.js';
import { ClientLedger } from '../cli/capture/client-ledger.js';
import { Spool } from '../cli/capture/spool.js';
import { BIN, memflowOnPath, runCli, tempDir } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('ledger') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
/** The API's hook body limit here: the oversized event is above it, the relay's (16 MiB) far below. */
const HOOK_LIMIT = 64 * 1024;
const project = uniqueName('ledger');
let api: TestApi;
let worker: TestWorker;
let proxy: TcpProxy;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let home: string;
let env: Record<string, string>;
const relays: ChildProcess[] = [];

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma, { hookBodyLimit: HOOK_LIMIT, tuning: { flushDelayMs: 30, idleTimeoutMs: 300_000 } });
  worker = await startTestWorker(config, prisma);
  proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
  const proxyUrl = `http://127.0.0.1:${proxy.port}`;
  home = await tempDir('ledger-home');
  env = {
    PATH: await memflowOnPath(),
    HOME: home,
    MEMFLOW_URL: proxyUrl,
    MEMFLOW_API_KEY: tenant.key,
    MEMFLOW_PROJECT: project,
    MEMFLOW_SPOOL_DIR: path.join(home, 'spool'),
    MEMFLOW_CACHE_DIR: path.join(home, 'cache'),
    MEMFLOW_RELAY_PORT: String(await freePort()),
    MEMFLOW_RELAY_IDLE_MS: '600000',
    MEMFLOW_RELAY_QUIET_MS: '0',
    MEMFLOW_LEDGER_REPORT_MS: '1000',
    MEMFLOW_SPOOL_STALE_CLAIM_MS: '1500',
    MEMFLOW_GIT: '0',
  };
  relays.push(await startRelayProcess());
});

after(async () => {
  // Every relay: the one started here and the one the Node hook client started (found by its health).
  const h = await relayHealth().catch(() => undefined);
  if (h?.pid) relays.push({ pid: h.pid, kill: (sig: NodeJS.Signals) => process.kill(h.pid!, sig) } as unknown as ChildProcess);
  for (const r of relays) {
    try {
      r.kill('SIGTERM');
    } catch {
      // gone
    }
  }
  await waitUntil(async () => (await relayHealth().catch(() => undefined)) === undefined, { what: 'the relays stopped', timeoutMs: 10_000, intervalMs: 100 }).catch(() => undefined);
  await proxy?.close();
  await api?.close();
  await worker?.stop();
  await prisma.$disconnect();
});

async function relayHealth(): Promise<{ pid?: number; spool?: { waiting: number; stuck: number } } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${env.MEMFLOW_RELAY_PORT}/health`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as { pid?: number };
  } catch {
    return undefined;
  }
}

async function startRelayProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'relay', 'run', '--port', env.MEMFLOW_RELAY_PORT!], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitUntil(async () => (await relayHealth())?.pid === child.pid, { what: 'the relay answering', timeoutMs: 60_000, intervalMs: 100 });
  return child;
}

/** A hook as Claude Code runs it: the bash client, the payload on stdin. */
async function hook(event: string, body: Record<string, unknown>, key = tenant.key): Promise<void> {
  const r = await runCli([], { shell: `memflow-hook ${event}`, env: { ...env, MEMFLOW_API_KEY: key }, input: JSON.stringify({ cwd: '/tmp', transcript_path: '/tmp/t.jsonl', ...body }) });
  assert.equal(r.code, 0, r.stderr);
}

const tool = (s: string, id: string, extra: Record<string, unknown> = {}) =>
  hook('post-tool-use', { session_id: s, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: id, tool_input: { command: `echo ${id}` }, tool_response: { stdout: `${id}\n`, stderr: '', interrupted: false }, ...extra });
const start = (s: string, key?: string) => hook('session-start', { session_id: s, hook_event_name: 'SessionStart', source: 'startup' }, key);
const prompt = (s: string, text: string, key?: string) => hook('user-prompt-submit', { session_id: s, hook_event_name: 'UserPromptSubmit', prompt: text }, key);
const end = (s: string, key?: string) => hook('session-end', { session_id: s, hook_event_name: 'SessionEnd', reason: 'other' }, key);

const storedCount = (s: string) => prisma.hookEvent.count({ where: { tenantId: tenant.tenantId, session: { agentSessionId: s } } });

async function ledgerOf(s: string): Promise<CaptureLedger | undefined> {
  const res = await fetch(`${api.url}/v1/sessions/${s}`, { headers: { authorization: `Bearer ${tenant.key}` } });
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { capture?: CaptureLedger }).capture;
}

/** Waits until the session's ledger reconciles, and checks it against what the faults must have done. */
async function assertReconciled(
  s: string,
  expected: Partial<ClientLedgerCounts>,
  server: { duplicates?: Partial<CaptureLedger['server']['duplicates']> } = {},
  /** When how many events went out late depends on timing: the range it must fall in. */
  lateRange?: [number, number],
): Promise<CaptureLedger> {
  let last: CaptureLedger | undefined;
  await waitUntil(
    async () => {
      last = await ledgerOf(s);
      return last?.status === 'reconciled' && last.client?.seen === expected.seen;
    },
    { what: `session ${s} reconciled`, timeoutMs: 60_000, intervalMs: 200 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last ledger: ${JSON.stringify(last)}`);
  });
  const l = last!;
  assert.equal(l.unexplained, 0);
  assert.equal(l.flagged, false);
  const c = { ...l.client! };
  if (lateRange) {
    assert.ok(c.late >= lateRange[0] && c.late <= lateRange[1], `late ${c.late} of ${s} within ${lateRange.join('..')}`);
    c.late = 0;
  }
  const want: ClientLedgerCounts = { seen: 0, delivered: 0, late: 0, duplicates: 0, refused: {}, dropped: {}, pending: 0, held: {}, lost: 0, ...expected };
  assert.deepEqual(c, want, `the client's counts of ${s}`);
  // The API stored exactly what the client says it delivered, and counted the repeats it answered.
  assert.equal(l.server.fromClients, c.delivered);
  assert.equal(l.server.accepted, c.delivered);
  assert.equal(await storedCount(s), c.delivered, 'stored once each');
  assert.deepEqual(l.server.duplicates, { idempotencyKey: 0, toolUseId: 0, body: 0, ...server.duplicates });
  return l;
}

const sessions: string[] = [];

test('the API down mid-session: the events wait in the spool, go out late, and are all accounted for', async () => {
  const s = crypto.randomUUID();
  sessions.push(s);
  await start(s);
  await prompt(s, 'refund rounding is off by one cent');
  await tool(s, 'toolu_a1');
  await waitUntil(async () => (await storedCount(s)) === 3, { what: 'the first events delivered', timeoutMs: 30_000, intervalMs: 100 });
  // ... and their answers heard by the relay: a cut while the tool call's answer is on its way loses it, and that event is
  // then held and late too (seen under load: held 4, not 3; 2026-12-02, before and after the batch route alike).
  const journal = new ClientLedger(env.MEMFLOW_SPOOL_DIR!);
  await waitUntil(async () => journal.summarize(s, new Set()).counts.delivered === 3, { what: 'the first three answers heard', timeoutMs: 30_000, intervalMs: 50 });
  await proxy.cut();
  await tool(s, 'toolu_a2');
  await tool(s, 'toolu_a3');
  await hook('stop', { session_id: s, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'fixed' });
  // All three held in the spool, each marked as waiting for an API that does not answer.
  const ledger = new ClientLedger(env.MEMFLOW_SPOOL_DIR!);
  const spool = new Spool(env.MEMFLOW_SPOOL_DIR!);
  await waitUntil(
    async () => {
      const pending = new Set((await spool.heldEvents()).filter((h) => h.session === s).map((h) => h.idempotencyKey));
      return ledger.summarize(s, pending).counts.held.unreachable === 3;
    },
    { what: 'three events held as unreachable', timeoutMs: 30_000, intervalMs: 100 },
  );
  assert.equal(await storedCount(s), 3);
  await proxy.restore();
  await waitUntil(async () => (await storedCount(s)) === 6, { what: 'the held events delivered', timeoutMs: 30_000, intervalMs: 100 });
  await end(s);
  await assertReconciled(s, { seen: 7, delivered: 7, late: 3 });
});

test('a delivery whose answer is lost is delivered again and stored once (a duplicate by Idempotency-Key)', async () => {
  const s = crypto.randomUUID();
  sessions.push(s);
  await start(s);
  await waitUntil(async () => (await storedCount(s)) === 1, { what: 'the start delivered', timeoutMs: 30_000, intervalMs: 100 });
  proxy.loseNextAnswer('POST /v1/hooks/');
  await prompt(s, 'why does the nightly export time out');
  // Delivered again after the lost answer: the API answers it as the duplicate it is.
  await waitUntil(async () => (await prisma.session.findFirst({ where: { tenantId: tenant.tenantId, agentSessionId: s } }))?.ledgerDupKey === 1, { what: 'the repeat answered as a duplicate', timeoutMs: 30_000, intervalMs: 100 });
  await tool(s, 'toolu_b1');
  await end(s);
  await assertReconciled(s, { seen: 4, delivered: 4, late: 1, duplicates: 1 }, { duplicates: { idempotencyKey: 1 } });
});

test('an oversized event is refused by the API (413) and counted as refused, the rest delivered', async () => {
  const s = crypto.randomUUID();
  sessions.push(s);
  await start(s);
  await tool(s, 'toolu_c1', { tool_response: { stdout: 'x'.repeat(HOOK_LIMIT * 2), stderr: '', interrupted: false } });
  await tool(s, 'toolu_c2');
  await end(s);
  await assertReconciled(s, { seen: 4, delivered: 3, refused: { payload_too_large: 1 } });
});

test('a key revoked mid-session: its events are held (401), then recovered with spool retarget and delivered late', async () => {
  const s = crypto.randomUUID();
  sessions.push(s);
  const second = await createApiKey(prisma, tenant.name);
  await start(s, second.key);
  await prompt(s, 'rotate the signing key', second.key);
  await waitUntil(async () => (await storedCount(s)) === 2, { what: 'the first events delivered', timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(await revokeApiKey(prisma, second.keyId), true);
  await tool(s, 'toolu_d1', {});
  await hook('stop', { session_id: s, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'done' }, second.key);
  await end(s, second.key);
  const ledger = new ClientLedger(env.MEMFLOW_SPOOL_DIR!);
  const spool = new Spool(env.MEMFLOW_SPOOL_DIR!);
  const heldNow = async () => {
    const pending = new Set((await spool.heldEvents()).filter((h) => h.session === s).map((h) => h.idempotencyKey));
    return ledger.summarize(s, pending).counts;
  };
  // tool d1 went with the tenant's first key (the hook's default); stop and end with the revoked one.
  await waitUntil(async () => (await heldNow()).held.unauthenticated === 2, { what: 'two events held by the refused key', timeoutMs: 30_000, intervalMs: 100 });
  const held = await heldNow();
  assert.equal(held.pending, 2);
  assert.equal(held.lost, 0);
  // The user fixes the key: the waiting events are pointed at the tenant's good key and delivered.
  const r = await runCli(['spool', 'retarget', '--yes'], { env });
  assert.equal(r.code, 0, r.stderr);
  await assertReconciled(s, { seen: 5, delivered: 5, late: 2 });
});

test('the relay SIGKILLed while it holds a claimed event: the Node client takes over, a new relay delivers, nothing is lost', async () => {
  const s = crypto.randomUUID();
  sessions.push(s);
  await start(s);
  await prompt(s, 'the cache invalidation races the writer');
  await waitUntil(async () => (await storedCount(s)) === 2, { what: 'the first events delivered', timeoutMs: 30_000, intervalMs: 100 });
  // ... and their answers heard by the relay: an answer still on its way when the black hole opens is
  // lost, and that event then counts as late (seen under load: 5 late).
  const journal = new ClientLedger(env.MEMFLOW_SPOOL_DIR!);
  await waitUntil(async () => journal.summarize(s, new Set()).counts.delivered === 2, { what: 'the first two answers heard', timeoutMs: 30_000, intervalMs: 50 });
  // The API stops answering (connections taken, never answered): a delivery waits with its claim.
  proxy.blackhole();
  await tool(s, 'toolu_e1');
  await tool(s, 'toolu_e2');
  await waitUntil(async () => fs.readdirSync(env.MEMFLOW_SPOOL_DIR!).some((n) => n.includes('.claim-')), { what: 'a delivery in flight', timeoutMs: 30_000, intervalMs: 50 });
  const first = relays[0]!;
  first.kill('SIGKILL');
  await new Promise<void>((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve() : first.once('exit', () => resolve())));
  // No relay: the bash client hands this event to the Node client, which spools it and starts a relay.
  await tool(s, 'toolu_e3');
  await waitUntil(async () => (await relayHealth()) !== undefined, { what: 'a new relay started by the hook client', timeoutMs: 60_000, intervalMs: 100 });
  await proxy.restore();
  await end(s);
  // e2 and e3 were held by the Node client; e1 (the killed relay's claim) and e2 may have met the
  // black hole again from the new relay before the API came back, and the end may have waited
  // behind them while the new relay still counted the API as away: every event after the black
  // hole can be late, none before it.
  await assertReconciled(s, { seen: 6, delivered: 6 }, {}, [2, 4]);
});

test('every session is visible reconciled in memflow sessions show and /metrics', async () => {
  for (const s of sessions) {
    const r = await runCli(['sessions', 'show', s], { env: { ...env, MEMFLOW_URL: api.url } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /capture {2}reconciled: every event accounted for, 0 unexplained/);
    assert.match(r.stdout, /client {3}\d+ taken: \d+ delivered/);
  }
  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  assert.match(metrics, /^memflow_capture_ledger_unexplained_events 0$/m);
  const reconciled = Number(/^memflow_capture_ledger_sessions\{status="reconciled"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(reconciled >= sessions.length, `${reconciled} reconciled sessions in /metrics`);
  assert.match(metrics, /^memflow_capture_duplicates_total\{kind="idempotencyKey"\} [1-9]/m);
});

test('a report that claims more than the API stored is flagged, not hidden; a repeated or older report changes nothing', async () => {
  const s = sessions[2]!;
  const before = (await ledgerOf(s))!;
  const clientId = crypto.randomUUID();
  const post = async (counter: number, delivered: number) => {
    const res = await fetch(`${api.url}/v1/sessions/${s}/ledger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId, counter, counts: { seen: delivered, delivered, late: 0, duplicates: 0, refused: {}, dropped: {}, pending: 0, held: {}, lost: 0 } }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as CaptureLedger;
  };
  // A second client says it delivered an event the API has from no one: flagged.
  const flagged = await post(5, 1);
  assert.equal(flagged.status, 'unreconciled');
  assert.equal(flagged.flagged, true);
  assert.equal(flagged.missingOnServer, 1);
  assert.equal(flagged.unexplained, 1);
  const shown = await runCli(['sessions', 'show', s], { env: { ...env, MEMFLOW_URL: api.url } });
  assert.match(shown.stdout, /capture {2}UNRECONCILED: 1 event\(s\) unexplained/);
  // An older report (counter 4) and a repeat of this one change nothing; a newer one applies.
  assert.equal((await post(4, 0)).status, 'unreconciled');
  assert.equal((await post(5, 0)).status, 'unreconciled');
  assert.equal((await post(6, 0)).status, 'reconciled');
  // Bad input: a clear 400 naming the field, and nothing changes.
  const bad = await fetch(`${api.url}/v1/sessions/${s}/ledger`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'x', counter: 1, counts: {} }) });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /clientId/);
  // Another tenant does not see the session.
  const other = await newTenant(prisma);
  const foreign = await fetch(`${api.url}/v1/sessions/${s}/ledger`, { method: 'POST', headers: { authorization: `Bearer ${other.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ clientId: crypto.randomUUID(), counter: 1, counts: before.client }) });
  assert.equal(foreign.status, 404);
});
