/**
 * An event spooled before its host wrote the transcript line it needs (Copilot CLI's final message,
 * written about 100 ms after agentStop runs): the relay answers the hook at once and delivery
 * completes the event from the transcript (cli/capture/ingress.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mock, test } from 'node:test';
import { settledEntry, settleLater } from '../../cli/capture/ingress.js';
import { newSpoolEntry, parseEntry, type SpoolSettle } from '../../cli/capture/spool.js';
import { hostHookOptions } from '../../cli/hosts/hook-options.js';
import { extrasOf } from '../../cli/hosts/transcripts.js';

const ANTHROPIC = 'sk-ant-api03-Xq9vR2mT8kLp4WzN7yB1cD5fG6hJ0aQsE3uI-_oPlKjHgFdSaZxCvBnM12345678abcdEFGH-AA';
const message = (content: string) => `${JSON.stringify({ type: 'assistant.message', data: { content } })}\n`;

const PENDING = Symbol('pending');
/** `p`'s value if it settles without a timer firing (timers are frozen by the caller), else PENDING. */
const withoutTimers = <T>(p: Promise<T>) => Promise.race([p, new Promise<typeof PENDING>((resolve) => setImmediate(() => resolve(PENDING)))]);

function agentStop(waitMs: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-settle-'));
  const transcript = path.join(dir, 'events.jsonl');
  fs.writeFileSync(transcript, `${JSON.stringify({ type: 'user.message', data: { content: 'fix it' } })}\n`);
  const payload = { sessionId: 's-1', cwd: dir, transcriptPath: transcript, stop_hook_active: false };
  const mapped = hostHookOptions('copilot', '1.0.102').adapt!('agentStop', payload, {})!;
  const settle: SpoolSettle = { host: 'copilot', nativeEvent: 'agentStop', hostVersion: '1.0.102', payload, until: new Date(Date.now() + waitMs).toISOString() };
  // Through the file format: what the relay writes is what a later delivery reads.
  const entry = parseEntry(JSON.stringify(newSpoolEntry(mapped.event, mapped.body, { url: 'http://api', key: null }, 'p', undefined, { settle })));
  return { transcript, entry };
}

test('delivery waits for the final message the host writes after its hook ran, and redacts it', async () => {
  const { transcript, entry } = agentStop(1000);
  assert.equal(entry.event, 'stop');
  assert.equal(entry.body.last_assistant_message, undefined, 'spooled without it');
  // The clock is the test's: the entry may wait 1000 ms; the line comes after 100, and delivery
  // takes it at its next look (it polls every 50), long before its wait is over.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  let settled: Awaited<ReturnType<typeof settledEntry>>;
  try {
    const pending = settledEntry(entry);
    for (let ms = 0; ms < 100; ms += 50) {
      assert.equal(await withoutTimers(pending), PENDING, `it waits for the line (${ms} ms)`);
      mock.timers.tick(50);
    }
    assert.equal(await withoutTimers(pending), PENDING, 'it waits for the line (100 ms)');
    fs.appendFileSync(transcript, message(`fixed it; the key was ${ANTHROPIC}`));
    mock.timers.tick(50);
    const done = await withoutTimers(pending);
    assert.notEqual(done, PENDING, 'taken at the next look, 850 ms before its wait is over');
    settled = done as Awaited<typeof pending>;
  } finally {
    mock.timers.reset();
  }
  const text = settled.entry.body.last_assistant_message as string;
  assert.match(text, /^fixed it; the key was /);
  assert.ok(!text.includes(ANTHROPIC), 'the secret is redacted');
  assert.equal(settled.entry.idempotencyKey, entry.idempotencyKey);
  assert.equal(settled.entry.body.session_id, entry.body.session_id);
  assert.deepEqual(settled.before, [], 'no tool call in that turn');
});

test('past its wait, delivery reads the transcript once; without the line the entry goes as spooled', async () => {
  const found = agentStop(-1);
  fs.appendFileSync(found.transcript, message('done'));
  assert.equal((await settledEntry(found.entry)).entry.body.last_assistant_message, 'done');
  const missing = agentStop(-1);
  // No wait: with the clock frozen it settles all the same.
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    assert.deepEqual(await withoutTimers(settledEntry(missing.entry)), { entry: missing.entry, before: [] });
  } finally {
    mock.timers.reset();
  }
});

test("the turn's last tool call, written after agentStop ran, goes ahead of the stop at delivery, keyed by its call id; a user's message last is no answer", async () => {
  const found = agentStop(-1);
  const line = (type: string, data: Record<string, unknown>) => `${JSON.stringify({ type, data, timestamp: new Date().toISOString() })}\n`;
  fs.appendFileSync(found.transcript, line('assistant.message', { content: '', toolRequests: [{ toolCallId: 'c-1', name: 'bash' }] }));
  assert.equal(extrasOf('copilot', 'agentStop', found.entry.settle!.payload).lastAssistantMessage, undefined, 'a message asking for tools is not the answer');
  fs.appendFileSync(found.transcript, line('tool.execution_start', { toolCallId: 'c-1', toolName: 'bash', arguments: { command: 'npm test' } }));
  fs.appendFileSync(found.transcript, line('tool.execution_complete', { toolCallId: 'c-1', success: true, shellExecution: { exitCode: 1 }, result: { content: `boom ${ANTHROPIC}\n<shellId: 0 completed with exit code 1>` } }));
  fs.appendFileSync(found.transcript, message('done'));
  const settled = await settledEntry(found.entry);
  assert.equal(settled.entry.body.last_assistant_message, 'done');
  assert.deepEqual(settled.before.map((b) => [b.event, b.idempotencyKey]), [['post-tool-use-failure', 'copilot-tool:c-1']]);
  assert.ok(!JSON.stringify(settled.before).includes(ANTHROPIC), 'redacted before it is sent');
  assert.equal(settled.before[0]!.target?.url, 'http://api');
  fs.appendFileSync(found.transcript, line('user.message', { content: 'and now?' }));
  assert.equal(extrasOf('copilot', 'agentStop', found.entry.settle!.payload).lastAssistantMessage, undefined, "the next turn's prompt last: not that turn's answer");
});

test("a caller's own limit shortens the wait (a hook's time is the agent's)", async () => {
  const { entry } = agentStop(1000);
  // The clock is the test's: the entry may wait 1000 ms, the caller gives it 60, and it polls every 50.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  try {
    const settled = settledEntry(entry, 60);
    assert.equal(await withoutTimers(settled), PENDING, 'it waits for the line');
    mock.timers.tick(50);
    assert.equal(await withoutTimers(settled), PENDING, 'still inside its 60 ms');
    mock.timers.tick(50);
    assert.deepEqual(await withoutTimers(settled), { entry, before: [] }, 'given up at the caller\'s limit, not the entry\'s');
  } finally {
    mock.timers.reset();
  }
});

test('an entry without settle is delivered as it is; a malformed settle is not a spool entry', async () => {
  const plain = newSpoolEntry('stop', { session_id: 's' }, { url: 'http://api', key: null });
  assert.deepEqual(await settledEntry(plain), { entry: plain, before: [] });
  assert.throws(() => parseEntry(JSON.stringify({ ...plain, settle: { host: 'copilot' } })), /not a spool entry/);
});

test('settleLater: only for an event whose line is not in the transcript yet, with the payload redacted', () => {
  const { transcript } = agentStop(1000);
  const payload = { sessionId: 's-2', cwd: '/repo', transcriptPath: transcript, note: `key ${ANTHROPIC}` };
  const later = settleLater('copilot', '1.0.102', 'agentStop', payload, extrasOf('copilot', 'agentStop', payload));
  assert.ok(later, 'the final message is not there yet');
  assert.equal(later.nativeEvent, 'agentStop');
  assert.ok(Date.parse(later.until) > Date.now() + 500);
  assert.ok(!JSON.stringify(later.payload).includes(ANTHROPIC), 'no secret in the spool');
  fs.appendFileSync(transcript, message('done'));
  assert.equal(settleLater('copilot', '1.0.102', 'agentStop', payload, extrasOf('copilot', 'agentStop', payload)), undefined, 'there already: mapped at once');
  assert.equal(settleLater('copilot', '1.0.102', 'postToolUse', payload, extrasOf('copilot', 'postToolUse', payload)), undefined);
  assert.equal(settleLater('codex', undefined, 'Stop', { transcript_path: transcript }, extrasOf('codex', 'Stop', { transcript_path: transcript })), undefined);
});
