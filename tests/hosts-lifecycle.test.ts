/**
 * The host model end to end, with the real agent CLIs (pinned versions, offline against their model
 * stand-ins) and the real API, worker, PostgreSQL, Temporal and Weaviate:
 * - per host (Claude Code included): `memflow install --host <h>` → a session is captured → `memflow uninstall --host <h>` →
 *   the next session is captured by nothing (the relay takes no event, no session is stored) and no
 *   memflow file is left in the repository (git shows it as it was);
 * - Copilot CLI's first session in a repository where another agent (Codex) worked starts with that
 *   memory: the instructions file install wrote is rewritten when Codex's session ends.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { COPILOT_INSTRUCTIONS_PATH } from '../cli/hosts/copilot-instructions.js';
import { relayHealth } from '../cli/relay/lifecycle.js';
import { waitUntil } from '../infra/wait-until.js';
import { clientEnv, runCli, tempDir } from './fixtures/cli-run.js';
import { fixTheCheckScript, FAILING_CHECK, HOSTS, startHost, type HostName } from './helpers/agent-hosts.js';
import { ensureAgentCli } from '../infra/agent-clis.js';
import { FakeAnthropicAgent } from './helpers/fake-anthropic-agent.js';
import { startTestApp, stopTestApp, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { offersTools, requestText, scriptOf } from './helpers/scripted-turns.js';
import { sessionResult } from './helpers/sessions.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('lifecycle') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  tenant = await newTenant(prisma);
  ({ api, worker } = await startTestApp(config, prisma));
});

after(() => stopTestApp({ api, worker }, temporal, prisma));

async function repository(host: string) {
  const home = await tempDir(`${host}-life-home`);
  const repo = path.join(await tempDir(`${host}-life-repo`), uniqueName('shop'));
  await fs.mkdir(repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  await fs.writeFile(path.join(repo, 'check.py'), FAILING_CHECK);
  execFileSync('git', ['add', '.'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'start'], { cwd: repo });
  const env = await clientEnv(home, tenant.key, api.url);
  return { home, repo, env };
}

const sessionsOf = (repo: string) => prisma.session.count({ where: { tenantId: tenant.tenantId, project: { name: path.basename(repo) } } });
const git = (repo: string) => execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' });

/** What the relay has taken since it started (0 when none runs). */
async function received(port: number): Promise<number> {
  const h = await relayHealth(port, 2000);
  return h && h !== 'foreign' ? Number((h.spool as { received?: number } | undefined)?.received ?? 0) : 0;
}

test('claude: install, a session captured; uninstall --host claude, the next session captured by nothing and no memflow file left', { timeout: 600_000 }, async () => {
  const at = await repository('claude');
  const before = git(at.repo);
  const claude = await new FakeAnthropicAgent(scriptOf([], 'Nothing to change.')).start();
  const exe = await ensureAgentCli('claude');
  const run = (prompt: string) =>
    runCli([], { shell: `${exe} -p '${prompt}' --dangerously-skip-permissions`, cwd: at.repo, env: { ...at.env, ANTHROPIC_BASE_URL: claude.url, ANTHROPIC_API_KEY: 'sk-local-test', IS_SANDBOX: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' } });
  try {
    const installed = await runCli(['install', '--host', 'claude'], { cwd: at.repo, env: at.env });
    assert.equal(installed.code, 0, installed.stderr);
    const first = await run('Look around.');
    assert.equal(first.code, 0, first.stderr.slice(-1500));
    await waitUntil(async () => (await sessionsOf(at.repo)) === 1, { what: "Claude Code's session stored", timeoutMs: 60_000, intervalMs: 250 });
    const removed = await runCli(['uninstall', '--host', 'claude'], { cwd: at.repo, env: at.env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(git(at.repo), before, 'the repository is as it was (git status)');
    const port = Number(at.env.MEMFLOW_RELAY_PORT);
    const took = await received(port);
    const second = await run('Look around again.');
    assert.equal(second.code, 0, second.stderr.slice(-1500));
    assert.equal(await received(port), took, 'no hook reached the relay after uninstall');
    assert.equal(await sessionsOf(at.repo), 1, 'no second session stored');
  } finally {
    await claude.stop();
    await runCli(['relay', 'stop'], { env: at.env });
  }
});

for (const host of HOSTS as HostName[]) {
  test(`${host}: install, a session captured; uninstall --host ${host}, the next session captured by nothing and no memflow file left`, { timeout: 600_000 }, async () => {
    const at = await repository(host);
    const before = git(at.repo);
    const agent = await startHost(host, at.home, scriptOf([], 'Nothing to change.'));
    try {
      const installed = await runCli(['install', '--host', host], { cwd: at.repo, env: at.env });
      assert.equal(installed.code, 0, installed.stderr);
      const first = await agent.run('Look around.', at.repo, at.env);
      assert.equal(first.code, 0, first.stderr.slice(-1500));
      await waitUntil(async () => (await sessionsOf(at.repo)) === 1, { what: `${host}'s session stored`, timeoutMs: 60_000, intervalMs: 250 });

      const removed = await runCli(['uninstall', '--host', host], { cwd: at.repo, env: at.env });
      assert.equal(removed.code, 0, removed.stderr);
      // What is left of memflow in the working tree: the file OpenCode's plugin writes nowhere else, none.
      assert.equal(git(at.repo), before, `${host}: the repository is as it was (git status)`);
      const port = Number(at.env.MEMFLOW_RELAY_PORT);
      const took = await received(port);
      const second = await agent.run('Look around again.', at.repo, at.env);
      assert.equal(second.code, 0, second.stderr.slice(-1500));
      // Every host's hooks (OpenCode's plugin) run before the CLI exits: nothing reached the relay.
      assert.equal(await received(port), took, `${host}: no hook reached the relay after uninstall`);
      assert.equal(await sessionsOf(at.repo), 1, `${host}: no second session stored`);
      assert.equal(git(at.repo), before, `${host}: still nothing of memflow's`);
    } finally {
      await agent.stop();
      await runCli(['relay', 'stop'], { env: at.env });
    }
  });
}

test("Copilot CLI's first session in a repository where Codex worked starts with that memory (the instructions file install wrote, rewritten when Codex's session ended)", { timeout: 600_000 }, async () => {
  const at = await repository('copilot-after-codex');
  const codex = await startHost('codex', at.home, fixTheCheckScript('codex', at.repo));
  const copilot = await startHost('copilot', at.home, scriptOf([], 'I read the memory.'));
  try {
    const installed = await runCli(['install', '--host', 'codex,copilot'], { cwd: at.repo, env: at.env });
    assert.equal(installed.code, 0, installed.stderr);
    const file = path.join(at.repo, COPILOT_INSTRUCTIONS_PATH);
    assert.match(await fs.readFile(file, 'utf8'), /memflow has no memory of this project yet/, 'install wrote it');
    const r = await codex.run('Make check.py pass.', at.repo, at.env);
    assert.equal(r.code, 0, r.stderr.slice(-1500));
    const session = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, project: { name: path.basename(at.repo) } } });
    await sessionResult(temporal.client, prisma, tenant.tenantId, session.agentSessionId, 120_000);
    await waitUntil(async () => /Codex: check\.py failed/.test(await fs.readFile(file, 'utf8').catch(() => '')), { what: "Copilot's instructions after Codex's session", timeoutMs: 60_000, intervalMs: 250 });

    const second = await copilot.run('What happened to check.py last time?', at.repo, at.env);
    assert.equal(second.code, 0, second.stderr.slice(-1500));
    const first = requestText((copilot.fake.modelRequests.find((q) => offersTools(q.body)) ?? copilot.fake.modelRequests[0])?.body);
    assert.match(first, /FAILED Bash: python3 check\.py/);
    assert.ok(first.includes('Codex: check.py failed'), "Codex's fix, labelled with Codex, in Copilot's first request");
  } finally {
    await codex.stop();
    await copilot.stop();
    await runCli(['relay', 'stop'], { env: at.env });
  }
});
