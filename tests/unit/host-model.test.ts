/**
 * The host model without servers: `memflow install --host …` / `uninstall --host … | --all` /
 * `doctor` as a user runs them (the real CLI, a scratch HOME and git repository, --offline
 * --no-relay so nothing but the files is touched). What install writes is read against the table in
 * docs/hosts.md (file, and whether it is committed or kept out of git); install then uninstall --all
 * leaves the repository and HOME byte for byte as they were; a hook command that does not resolve on
 * PATH is named by install (a warning) and by doctor (a failure).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { apiUrlHeader } from '../../cli/relay/relay-server.js';
import { defaultRelayPort } from '../../cli/relay/relay-port.js';
import { versionIn } from '../../cli/hosts/install-shared.js';
import { notPortable } from '../../cli/hosts/repo-files.js';
import { BIN, memflowOnPath, repoRoot, runCli, tempDir } from '../fixtures/cli-run.js';

const HOSTS = 'claude,codex,gemini,opencode,copilot';
const LABELS: Record<string, string> = { 'Claude Code': 'claude', Codex: 'codex', 'Gemini CLI': 'gemini', OpenCode: 'opencode', 'Copilot CLI': 'copilot' };

/** Every file (path → sha256) and folder under `dir`, git's object store and index left out. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (rel === path.join('.git', 'objects') || rel === path.join('.git', 'index')) continue;
      if (e.isDirectory()) {
        out.set(`${rel}/`, 'dir');
        walk(full);
      } else out.set(rel, crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

async function scratch() {
  const home = await tempDir('host-model-home');
  const repo = path.join(await tempDir('host-model-repo'), 'shop');
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  fs.writeFileSync(path.join(repo, 'README.md'), '# shop\n');
  const env = { HOME: home, PATH: await memflowOnPath(), MEMFLOW_SPOOL_DIR: path.join(home, '.memflow', 'spool'), MEMFLOW_CACHE_DIR: path.join(home, '.cache', 'memflow'), MEMFLOW_RELAY_PORT: '45719' };
  return { home, repo, env };
}

/** The docs' table of what install writes: host, file, in git (commit | kept out of git | home). */
function docsTable(): { host: string; file: string; git: string }[] {
  const text = fs.readFileSync(path.join(repoRoot, 'docs', 'hosts.md'), 'utf8');
  const block = /<!-- install-files:begin -->([\s\S]*?)<!-- install-files:end -->/.exec(text)?.[1];
  assert.ok(block, 'docs/hosts.md has the install-files table');
  return block
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| host') && !l.startsWith('| ---'))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((c) => ({ host: LABELS[c[1]!]!, file: c[2]!.replace(/`/g, ''), git: c[4]! }));
}

const excludes = (repo: string) => fs.readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8').split('\n');

test('what install writes for each host is what docs/hosts.md says: each file, and whether it is committed or kept out of git', async () => {
  const rows = docsTable();
  assert.deepEqual([...new Set(rows.map((r) => r.host))].sort(), HOSTS.split(',').sort());
  for (const host of HOSTS.split(',')) {
    const at = await scratch();
    const before = { repo: snapshot(at.repo), home: snapshot(at.home) };
    const r = await runCli(['install', '--host', host, '--offline', '--no-relay', '--host-version', '1.0.102.'], { cwd: at.repo, env: at.env });
    assert.equal(r.code, 0, r.stderr);
    const after = { repo: snapshot(at.repo), home: snapshot(at.home) };
    const written = [
      ...[...after.repo.keys()].filter((k) => !k.endsWith('/') && k !== path.join('.git', 'info', 'exclude') && before.repo.get(k) !== after.repo.get(k)),
      ...[...after.home.keys()].filter((k) => !k.endsWith('/') && before.home.get(k) !== after.home.get(k)).map((k) => `~/${k}`),
    ].sort();
    const documented = rows.filter((x) => x.host === host);
    assert.deepEqual(written, documented.map((x) => x.file).sort(), `${host}: the files install wrote`);
    for (const row of documented) {
      if (row.git === 'home') continue;
      const excluded = excludes(at.repo).includes(`/${row.file}`);
      assert.equal(excluded, row.git === 'kept out of git', `${host}: ${row.file} is ${row.git}`);
      if (row.git === 'commit') assert.deepEqual(notPortable(fs.readFileSync(path.join(at.repo, row.file), 'utf8'), { root: at.repo, home: at.home }), [], `${row.file} is portable`);
      assert.match(r.stdout, new RegExp(row.git === 'commit' ? `${row.file.replace(/\./g, '\\.')}: portable` : `${row.file.replace(/\./g, '\\.')}: (holds|.*kept out of git)`), `install says what becomes of ${row.file}`);
    }
    // The version is recorded without a sentence's trailing dot.
    const texts = written.map((f) => fs.readFileSync(f.startsWith('~/') ? path.join(at.home, f.slice(2)) : path.join(at.repo, f), 'utf8')).join('\n');
    if (host !== 'claude') assert.match(texts, /1\.0\.102(?!\.)/, `${host}: the version is recorded`);
    assert.doesNotMatch(texts, /1\.0\.102\./);
  }
});

test('install --host auto then uninstall --all leaves the repository and HOME byte for byte as they were; uninstall --host takes out one host only', async () => {
  const at = await scratch();
  // An exclude file and settings of the user's own, which must come back exactly as they were.
  fs.appendFileSync(path.join(at.repo, '.git', 'info', 'exclude'), '/scratch/\n');
  fs.mkdirSync(path.join(at.repo, '.gemini'));
  fs.writeFileSync(path.join(at.repo, '.gemini', 'settings.json'), '{\n  "theme": "dark"\n}\n');
  const before = { repo: snapshot(at.repo), home: snapshot(at.home) };

  // `auto` finds the agents on PATH: stand-ins named like them that say their version.
  const bin = await tempDir('host-model-agents');
  for (const name of HOSTS.split(',')) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} 1.2.3."\n`, { mode: 0o755 });
  const env = { ...at.env, PATH: `${bin}${path.delimiter}${at.env.PATH}` };
  const installed = await runCli(['install', '--host', 'auto', '--offline', '--no-relay'], { cwd: at.repo, env });
  assert.equal(installed.code, 0, installed.stderr);
  for (const label of Object.keys(LABELS)) assert.match(installed.stdout, new RegExp(label === 'Claude Code' ? 'settings\\.local\\.json' : `${label}: wrote`));

  const doctor = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], { cwd: at.repo, env });
  const findings = (JSON.parse(doctor.stdout) as { findings: { level: string; what: string }[] }).findings;
  for (const label of Object.keys(LABELS)) assert.ok(findings.some((f) => f.level === 'ok' && f.what.startsWith(`${label}: memflow's hooks in`)), `doctor lists ${label}: ${doctor.stdout}`);
  assert.ok(!findings.some((f) => /not on PATH/.test(f.what)), 'every hook command resolves');

  const gemini = await runCli(['uninstall', '--host', 'gemini'], { cwd: at.repo, env });
  assert.equal(gemini.code, 0, gemini.stderr);
  assert.equal(fs.readFileSync(path.join(at.repo, '.gemini', 'settings.json'), 'utf8'), '{\n  "theme": "dark"\n}\n', "the user's own Gemini settings are back as they were");
  assert.ok(fs.existsSync(path.join(at.repo, '.github', 'hooks', 'memflow.json')), "Copilot's hooks stay");
  assert.ok(fs.existsSync(path.join(at.home, '.codex', 'hooks.json')), "Codex's hooks stay");

  const all = await runCli(['uninstall', '--all'], { cwd: at.repo, env });
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(snapshot(at.repo), before.repo, 'the repository is as it was');
  assert.deepEqual(snapshot(at.home), before.home, 'HOME is as it was');
});

test('install --host auto fails, saying so, when no agent CLI is on PATH', async () => {
  const at = await scratch();
  const bin = await tempDir('host-model-bare');
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  const r = await runCli(['install', '--host', 'auto', '--offline', '--no-relay'], { cwd: at.repo, env: { ...at.env, PATH: bin } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /found no agent CLI on PATH/);
  assert.deepEqual([...snapshot(at.repo).keys()].filter((k) => !k.startsWith('.git')), ['README.md'], 'nothing was written');
});

test('a hook command that does not resolve on PATH: install warns and doctor fails, naming it', async () => {
  const at = await scratch();
  // Only `memflow` on PATH (a hand-made wrapper, a partial install): no memflow-hook.
  const bin = await tempDir('host-model-partial');
  fs.symlinkSync(BIN, path.join(bin, 'memflow'));
  const env = { ...at.env, PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin` };
  const r = await runCli(['install', '--host', 'claude,gemini', '--offline', '--no-relay'], { cwd: at.repo, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /hooks of Gemini CLI run `memflow-hook`, which is not on PATH/);
  assert.match(r.stderr, /hooks of Claude Code run `memflow-hook`, which is not on PATH/);
  const doctor = await runCli(['doctor', '--json', '--url', 'http://127.0.0.1:9'], { cwd: at.repo, env });
  assert.equal(doctor.code, 1);
  const findings = (JSON.parse(doctor.stdout) as { findings: { level: string; what: string }[] }).findings;
  for (const label of ['Claude Code', 'Gemini CLI']) assert.ok(findings.some((f) => f.level === 'fail' && f.what === `${label}'s hooks run \`memflow-hook\`, which is not on PATH: every such hook fails and the agent gets no context`), doctor.stdout);
  assert.ok(!findings.some((f) => /run `memflow`,/.test(f.what)), 'memflow itself resolves');
  // A teammate without database access is told to ask for a key, not to mint one.
  assert.ok(findings.some((f) => f.what.startsWith('MEMFLOW_API_KEY is not set') && /ask whoever runs/.test((f as { fix?: string }).fix ?? '')));
});

test('versions without a trailing dot, a relay port per user, and an unexpanded URL reference left to the relay', () => {
  assert.equal(versionIn('GitHub Copilot CLI 1.0.102.'), '1.0.102');
  assert.equal(versionIn('codex-cli 0.169.0'), '0.169.0');
  assert.equal(versionIn('1.2.3-beta.1'), '1.2.3-beta.1');
  assert.equal(defaultRelayPort(0), 7719);
  assert.equal(defaultRelayPort(1000), 8719);
  assert.notEqual(defaultRelayPort(1000), defaultRelayPort(1001));
  // memflow-hook (bash) derives the same port from $UID as the relay does from its uid.
  const bashPort = execFileSync('bash', ['-c', `source <(sed -n '/^if \\[ -n "\\$event" \\]/{s/.*tcp\\/127.0.0.1\\/\\(.*\\)"; }.*/echo \\1/p}' ${path.join(repoRoot, 'cli', 'memflow-hook')})`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }).trim();
  assert.equal(Number(bashPort), defaultRelayPort());
  for (const unexpanded of ['${MEMFLOW_URL}', '$MEMFLOW_URL', '{env:MEMFLOW_URL}', '${MEMFLOW_URL:-}', '', '  ']) assert.equal(apiUrlHeader(unexpanded), undefined, unexpanded);
  assert.equal(apiUrlHeader('https://memflow.example'), 'https://memflow.example');
});
