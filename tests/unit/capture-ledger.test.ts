/**
 * The capture ledger's arithmetic, without servers: the client's journal folded per event (a
 * redelivery counts once, a held event that went out is late, an event in the spool is pending, one
 * that is neither settled nor in the spool is lost) and the reconciliation with the API's counts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ClientLedger, reasonOf } from '../../cli/capture/client-ledger.js';
import { newSpoolEntry } from '../../cli/capture/spool.js';
import { EMPTY_CLIENT_COUNTS, reconcileLedger, type ClientLedgerCounts } from '../../messages/capture-ledger-v1.js';

const entry = (session: string) => newSpoolEntry('post-tool-use', { session_id: session, tool_name: 'Bash' }, { url: 'http://api', key: 'fp' });

test('the journal folds to one outcome per event: repeats count once, held-then-delivered is late, spooled is pending, vanished is lost', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-ledger-unit-'));
  const ledger = new ClientLedger(dir);
  const s = 'sess-1';
  const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => entry(s));
  ledger.record(a!, 'delivered');
  ledger.record(b!, 'held', 'unreachable');
  ledger.record(b!, 'held', 'unreachable'); // the same reason again writes nothing
  ledger.record(b!, 'duplicate'); // its first attempt had reached the API
  ledger.record(b!, 'duplicate'); // a killed client's claim delivered it once more
  ledger.record(c!, 'refused', 'payload_too_large');
  ledger.record(d!, 'held', 'unauthenticated'); // still in the spool
  ledger.record(e!, 'held', 'unreachable'); // neither settled nor in the spool
  ledger.record(f!, 'dropped', 'spool_full');
  ledger.record(entry('another-session'), 'delivered');
  const lines = fs.readFileSync(path.join(dir, 'ledger', ClientLedger.fileName(s)), 'utf8').trim().split('\n');
  assert.equal(lines.length, 8);
  const { counts } = ledger.summarize(s, new Set([d!.idempotencyKey, 'spooled-not-yet-tried']));
  const want: ClientLedgerCounts = { seen: 7, delivered: 2, late: 1, duplicates: 2, refused: { payload_too_large: 1 }, dropped: { spool_full: 1 }, pending: 2, held: { unauthenticated: 1 }, lost: 1 };
  assert.deepEqual(counts, want);
  assert.match(ledger.clientId(), /^[0-9a-f-]{36}$/);
  assert.equal(new ClientLedger(dir).clientId(), ledger.clientId(), 'one id per spool directory');
  assert.deepEqual(ledger.unreported().sort(), ['another-session', s].sort());
  ledger.reported(s, 1);
  assert.deepEqual(ledger.unreported(), ['another-session']);
});

test('reason codes come from the API error code, else the status, else unreachable', () => {
  assert.equal(reasonOf({ kind: 'rejected', reason: '413 payload_too_large: the body is larger than 65536 bytes' }), 'payload_too_large');
  assert.equal(reasonOf({ kind: 'retry', reason: 'HTTP 502', unreachable: false, stopsFlush: true }), 'http_502');
  assert.equal(reasonOf({ kind: 'retry', reason: 'API unreachable (ECONNREFUSED)', unreachable: true, stopsFlush: true }), 'unreachable');
});

test('reconciliation: equal counts reconcile, a claimed delivery the API lacks is flagged, a late arrival is pending', () => {
  const server = { accepted: 5, fromClients: 5, duplicates: { idempotencyKey: 1, toolUseId: 0, body: 0 } };
  const counts = { ...EMPTY_CLIENT_COUNTS, seen: 6, delivered: 5, refused: { payload_too_large: 1 } };
  const at = new Date().toISOString();
  assert.equal(reconcileLedger(server, []).status, 'unreported');
  const ok = reconcileLedger(server, [{ counts, serverEventsAtReport: 5, reportedAt: at }]);
  assert.deepEqual([ok.status, ok.unexplained, ok.flagged], ['reconciled', 0, false]);
  const missing = reconcileLedger(server, [{ counts: { ...counts, seen: 7, delivered: 6 }, serverEventsAtReport: 5, reportedAt: at }]);
  assert.deepEqual([missing.status, missing.missingOnServer, missing.unexplained, missing.flagged], ['unreconciled', 1, 1, true]);
  // The API stored one more since the report: the next report covers it.
  const later = reconcileLedger({ ...server, fromClients: 6, accepted: 6 }, [{ counts, serverEventsAtReport: 5, reportedAt: at }]);
  assert.deepEqual([later.status, later.unexplained], ['pending', 0]);
  // ... but the same surplus at the time of the report is unexplained.
  const extra = reconcileLedger({ ...server, fromClients: 6, accepted: 6 }, [{ counts, serverEventsAtReport: 6, reportedAt: at }]);
  assert.deepEqual([extra.status, extra.unclaimedOnServer], ['unreconciled', 1]);
  // The client's own sums must add up, and nothing may be lost.
  const lost = reconcileLedger(server, [{ counts: { ...counts, seen: 7, lost: 1 }, serverEventsAtReport: 5, reportedAt: at }]);
  assert.deepEqual([lost.status, lost.unexplained], ['unreconciled', 1]);
  const unbalanced = reconcileLedger(server, [{ counts: { ...counts, seen: 8 }, serverEventsAtReport: 5, reportedAt: at }]);
  assert.deepEqual([unbalanced.status, unbalanced.unexplained], ['unreconciled', 2]);
});
