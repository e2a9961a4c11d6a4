/**
 * Which model writes summaries (common/server/model-choice.ts) and what `memflow doctor` says of it
 * (cli/doctor.ts modelFinding): the API key first, an agent CLI only where the user agreed and one is
 * found signed in, else offline, each with its reason. Executables here are files on a PATH of the
 * test's own (discovery looks for them; nothing runs them). The summarizer's own session is never
 * captured: memflow's bash hook answers `{}` under MEMFLOW_SUMMARIZER=1 without reaching a relay.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chooseModel, storedConsent, writeConsent } from '../../common/server/model-choice.js';
import { modelFinding } from '../../cli/doctor.js';

function machine(opts: { clis?: string[]; claudeSignedIn?: boolean; codexSignedIn?: boolean } = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'model-choice-home-'));
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'model-choice-bin-'));
  for (const c of opts.clis ?? []) fs.writeFileSync(path.join(bin, c), '#!/bin/sh\n', { mode: 0o755 });
  if (opts.claudeSignedIn) {
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    fs.writeFileSync(path.join(home, '.claude', '.credentials.json'), '{}');
  }
  if (opts.codexSignedIn) {
    fs.mkdirSync(path.join(home, '.codex'), { recursive: true });
    fs.writeFileSync(path.join(home, '.codex', 'auth.json'), '{}');
  }
  return { home, env: { PATH: bin, HOME: home } as NodeJS.ProcessEnv };
}

test('auto: the API key first; a signed-in CLI only with consent; offline otherwise, with the reason', () => {
  const m = machine({ clis: ['claude', 'codex'], claudeSignedIn: true, codexSignedIn: true });
  assert.equal(chooseModel({ setting: 'auto', apiKey: 'sk-ant-x', env: m.env, home: m.home }).path, 'anthropic');

  const unasked = chooseModel({ setting: 'auto', env: m.env, home: m.home });
  assert.equal(unasked.path, 'offline');
  assert.match(unasked.why, /claude .* could summarize, but it spends your plan's quota and you have not agreed yet/);

  writeConsent(true, m.home);
  assert.equal(storedConsent(m.home), true);
  const agreed = chooseModel({ setting: 'auto', env: m.env, home: m.home });
  assert.equal(agreed.path, 'claude-cli');
  assert.equal(agreed.executable, path.join(m.env.PATH!, 'claude'));
  assert.match(agreed.why, /which you agreed to/);

  // The environment's answer wins over the stored one.
  assert.equal(chooseModel({ setting: 'auto', consent: false, env: m.env, home: m.home }).path, 'offline');
  writeConsent(false, m.home);
  assert.match(chooseModel({ setting: 'auto', env: m.env, home: m.home }).why, /you declined it at install/);
});

test('auto skips a CLI found but not signed in; a named CLI needs no consent but must exist', () => {
  const m = machine({ clis: ['claude', 'codex'], codexSignedIn: true });
  const c = chooseModel({ setting: 'auto', consent: true, env: m.env, home: m.home });
  assert.equal(c.path, 'codex-cli', 'claude is there but signed out (no credentials here, not macOS)');

  const bare = machine({ clis: ['gemini'] });
  const none = chooseModel({ setting: 'auto', consent: true, env: bare.env, home: bare.home });
  assert.equal(none.path, 'offline');
  assert.match(none.why, /found gemini \(not signed in\)/);

  assert.equal(chooseModel({ setting: 'gemini-cli', env: bare.env, home: bare.home }).path, 'gemini-cli');
  const missing = chooseModel({ setting: 'claude-cli', env: bare.env, home: bare.home });
  assert.equal(missing.path, 'offline');
  assert.match(missing.why, /no `claude` was found/);
  assert.equal(chooseModel({ setting: 'claude-cli', env: { ...bare.env, MEMFLOW_CLAUDE_CLI: path.join(bare.env.PATH!, 'gemini') }, home: bare.home }).path, 'claude-cli');
  assert.match(chooseModel({ setting: 'anthropic', env: bare.env, home: bare.home }).why, /ANTHROPIC_API_KEY is not set/);
});

test('memflow doctor names the model path and why; a bad MEMFLOW_MODEL fails', () => {
  const m = machine({ clis: ['claude'], claudeSignedIn: true });
  const offline = modelFinding({ ...m.env, HOME: m.home });
  assert.equal(offline.level, 'warn');
  assert.match(offline.what, /offline — auto: .*not agreed yet/);
  assert.match(offline.fix!, /memflow install --summarize-with-agent/);
  const on = modelFinding({ ...m.env, HOME: m.home, MEMFLOW_MODEL_CLI_CONSENT: 'yes' });
  assert.equal(on.level, 'ok');
  assert.match(on.what, /claude-cli — auto: no ANTHROPIC_API_KEY/);
  assert.match(modelFinding({ ...m.env, ANTHROPIC_API_KEY: 'sk-ant-x' }).what, /anthropic — auto: ANTHROPIC_API_KEY is set/);
  assert.equal(modelFinding({ MEMFLOW_MODEL: 'gpt' }).level, 'fail');
});

test("memflow's bash hook answers {} for the summarizer's own session and never reaches the relay", async () => {
  let connected = false;
  const relay = net.createServer((s) => {
    connected = true;
    s.destroy();
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as net.AddressInfo).port;
  const hook = path.join(import.meta.dirname, '..', '..', 'cli', 'memflow-hook');
  try {
    const out = execFileSync('bash', [hook, 'session-start'], { input: '{"session_id":"s1","hook_event_name":"SessionStart"}', env: { PATH: process.env.PATH, HOME: os.tmpdir(), MEMFLOW_RELAY_PORT: String(port), MEMFLOW_SUMMARIZER: '1' }, encoding: 'utf8' });
    assert.equal(out.trim(), '{}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(connected, false);
  } finally {
    // A listening server left open holds the test process (the unit batch then runs into its 15-minute timeout).
    relay.close();
  }
});
