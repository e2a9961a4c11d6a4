/**
 * The packed client on a machine with nothing but Node: cli/package/build.ts bundles the client,
 * `npm pack` packs it, and `npm install -g --offline` installs the tarball into a scratch prefix with
 * a scratch HOME and npm cache (so nothing can come from the registry or the checkout: the package
 * must need nothing but itself). From outside the checkout, with only that prefix's bin and the
 * system's on PATH, the installed `memflow` sets up a fresh git repository against the test API
 * (given by URL, as a remote one is), `memflow doctor` passes, hook events — Claude Code's through
 * the bash fast path and the relay the install started, Codex's through the command `install --host
 * codex` wrote (`memflow-hook <event> --host codex`, mapped by the relay) — are stored, the stdio MCP server answers, and the operator commands say where to run them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { buildClient, packClient } from '../cli/package/build.js';
import { waitUntil } from '../infra/wait-until.js';
import { closedPort, repoRoot, runCli, tempDir } from './fixtures/cli-run.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const config = testConfig();
const prisma = testPrisma();
let api: TestApi;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let machine: string;
let prefix: string;
let env: Record<string, string>;

/** Runs the installed `memflow` (or another bin of the prefix) as the user would. */
const run = (line: string, opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) =>
  runCli([], { shell: line, cwd: opts.cwd ?? machine, env: { ...env, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) });

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(config, prisma);
  machine = await tempDir('fresh-machine');
  prefix = path.join(machine, 'prefix');
  const home = path.join(machine, 'home');
  await fs.mkdir(home);
  env = {
    PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    npm_config_cache: path.join(machine, 'npm-cache'),
    npm_config_update_notifier: 'false',
    MEMFLOW_API_KEY: tenant.key,
    MEMFLOW_URL: api.url,
    MEMFLOW_RELAY_PORT: String(await closedPort()),
  };
});

after(async () => {
  if (env) await run('memflow relay stop');
  await api?.close();
  await prisma.$disconnect();
});

test('the packed client installs with npm alone and carries none of the server', async () => {
  const { dir } = await buildClient(path.join(machine, 'build', 'client'));
  const tarball = packClient(dir, machine);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined);
  assert.deepEqual(manifest.bin, { memflow: './memflow.js', 'memflow-hook': './memflow-hook' });

  const r = await run(`npm install -g --offline --no-audit --no-fund --prefix ${JSON.stringify(prefix)} ${JSON.stringify(tarball)}`);
  assert.equal(r.code, 0, r.stderr);
  const installed = path.join(prefix, 'lib', 'node_modules', 'memflow-client');
  await assert.rejects(fs.access(path.join(installed, 'node_modules')), 'the client has no dependencies to install');
  // Every module the installed bin reaches, its lazy imports included, is in the package or Node's
  // own: esbuild follows them all from there (a bare import it cannot resolve fails the build).
  const reach = await esbuild.build({
    entryPoints: [path.join(installed, 'memflow.js')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['node:*'],
    nodePaths: [],
    logLevel: 'silent',
  });
  const inputs = Object.keys(reach.metafile.inputs).map((f) => path.resolve(f));
  assert.ok(inputs.length > 10, inputs.join(', '));
  for (const f of inputs) assert.ok(f.startsWith(`${installed}${path.sep}`), `${f} is outside the installed package`);
  const v = await run('memflow --version');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')).version);
  const which = await run('command -v memflow; command -v memflow-hook');
  assert.deepEqual(which.stdout.trim().split('\n'), [path.join(prefix, 'bin', 'memflow'), path.join(prefix, 'bin', 'memflow-hook')]);
});

test('the installed client sets up a repository against a remote API, and its hooks are stored', async () => {
  const repo = path.join(machine, 'src', uniqueName('shop'));
  await fs.mkdir(repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);

  const inst = await run('memflow install', { cwd: repo });
  assert.equal(inst.code, 0, inst.stderr);
  assert.match(inst.stdout, /relay running on 127\.0\.0\.1:\d+/);
  const codexInst = await run('memflow install --host codex --host-version 0.169.0', { cwd: repo });
  assert.equal(codexInst.code, 0, codexInst.stderr);
  assert.match(await fs.readFile(path.join(env.HOME!, '.codex', 'hooks.json'), 'utf8'), /memflow-hook SessionStart --host codex --host-version 0\.169\.0/);

  const doc = await run('memflow doctor', { cwd: repo });
  assert.equal(doc.code, 0, `${doc.stdout}\n${doc.stderr}`);

  // Claude Code's SessionStart, as the installed command hook runs it: bash, then the relay.
  const claudeSid = uniqueName('claude');
  const start = await run('memflow-hook session-start', { cwd: repo, input: JSON.stringify({ session_id: claudeSid, hook_event_name: 'SessionStart', cwd: repo, source: 'startup' }) });
  assert.equal(start.code, 0, start.stderr);
  assert.doesNotThrow(() => JSON.parse(start.stdout));
  const post = await run('memflow-hook post-tool-use', {
    cwd: repo,
    input: JSON.stringify({ session_id: claudeSid, hook_event_name: 'PostToolUse', cwd: repo, tool_name: 'Bash', tool_use_id: 't1', tool_input: { command: 'ls' }, tool_response: { stdout: 'check.py\n', stderr: '' } }),
  });
  assert.equal(post.code, 0, post.stderr);

  // Codex's, as its installed hook runs it: bash, then the relay, which maps it with the Codex adapter.
  const codexSid = uniqueName('codex');
  const cx = await run('memflow-hook SessionStart --host codex --host-version 0.169.0', { cwd: repo, input: JSON.stringify({ session_id: codexSid, hook_event_name: 'SessionStart', cwd: repo, source: 'startup', model: 'gpt-5' }) });
  assert.equal(cx.code, 0, cx.stderr);

  const stored = async (sid: string) =>
    prisma.hookEvent.findMany({ where: { tenantId: tenant.tenantId, session: { agentSessionId: sid } }, orderBy: { sequence: 'asc' }, select: { event: true, payload: true } });
  await waitUntil(async () => (await stored(claudeSid)).length === 2, { timeoutMs: 20_000, what: "Claude Code's events through the relay" });
  assert.deepEqual((await stored(claudeSid)).map((e) => e.event), ['session_start', 'post_tool_use']);
  await waitUntil(async () => (await stored(codexSid)).length === 1, { timeoutMs: 20_000, what: "Codex's SessionStart through the relay" });
  const codexEvents = await stored(codexSid);
  assert.equal(codexEvents.length, 1);
  assert.deepEqual((codexEvents[0]!.payload as { memflowAgent?: unknown }).memflowAgent, { host: 'codex', version: '0.169.0' });
  const session = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: claudeSid }, include: { project: true } });
  assert.equal(session.project.name, path.basename(repo));
});

test('the installed stdio MCP server lists its tools and searches', async () => {
  const child = spawn('memflow', ['mcp'], { cwd: machine, env: { ...env, MEMFLOW_PROJECT: 'nothing-here' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const answers: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      answers.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  const send = (m: Record<string, unknown>) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
  const answer = async (id: number) => {
    await waitUntil(async () => answers.some((a) => a.id === id), { timeoutMs: 15_000, what: `MCP answer ${id}` });
    return answers.find((a) => a.id === id)! as { result?: Record<string, unknown>; error?: unknown };
  };
  try {
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    assert.ok((await answer(1)).result);
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    const tools = ((await answer(2)).result!.tools as { name: string }[]).map((t) => t.name);
    for (const name of ['search', 'timeline', 'get', 'context']) assert.ok(tools.some((t) => t.endsWith(name)), `${name} in ${tools.join(', ')}`);
    const search = tools.find((t) => t.endsWith('search'))!;
    send({ id: 3, method: 'tools/call', params: { name: search, arguments: { query: 'check.py', agent: 'claude-code' } } });
    const called = await answer(3);
    assert.equal(called.error, undefined, JSON.stringify(called));
    assert.notEqual(called.result!.isError, true, JSON.stringify(called.result));
  } finally {
    child.kill();
  }
});

test('operator commands of the installed client say where to run them, and change nothing', async () => {
  const r = await run('memflow tenants list');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /run them where the server runs/);
});
