/**
 * `memflow install`: merges memflow's hooks into Claude Code settings (the personal
 * settings.local.json by default) without touching anything else, writes nothing machine-specific,
 * is idempotent, switches between command and http hooks without duplicates (SessionStart stays a
 * command hook), refuses a broken settings file, `uninstall` takes it all out again, and the command
 * it installs really works as a hook through the shell with `memflow` on PATH.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../infra/wait-until.js';
import { BIN, closedPort, memflowOnPath, runCli, spoolFiles, tempDir } from './fixtures/cli-run.js';

const EVENTS: Record<string, string> = {
  SessionStart: 'session-start',
  UserPromptSubmit: 'user-prompt-submit',
  PostToolUse: 'post-tool-use',
  PostToolUseFailure: 'post-tool-use-failure',
  Stop: 'stop',
  SubagentStop: 'subagent-stop',
  StopFailure: 'stop-failure',
  PreCompact: 'pre-compact',
  PostCompact: 'post-compact',
  SessionEnd: 'session-end',
};

const EXISTING = {
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  model: 'claude-sonnet-4-5',
  env: { FOO: 'bar' },
  permissions: { allow: ['Bash(npm test)'], deny: ['Read(./.env)'] },
  hooks: {
    PreToolUse: [
      { matcher: 'Bash', hooks: [{ type: 'command', command: './scripts/check-bash.sh', timeout: 5 }] },
      // What an older memflow installed: machine paths and a PreToolUse hook.
      { matcher: '*', hooks: [{ type: 'command', command: '/usr/bin/node /opt/memflow/cli/memflow.js hook pre-tool-use', timeout: 10 }] },
    ],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
    Notification: [{ matcher: '', hooks: [{ type: 'command', command: 'say hi' }] }],
  },
};

type Handler = Record<string, any>;
type Settings = { hooks: Record<string, { matcher?: string; hooks: Handler[] }[]>; [k: string]: unknown };

const dirs: string[] = [];
let home: string;

before(async () => {
  home = await tempDir('install-home');
  dirs.push(home);
});

after(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function project(settings?: unknown, raw?: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir('install-proj');
  dirs.push(dir);
  execFileSync('git', ['init', '-q', dir]);
  const file = path.join(dir, '.claude', 'settings.local.json');
  if (settings !== undefined || raw !== undefined) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, raw ?? `${JSON.stringify(settings, null, 2)}\n`);
  }
  return { dir, file };
}

// --no-relay: these tests look at the files; the relay is started (and stopped) where a hook runs.
const installIn = (dir: string, ...args: string[]) => runCli(['install', '--no-relay', ...args], { cwd: dir, env: { HOME: home } });
const install = installIn;
const read = async (file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as Settings;

const ours = (s: Settings, claudeEvent: string) =>
  (s.hooks[claudeEvent] ?? []).flatMap((g) => g.hooks).filter((h) => /memflow(\.js)?'? hook |memflow-hook |\/v1\/hooks\/|^http:\/\/127\.0\.0\.1:\d+\/hook\/[a-z-]+$/.test(String(h.command ?? h.url)));

describe('command hooks', () => {
  let dir: string;
  let file: string;
  const install = (d: string, ...args: string[]) => installIn(d, ...(args.includes('--http') ? args : ['--command-hooks', ...args]));

  before(async () => {
    ({ dir, file } = await project(EXISTING));
  });

  test('are merged into existing settings, leaving every other key and hook alone', async () => {
    const r = await install(dir);
    assert.equal(r.code, 0, r.stderr);
    for (const name of Object.keys(EVENTS)) assert.match(r.stdout, new RegExp(`added\\s+${name}`));
    assert.match(r.stdout, /updated\s+PreToolUse/);
    assert.match(r.stdout, /updated .*settings\.local\.json/);

    const s = await read(file);
    for (const key of ['$schema', 'model', 'env', 'permissions'] as const) assert.deepEqual(s[key], EXISTING[key]);
    assert.deepEqual(s.hooks.Notification, EXISTING.hooks.Notification);
    // The old memflow PreToolUse (every tool, a machine path) is now ours on the file tools only: the
    // relay answers it with what is known about the file (cli/relay/file-answer.ts).
    assert.deepEqual(s.hooks.PreToolUse, [
      EXISTING.hooks.PreToolUse[0],
      { matcher: 'Edit|Write|MultiEdit|NotebookEdit', hooks: [{ type: 'command', command: 'memflow-hook pre-tool-use', timeout: 10 }] },
    ], "the user's own PreToolUse group is intact; memflow's matches the file tools only");
    assert.deepEqual(s.hooks.Stop![0], EXISTING.hooks.Stop[0]);

    for (const [claudeEvent, event] of Object.entries(EVENTS)) {
      const mine = ours(s, claudeEvent);
      assert.equal(mine.length, 1, `${claudeEvent}: one memflow hook`);
      // Synchronous, all of them: the relay answers in milliseconds, and nothing is left for Claude
      // Code to cancel at exit.
      assert.deepEqual(mine[0], { type: 'command', command: `memflow-hook ${event}`, timeout: 10 });
      const group = s.hooks[claudeEvent]!.find((g) => g.hooks.includes(mine[0]!))!;
      if (event.startsWith('post-tool-use')) assert.equal(group.matcher, '*');
      else assert.equal(group.matcher, undefined);
    }
    const text = await fs.readFile(file, 'utf8');
    for (const machine of [process.execPath, BIN, path.dirname(BIN), home, dir]) assert.ok(!text.includes(machine), `no machine path (${machine})`);
  });

  test('running it again changes nothing, byte for byte', async () => {
    const before = await fs.readFile(file);
    const r = await install(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing changed/);
    for (const name of Object.keys(EVENTS)) assert.match(r.stdout, new RegExp(`unchanged\\s+${name}`));
    assert.deepEqual(await fs.readFile(file), before);
  });

  test("an earlier install's PreToolUse on Read too is moved to today's tools (a Read's push goes with its PostToolUse); a matcher the user chose stays", async () => {
    const s0 = await read(file);
    const mine = s0.hooks.PreToolUse!.find((g) => g.hooks.some((h) => String(h.command).includes('memflow-hook pre-tool-use')))!;
    mine.matcher = 'Read|Edit|Write|MultiEdit|NotebookEdit';
    await fs.writeFile(file, JSON.stringify(s0, null, 2));
    const r = await install(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /updated\s+PreToolUse/);
    assert.equal((await read(file)).hooks.PreToolUse!.find((g) => g.hooks.some((h) => String(h.command).includes('memflow-hook pre-tool-use')))!.matcher, 'Edit|Write|MultiEdit|NotebookEdit');
    const s1 = await read(file);
    s1.hooks.PreToolUse!.find((g) => g.hooks.some((h) => String(h.command).includes('memflow-hook pre-tool-use')))!.matcher = 'Edit|Write';
    await fs.writeFile(file, JSON.stringify(s1, null, 2));
    assert.equal((await install(dir)).code, 0);
    assert.equal((await read(file)).hooks.PreToolUse!.find((g) => g.hooks.some((h) => String(h.command).includes('memflow-hook pre-tool-use')))!.matcher, 'Edit|Write', "the user's own matcher");
    s1.hooks.PreToolUse!.find((g) => g.hooks.some((h) => String(h.command).includes('memflow-hook pre-tool-use')))!.matcher = 'Edit|Write|MultiEdit|NotebookEdit';
    await fs.writeFile(file, JSON.stringify(s1, null, 2));
  });

  test('--http replaces memflow\'s entries instead of adding to them, and is idempotent too', async () => {
    const r = await install(dir, '--http', '--offline', '--url', 'http://127.0.0.1:4555/');
    assert.equal(r.code, 0, r.stderr);
    for (const name of Object.keys(EVENTS)) assert.match(r.stdout, new RegExp(`updated\\s+${name}`));
    assert.match(r.stdout, /updated\s+SessionStart \(command hook/);
    const s = await read(file);
    // Claude Code runs no http SessionStart hooks: it stays a command hook.
    assert.deepEqual(ours(s, 'SessionStart'), [{ type: 'command', command: 'memflow-hook session-start --url http://127.0.0.1:4555', timeout: 10 }]);
    for (const [claudeEvent, event] of Object.entries(EVENTS)) {
      if (claudeEvent === 'SessionStart') continue;
      const mine = ours(s, claudeEvent);
      assert.equal(mine.length, 1, `${claudeEvent}: one memflow hook`);
      const { headers, ...rest } = mine[0]!;
      assert.deepEqual(rest, { type: 'http', url: `http://127.0.0.1:4555/v1/hooks/${event}`, allowedEnvVars: ['MEMFLOW_API_KEY'], timeout: 10 });
      // The project as the relay names it: the repository's folder and its key (a personal file: the
      // key of this machine's path is fine here).
      assert.equal(headers.Authorization, 'Bearer $MEMFLOW_API_KEY');
      assert.equal(headers['X-Memflow-Project'], path.basename(dir));
      assert.match(headers['X-Memflow-Project-Key'], /^[0-9a-f]{16}$/);
    }
    // No PreToolUse with --http: only the relay answers it (and the API would keep every call twice).
    assert.match(r.stdout, /removed\s+PreToolUse/);
    assert.deepEqual(s.hooks.PreToolUse, [EXISTING.hooks.PreToolUse[0]]);
    assert.deepEqual(s.hooks.Notification, EXISTING.hooks.Notification);

    const bytes = await fs.readFile(file);
    const again = await install(dir, '--http', '--offline', '--url', 'http://127.0.0.1:4555');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await fs.readFile(file), bytes);
  });

  test('and back to command hooks, still without duplicates', async () => {
    const r = await install(dir);
    assert.equal(r.code, 0, r.stderr);
    const s = await read(file);
    for (const claudeEvent of Object.keys(EVENTS)) {
      const mine = ours(s, claudeEvent);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.type, 'command');
    }
    assert.equal(s.hooks.Stop!.length, 2, "the user's Stop group and memflow's");
  });
});

test('the installed command works as a Claude Code hook (bash -c, memflow-hook on PATH, API down: {} and spooled)', async () => {
  const { dir, file } = await project();
  const port = await closedPort();
  const r = await install(dir, '--command-hooks', '--offline', '--url', `http://127.0.0.1:${port}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /created .*settings\.local\.json/);
  const command = ours(await read(file), 'PostToolUse')[0]!.command as string;
  assert.match(command, /^memflow-hook post-tool-use --url http:\/\/127\.0\.0\.1:\d+$/);

  const spool = path.join(dir, 'spool');
  const env = { PATH: await memflowOnPath(), HOME: home, MEMFLOW_API_KEY: 'mf_not-checked-while-down', MEMFLOW_SPOOL_DIR: spool, MEMFLOW_CACHE_DIR: path.join(home, 'cache'), MEMFLOW_RELAY_PORT: String(await closedPort()) };
  const fire = (id: string) =>
    runCli([], {
      shell: `bash -c ${JSON.stringify(command)}`,
      cwd: dir,
      input: JSON.stringify({ session_id: id, cwd: dir, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: {}, tool_response: {} }),
      env,
    });
  try {
    // No relay yet: the Node client spools the event itself and starts the relay.
    const out = await fire('s-1');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, '{}\n');
    assert.equal((await spoolFiles(spool)).length, 1);
    // The next hook finds the relay: it keeps that event too (the API is still down). The relay is a
    // detached Node process and each status check another: on a machine busy with the type check and
    // lint beside the tests, starting both took more than 20 s.
    await waitUntil(async () => (await runCli(['relay', 'status'], { env })).code === 0, { what: 'the relay the hook started', timeoutMs: 60_000, intervalMs: 100 });
    const next = await fire('s-2');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, '{}\n');
    assert.equal((await spoolFiles(spool)).length, 2);
  } finally {
    await runCli(['relay', 'stop'], { env });
  }
});

test('by default every event but SessionStart is an http hook that Claude Code posts to the local relay itself', async () => {
  const { dir, file } = await project();
  const r = await runCli(['install', '--no-relay', '--offline'], { cwd: dir, env: { HOME: home, MEMFLOW_RELAY_PORT: '7799' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /added\s+PostToolUse \(http hook to the relay\)/);
  const s = await read(file);
  assert.deepEqual(ours(s, 'SessionStart'), [{ type: 'command', command: 'memflow-hook session-start', timeout: 10 }]);
  for (const [claudeEvent, event] of Object.entries(EVENTS)) {
    if (claudeEvent === 'SessionStart') continue;
    const mine = ours(s, claudeEvent);
    assert.equal(mine.length, 1, `${claudeEvent}: one memflow hook`);
    const { headers, ...rest } = mine[0]!;
    assert.deepEqual(rest, { type: 'http', url: `http://127.0.0.1:7799/hook/${event}`, allowedEnvVars: ['MEMFLOW_API_KEY', 'MEMFLOW_URL'], timeout: 10 });
    assert.equal(headers.Authorization, 'Bearer $MEMFLOW_API_KEY');
    assert.equal(headers['X-Memflow-Url'], '$MEMFLOW_URL');
    assert.equal(headers['X-Memflow-Project'], path.basename(dir));
    assert.match(headers['X-Memflow-Project-Key'], /^[0-9a-f]{16}$/);
  }
  // Installing again changes nothing; switching to command hooks replaces them in place.
  const again = await runCli(['install', '--no-relay', '--offline'], { cwd: dir, env: { HOME: home, MEMFLOW_RELAY_PORT: '7799' } });
  assert.match(again.stdout, /nothing changed/);
  const cmd = await installIn(dir, '--command-hooks', '--offline');
  assert.equal(cmd.code, 0, cmd.stderr);
  for (const claudeEvent of Object.keys(EVENTS)) assert.deepEqual(ours(await read(file), claudeEvent).map((h) => h.type), ['command']);
});

test('--shared --http names the project in the committed file only by what is the same on every machine', async () => {
  const headersOf = async (dir: string) => {
    const settings = await read(path.join(dir, '.claude', 'settings.json'));
    return ours(settings, 'PostToolUse')[0]!.headers as Record<string, string>;
  };
  const base = await tempDir('install-http');
  dirs.push(base);
  const withRemote = path.join(base, 'shop');
  const withoutRemote = path.join(base, 'notes');
  for (const dir of [withRemote, withoutRemote]) {
    await fs.mkdir(dir, { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
  }
  execFileSync('git', ['-C', withRemote, 'remote', 'add', 'origin', 'git@github.com:acme/shop.git']);
  for (const dir of [withRemote, withoutRemote]) assert.equal((await install(dir, '--shared', '--http', '--offline', '--url', 'http://127.0.0.1:4555')).code, 0);
  // A key of the origin remote: every clone computes the same one.
  const shop = await headersOf(withRemote);
  assert.equal(shop['X-Memflow-Project'], 'shop');
  assert.match(shop['X-Memflow-Project-Key'] ?? '', /^[0-9a-f]{16}$/);
  // Without a remote the key would be of this machine's path: the committed file names the folder only.
  assert.deepEqual(await headersOf(withoutRemote), { Authorization: 'Bearer $MEMFLOW_API_KEY', 'X-Memflow-Project': 'notes' });
  const text = await fs.readFile(path.join(withoutRemote, '.claude', 'settings.json'), 'utf8');
  assert.ok(!text.includes(base), 'no path of this machine');
});

test('--shared writes the committed .claude/settings.json, with nothing machine-specific; uninstall takes everything out', async () => {
  const { dir } = await project();
  const shared = path.join(dir, '.claude', 'settings.json');
  await fs.mkdir(path.dirname(shared), { recursive: true });
  await fs.writeFile(shared, JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] } }, null, 2));
  const r = await install(dir, '--shared');
  assert.equal(r.code, 0, r.stderr);
  const text = await fs.readFile(shared, 'utf8');
  assert.ok(!/\/(usr|home|opt|root|work)\//.test(text) && !text.includes(process.execPath), text);
  assert.equal(ours(await read(shared), 'SessionStart').length, 1);
  await assert.rejects(fs.access(path.join(dir, '.claude', 'settings.local.json')), 'the personal file is untouched');

  const u = await runCli(['uninstall', '--shared'], { cwd: dir, env: { HOME: home } });
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /removed\s+SessionStart/);
  assert.deepEqual(await read(shared), { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] } });
  const again = await runCli(['uninstall', '--shared'], { cwd: dir, env: { HOME: home } });
  assert.match(again.stdout, /has no memflow hooks; nothing changed/);
});

test('a settings file that is not valid JSON is refused and left untouched', async () => {
  const raw = '{ "model": "x", // a comment\n  "hooks": {} }\n';
  const { dir, file } = await project(undefined, raw);
  const r = await install(dir, '--offline');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^memflow: .*settings\.local\.json is not valid JSON .*nothing was written\n$/);
  assert.equal(await fs.readFile(file, 'utf8'), raw);
  assert.deepEqual(await fs.readdir(path.dirname(file)), ['settings.local.json'], 'no temp file left behind');
});

test('settings whose hooks are malformed are refused too', async () => {
  const { dir, file } = await project({ hooks: { Stop: { command: 'x' } } });
  const before = await fs.readFile(file, 'utf8');
  const r = await install(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"hooks\.Stop" is not an array; nothing was written/);
  assert.equal(await fs.readFile(file, 'utf8'), before);
});

test('--global writes ~/.claude/settings.json and keeps the file\'s indentation', async () => {
  const globalFile = path.join(home, '.claude', 'settings.json');
  await fs.mkdir(path.dirname(globalFile), { recursive: true });
  await fs.writeFile(globalFile, '{\n    "theme": "dark"\n}\n');
  const { dir } = await project();
  const r = await install(dir, '--global');
  assert.equal(r.code, 0, r.stderr);
  const text = await fs.readFile(globalFile, 'utf8');
  assert.match(text, /^\{\n {4}"theme": "dark",\n {4}"hooks": \{/);
  assert.equal((await read(globalFile)).theme, 'dark');
  assert.equal(ours(await read(globalFile), 'SessionStart').length, 1);
  await assert.rejects(fs.access(path.join(dir, '.claude')), 'the project is untouched');
});

test('an invalid --url is refused with one line', async () => {
  const { dir } = await project();
  const r = await install(dir, '--http', '--url', 'ftp://example.com');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^memflow: --url is invalid: .*must be http\(s\)\n$/);
});

/** Every path under `dir` with its kind, mode and (files) bytes: HOME byte for byte. */
async function tree(dir: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    const full = path.join(dir, p);
    const st = await fs.lstat(full);
    if (e.isDirectory()) {
      out.set(`${p}/`, `dir ${(st.mode & 0o777).toString(8)}`);
      for (const [k, v] of await tree(dir, p)) out.set(k, v);
    } else if (e.isSymbolicLink()) out.set(p, `link ${await fs.readlink(full)}`);
    else out.set(p, `file ${(st.mode & 0o777).toString(8)} ${(await fs.readFile(full)).toString('base64')}`);
  }
  return out;
}

test('install --host auto, then uninstall --all: HOME byte for byte as before (its own ~/.claude.json and ~/.codex/config.toml untouched), the relay stopped; with another repository still set up, the relay stays until its uninstall', { timeout: 300_000 }, async () => {
  const { ensureAgentCli } = await import('../infra/agent-clis.js');
  const { relayHealth } = await import('../cli/relay/lifecycle.js');
  const agents = await tempDir('auto-agents');
  for (const name of ['claude', 'codex'] as const) await fs.symlink(await ensureAgentCli(name), path.join(agents, name));
  const home = await tempDir('auto-home');
  // A person's own files, written as they write them (no trailing newline, no indentation).
  await fs.writeFile(path.join(home, '.claude.json'), '{"numStartups":3,"theme":"dark","projects":{"/elsewhere":{"allowedTools":[]}}}');
  await fs.mkdir(path.join(home, '.codex'));
  await fs.writeFile(path.join(home, '.codex', 'config.toml'), 'model = "o3"\n\n[tui]\nnotifications = true\n');
  const port = await closedPort();
  const env = { HOME: home, PATH: `${await memflowOnPath()}${path.delimiter}${agents}`, MEMFLOW_URL: `http://127.0.0.1:${await closedPort()}`, MEMFLOW_API_KEY: 'mf_test_key', MEMFLOW_RELAY_PORT: String(port) };
  const repo = async () => {
    const dir = path.join(await tempDir('auto-repo'), 'shop');
    await fs.mkdir(dir);
    execFileSync('git', ['init', '-q', dir]);
    return dir;
  };
  const before = await tree(home);
  const [first, second] = [await repo(), await repo()];
  try {
    for (const dir of [first, second]) {
      const r = await runCli(['install', '--host', 'auto'], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /relay running/);
    }
    const during = await tree(home);
    assert.ok([...during.keys()].some((k) => k.startsWith('.memflow/')) && during.get('.claude.json') !== before.get('.claude.json'), 'install wrote into HOME');
    const one = await runCli(['uninstall', '--all'], { cwd: first, env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /still set up in 1 other repository: the relay and its files stay/);
    assert.ok(await relayHealth(port), 'the other repository still has its relay');
    const last = await runCli(['uninstall', '--all'], { cwd: second, env });
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stdout, /relay stopped/);
    assert.match(last.stdout, /no repository uses memflow any more: removed .*~\/\.memflow\/relay-token/);
    assert.equal(await relayHealth(port), undefined, 'no relay runs');
    const after = await tree(home);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    assert.deepEqual(changed, [], `HOME as it was before install, byte for byte: ${changed.map((k) => `${k}: ${(after.get(k) ?? 'gone').slice(0, 120)}`).join('; ')}`);
  } finally {
    await runCli(['relay', 'stop'], { env });
  }
});
