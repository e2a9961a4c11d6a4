/**
 * The relay reads its user's working tree (git state, the start context's staleness check) only for
 * that user (cli/relay/workspace-access.ts): a hook that brings the relay's token (a 0600
 * file beside the spool), a later event of a session whose start was vouched for, or a caller the
 * kernel's socket table shows to be the relay's user. Another user's SessionStart or Stop gets a 403
 * and leaves nothing in the spool. The other user is a real one: a Node process started as `nobody`
 * (that needs root, as CI and this machine have; elsewhere that part is skipped, saying why).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loopbackPeerUid } from '../../cli/relay/peer-user.js';
import { startRelay } from '../../cli/relay/relay-server.js';
import { ensureRelayToken, isRelayToken, relayTokenFile } from '../../cli/relay/relay-token.js';

const NOBODY = 65534;

/** A hook posted to the relay by a Node process running as `uid` (this process's own when undefined), with a relay token if given. */
function requestAs(uid: number | undefined, url: string, body: unknown, token?: string): Promise<{ status: number; text: string }> {
  const script = `const headers = { 'content-type': 'application/json', 'x-memflow-url': 'http://127.0.0.1:9' };
  if (process.argv[3]) headers['x-memflow-relay-token'] = process.argv[3];
  fetch(process.argv[1], { method: 'POST', headers, body: process.argv[2] })
    .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() })), (e) => { process.stdout.write(JSON.stringify({ status: 0, text: String(e) })); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, url, JSON.stringify(body), token ?? ''], { cwd: '/', stdio: ['ignore', 'pipe', 'inherit'], ...(uid !== undefined ? { uid, gid: uid } : {}) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out) as { status: number; text: string }));
  });
}

const spooled = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.json')).length;

test("the relay reads the tree for its own user's hooks and refuses another user's with a 403, spooling nothing of them", { skip: process.platform !== 'linux' ? 'the socket owner check exists on Linux only' : undefined }, async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-relay-peer-'));
  const spoolDir = path.join(home, 'spool');
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-relay-peer-repo-'));
  // Delivery goes nowhere (port 1): what the relay took stays in the spool, where it can be counted.
  const relay = await startRelay({ port: 0, spoolDir, defaultUrl: 'http://127.0.0.1:1', startBudgetMs: 300 });
  t.after(() => relay.close());
  const tokenFile = relayTokenFile(spoolDir);
  assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600, "the token file is its user's alone");
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const start = { session_id: 'vouched', cwd: repo, hook_event_name: 'SessionStart', source: 'startup' };

  // The user's own SessionStart with the token (as memflow-hook sends it), then its Stop without one
  // (as Claude Code's http hook posts it): both taken.
  assert.equal((await requestAs(undefined, `${relay.url}/hook/session-start`, start, token)).status, 200);
  assert.equal((await requestAs(undefined, `${relay.url}/hook/stop`, { ...start, hook_event_name: 'Stop' })).status, 200);
  // Without the token and outside a vouched session, the socket's owner is asked: this user.
  assert.equal((await requestAs(undefined, `${relay.url}/hook/stop`, { ...start, session_id: 'not-vouched' })).status, 200);
  assert.equal(spooled(spoolDir), 3);

  if (process.getuid?.() !== 0) return t.skip('starting a process as another user needs root');
  for (const [event, hook] of [
    ['session-start', { ...start, session_id: 'theirs' }],
    ['stop', { ...start, session_id: 'theirs', hook_event_name: 'Stop' }],
    ['session-end', { ...start, session_id: 'theirs', hook_event_name: 'SessionEnd' }],
  ] as const) {
    const theirs = await requestAs(NOBODY, `${relay.url}/hook/${event}`, hook, 'a-guess');
    assert.equal(theirs.status, 403, theirs.text);
    const error = (JSON.parse(theirs.text) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'not_the_relay_user');
    assert.match(error.message, new RegExp(`uid ${NOBODY}\\b`));
  }
  assert.equal(spooled(spoolDir), 3, "another user's hooks must leave nothing in the spool");
  // An event that reads nothing of the tree is taken from anyone (it goes to the API and key its caller names).
  assert.equal((await requestAs(NOBODY, `${relay.url}/hook/post-tool-use`, { ...start, session_id: 'theirs', hook_event_name: 'PostToolUse' })).status, 200);
});

test('the relay token is kept across restarts, and made again when its file could be read by others', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-relay-token-'));
  const file = relayTokenFile(path.join(dir, 'spool'));
  const first = ensureRelayToken(file);
  assert.equal(ensureRelayToken(file), first);
  fs.chmodSync(file, 0o644);
  const second = ensureRelayToken(file);
  assert.notEqual(second, first);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.ok(isRelayToken(second, `${second}\n`));
  assert.ok(!isRelayToken(second, first));
  assert.ok(!isRelayToken(second, undefined));
});

test('the socket table is read for the caller end of a loopback connection: its uid, or nothing when it is not listed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-socket-table-'));
  const table = path.join(dir, 'tcp');
  fs.writeFileSync(
    table,
    [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1E27 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 11 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1E27 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 12 1 0000000000000000 20 4 30 10 -1',
      '   2: 0100007F:D431 0100007F:1E27 01 00000000:00000000 00:00000000 00000000  1001        0 13 1 0000000000000000 20 4 30 10 -1',
    ].join('\n'),
  );
  // 0x1E27 = 7719 (the relay), 0xD431 = 54321 (the caller): the caller's socket says uid 1001.
  assert.equal(loopbackPeerUid(54321, 7719, [table]), 1001);
  assert.equal(loopbackPeerUid(54322, 7719, [table]), undefined);
  assert.equal(loopbackPeerUid(54321, 7719, [path.join(dir, 'missing')]), undefined);
});
