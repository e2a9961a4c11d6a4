/**
 * A relay per user: two users of one machine (two HOMEs, two uids: root and a user this test makes
 * with `useradd`), each with a relay running and hooks sent at once. Each user's hooks reach their
 * own relay without any setting (the second user's relay and `memflow-hook` both derive the port from
 * the uid), no event crosses (each is delivered with its own user's key, from its own spool), and
 * `memflow doctor` is right for each: "your relay" on one's own port, a failure naming the other
 * user's uid when pointed at theirs. Needs root (useradd, processes as another uid); elsewhere skipped.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { defaultRelayPort } from '../../cli/relay/relay-port.js';
import { relayHealth, type RelayHealth } from '../../cli/relay/lifecycle.js';
import { waitUntil } from '../../infra/wait-until.js';
import { BIN, closedPort, fakeServer, repoRoot, runCli, tempDir } from '../fixtures/cli-run.js';

const USER = 'memflow-relay-b';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const children: ChildProcess[] = [];
/** doctor's line about the relay. */
const RELAY_FINDING = /^your relay \(|user's relay|^the relay/;

after(() => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
});

/** The second user's uid (made once; left for the next run). */
function otherUser(): number {
  try {
    return Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    return Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  }
}

/** A folder the other user may read (a bin with memflow and memflow-hook on it). */
async function sharedBin(): Promise<string> {
  const dir = await tempDir('relay-users-bin');
  fs.chmodSync(dir, 0o755);
  fs.symlinkSync(BIN, path.join(dir, 'memflow'));
  fs.symlinkSync(path.join(repoRoot, 'cli', 'memflow-hook'), path.join(dir, 'memflow-hook'));
  return dir;
}

async function homeOf(uid: number): Promise<string> {
  const home = await tempDir(`relay-users-${uid}`);
  fs.chownSync(home, uid, uid);
  return home;
}

function run(cmd: string, args: string[], env: Record<string, string>, uid: number, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: env.HOME, env, uid, gid: uid, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

test('two users with relays at once: each hook reaches its own user\'s relay, no event crosses, doctor is right for each', { skip: isRoot ? false : 'needs root (useradd, a process as another uid)', timeout: 180_000 }, async () => {
  const uidB = otherUser();
  // The relay delivers at least once (a delivery whose answer is late is sent again, with the same
  // idempotency key); the API keeps each key once. So an event is a key here, as it is there.
  const received: { key: string; session: string; event: string }[] = [];
  const api = await fakeServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1/hooks/')) {
        const event = String(req.headers['idempotency-key']);
        if (!received.some((e) => e.event === event)) received.push({ key: String(req.headers.authorization), session: String((JSON.parse(body) as { session_id?: string }).session_id), event });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if (req.url?.startsWith('/v1/sessions')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"nextCursor":null}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  try {
    const bin = await sharedBin();
    const portA = await closedPort();
    const users = [
      { name: 'A', uid: 0, home: await homeOf(0), key: 'mf_userAkey0000000000000000000000', port: String(portA) },
      { name: 'B', uid: uidB, home: await homeOf(uidB), key: 'mf_userBkey0000000000000000000000', port: undefined },
    ];
    const envOf = (u: (typeof users)[number], extra: Record<string, string> = {}) => ({
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: u.home,
      MEMFLOW_URL: api.url,
      MEMFLOW_API_KEY: u.key,
      MEMFLOW_RELAY_QUIET_MS: '0',
      MEMFLOW_RELAY_IDLE_MS: '120000',
      ...(u.port ? { MEMFLOW_RELAY_PORT: u.port } : {}),
      ...extra,
    });
    // B's relay is on B's own port, derived from B's uid: nothing was set for it.
    assert.notEqual(defaultRelayPort(uidB), defaultRelayPort(0));
    // A closed port refuses at once; a short timeout read a busy event loop (load 15, first run on a
    // machine) as a port taken by something else.
    if (await relayHealth(defaultRelayPort(uidB), 10_000)) assert.fail(`port ${defaultRelayPort(uidB)} is taken before the test`);
    const relayErr: Record<string, string> = { A: '', B: '' };
    for (const u of users) {
      const relay = spawn(process.execPath, [BIN, 'relay', 'run'], { cwd: u.home, env: envOf(u), uid: u.uid, gid: u.uid, stdio: ['ignore', 'ignore', 'pipe'] });
      relay.stderr!.on('data', (d: Buffer) => (relayErr[u.name] += d.toString()));
      relay.on('exit', (code, signal) => (relayErr[u.name] += `\n[relay ${u.name} exited: ${code ?? signal}]`));
      children.push(relay);
    }
    const ports = { A: portA, B: defaultRelayPort(uidB) };
    // A relay that does not answer in time reads as "foreign": on a loaded machine (load 25-28 on two
    // cores) 300-500 ms were too short for a relay starting beside the tier's other processes.
    const answerMs = 10_000;
    // The answers that ended the wait are the ones read: a second round of /health on a loaded
    // machine (CI, 2026-11-28) once found no answer and read the uid of nothing.
    const health: Record<'A' | 'B', RelayHealth | 'foreign' | undefined> = { A: undefined, B: undefined };
    await waitUntil(
      async () => {
        [health.A, health.B] = await Promise.all([relayHealth(ports.A, answerMs), relayHealth(ports.B, answerMs)]);
        return [health.A, health.B].every((h) => h && h !== 'foreign');
      },
      { what: 'both relays', timeoutMs: 90_000, attemptTimeoutMs: answerMs + 1000 },
    );
    assert.equal((health.A as RelayHealth).uid, 0, relayErr.A);
    assert.equal((health.B as RelayHealth).uid, uidB, relayErr.B);

    // Hooks of both users at once, each through memflow-hook as that user.
    const sends = users.flatMap((u) =>
      [1, 2, 3].map((i) => run('/bin/bash', [path.join(bin, 'memflow-hook'), 'user-prompt-submit'], envOf(u), u.uid, JSON.stringify({ session_id: `s-${u.name}`, hook_event_name: 'UserPromptSubmit', prompt: `prompt ${i} of ${u.name}`, cwd: u.home }))),
    );
    for (const r of await Promise.all(sends)) assert.equal(r.code, 0, r.stderr);
    await waitUntil(async () => received.length >= 6, { what: 'six events delivered', timeoutMs: 30_000 });
    for (const u of users) {
      const mine = received.filter((e) => e.session === `s-${u.name}`);
      assert.equal(mine.length, 3, `${u.name}'s three events, once each`);
      assert.ok(mine.every((e) => e.key === `Bearer ${u.key}`), `${u.name}'s events went with ${u.name}'s key only`);
    }
    // Each relay took only its own user's events: each spool's ledger is its own.
    assert.ok(fs.existsSync(path.join(users[1]!.home, '.memflow')), "B's relay keeps B's spool in B's home");

    // doctor, as each user: their own relay; B pointed at A's port is told it is another user's.
    const doctorB = await run(process.execPath, [BIN, 'doctor', '--json'], envOf(users[1]!), uidB);
    const relayB = (JSON.parse(doctorB.stdout) as { findings: { level: string; what: string }[] }).findings.find((f) => RELAY_FINDING.test(f.what))!;
    assert.equal(relayB.level, 'ok', doctorB.stdout);
    assert.match(relayB.what, new RegExp(`^your relay \\(pid \\d+, uid ${uidB}\\) on 127\\.0\\.0\\.1:${ports.B}`));
    const doctorBatA = await run(process.execPath, [BIN, 'doctor', '--json'], envOf(users[1]!, { MEMFLOW_RELAY_PORT: String(ports.A) }), uidB);
    const foreign = (JSON.parse(doctorBatA.stdout) as { findings: { level: string; what: string; fix?: string }[] }).findings.find((f) => RELAY_FINDING.test(f.what))!;
    assert.equal(foreign.level, 'fail');
    assert.match(foreign.what, /is another user's relay \(uid 0, pid \d+\), not yours/);
    assert.match(foreign.fix ?? '', new RegExp(`unset MEMFLOW_RELAY_PORT: your own relay's port is ${ports.B}`));
    const doctorA = await runCli(['doctor', '--json'], { cwd: users[0]!.home, env: envOf(users[0]!) });
    assert.match((JSON.parse(doctorA.stdout) as { findings: { what: string }[] }).findings.find((f) => RELAY_FINDING.test(f.what))!.what, /^your relay \(pid \d+, uid 0\)/);
  } finally {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    await api.close();
  }
});
