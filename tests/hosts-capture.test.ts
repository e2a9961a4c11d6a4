/**
 * Each agent CLI as a user gets it: `memflow install --host <host>` in a git repository, then the
 * real CLI (pinned version) runs headless against its local model stand-in, with the real API,
 * worker, PostgreSQL, Temporal and Weaviate behind memflow's hooks. The scripted model runs a
 * failing check, fixes it, runs it passing and answers; memflow must store the failure, the fix and
 * the passing run once each with their results, keep the final answer, and hand the next session
 * (of the same agent where the host takes context from hooks or a plugin; across agents, Codex → Claude Code
 * and Gemini CLI → Codex) the failure and its fix — read from the first request that session sent
 * to its model.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { COPILOT_INSTRUCTIONS_PATH } from '../cli/hosts/copilot-instructions.js';
import { HOST_LABELS } from '../cli/hosts/shared.js';
import { AGENT_CLIS, ensureAgentCli } from '../infra/agent-clis.js';
import { waitUntil } from '../infra/wait-until.js';
import { runCli } from './fixtures/cli-run.js';
import { FINAL_ANSWER, HOSTS, PASSING_CHECK, fixTheCheckScript, hostRepo, hostsTestApp, installHost, startHost, type HostName } from './helpers/agent-hosts.js';
import { FakeAnthropicAgent } from './helpers/fake-anthropic-agent.js';
import { offeredTools, offersTools, requestText, scriptOf } from './helpers/scripted-turns.js';
import { sessionResult } from './helpers/sessions.js';

const { prisma, temporal, app } = hostsTestApp('hosts');

const VERSIONS = Object.fromEntries(HOSTS.map((h) => [h, AGENT_CLIS[h].version])) as Record<HostName, string>;
const setUp = (host: HostName) => hostRepo(host, app.tenant.key);
const install = (host: HostName, at: { repo: string; env: Record<string, string> }) => installHost(host, at, app.api.url);

/** The tool observations and the stop of the (only) session of `repo`, once they are all stored. */
async function storedSession(repo: string, expectStop: boolean) {
  const project = path.basename(repo);
  let rows: Awaited<ReturnType<typeof prisma.observation.findMany>> = [];
  await waitUntil(
    async () => {
      rows = await prisma.observation.findMany({ where: { tenantId: app.tenant.tenantId, project: { name: project } }, orderBy: { sequence: 'asc' } });
      return rows.filter((o) => o.kind === 'tool').length >= 3 && (!expectStop || rows.some((o) => o.kind === 'stop'));
    },
    { what: `observations of ${project}`, timeoutMs: 60_000, intervalMs: 250 },
  );
  return rows;
}

for (const host of ['codex', 'gemini', 'opencode', 'copilot'] as HostName[]) {
  const next = host !== 'copilot' ? '; the next session starts with them' : "; the next session starts with them, from the instructions file memflow rewrote";
  test(`${host}: installed by memflow install, a real session's failure, fix, passing run and final answer are stored once${next}`, { timeout: 600_000 }, async () => {
    const at = await setUp(host);
    const agent = await startHost(host, at.home, fixTheCheckScript(host, at.repo));
    try {
      // The install starts the relay the hooks hand their events to.
      assert.match(await install(host, at), /relay running on 127\.0\.0\.1:\d+/);
      const r = await agent.run('Make check.py pass.', at.repo, at.env);
      assert.equal(r.code, 0, `${host}: ${r.stderr.slice(-1500)}`);
      assert.equal(await fs.readFile(path.join(at.repo, 'check.py'), 'utf8'), PASSING_CHECK);

      const rows = await storedSession(at.repo, true);
      const tools = rows.filter((o) => o.kind === 'tool');
      assert.deepEqual(
        tools.map((o) => o.title.replace(/: .*/, '')),
        ['FAILED Bash', host === 'codex' ? 'Bash' : host === 'gemini' ? 'Write' : 'Edit', 'Bash'],
        `one failure, one fix, one passing run: ${tools.map((o) => o.title).join(' | ')}`,
      );
      assert.equal(tools[0]!.title, 'FAILED Bash: python3 check.py');
      assert.match(tools[0]!.text, /non-zero status code 1[\s\S]*expected 3, got 2/);
      assert.match(tools[1]!.title, /check\.py/);
      assert.equal(tools[2]!.title, 'Bash: python3 check.py');
      assert.match(tools[2]!.text, /passed/);
      const stops = rows.filter((o) => o.kind === 'stop');
      assert.equal(stops.length, 1, 'the final answer once');
      assert.equal(stops[0]!.text, FINAL_ANSWER);
      const session = await prisma.session.findFirstOrThrow({ where: { tenantId: app.tenant.tenantId, project: { name: path.basename(at.repo) } } });
      const raw = await prisma.hookEvent.findFirstOrThrow({ where: { sessionId: session.id, event: 'post_tool_use_failure' } });
      assert.deepEqual((raw.payload as { memflowAgent?: unknown }).memflowAgent, { host, version: VERSIONS[host], toolName: host === 'codex' ? 'Bash' : host === 'gemini' ? 'run_shell_command' : 'bash', ...(host === 'codex' ? {} : { toolInput: (raw.payload as { memflowAgent: { toolInput: unknown } }).memflowAgent.toolInput }) });
      // OpenCode has no session end of its own: its plugin ends the session when OpenCode exits.
      await sessionResult(temporal.client, prisma, app.tenant.tenantId, session.agentSessionId, 120_000);
      if (host === 'copilot') {
        // Copilot takes no context from hooks: the relay wrote it into the instructions file Copilot
        // reads when a session starts, kept out of git.
        const file = path.join(at.repo, COPILOT_INSTRUCTIONS_PATH);
        await waitUntil(async () => /passed on a later run/.test(await fs.readFile(file, 'utf8').catch(() => '')), { what: "Copilot's instructions file", timeoutMs: 60_000, intervalMs: 250 });
        assert.equal(execFileSync('git', ['status', '--porcelain', '--', COPILOT_INSTRUCTIONS_PATH], { cwd: at.repo, encoding: 'utf8' }), '', 'not a change git shows');
      }

      // The next session of the same agent: its first model request carries the failure and the fix.
      agent.fake.requests.length = 0;
      agent.fake.script = scriptOf([], 'Nothing to do.');
      const second = await agent.run('What happened to check.py last time?', at.repo, at.env);
      assert.equal(second.code, 0, second.stderr.slice(-1500));
      // The conversation's first request: the first that offers the agent's tools (OpenCode also asks
      // its model for a session title, without tools).
      const firstBody = (agent.fake.modelRequests.find((r) => offersTools(r.body)) ?? agent.fake.modelRequests[0])?.body;
      const first = requestText(firstBody);
      if (host !== 'copilot') {
        // memflow's MCP server, as install wrote it, is connected: its tools are offered to the model
        // (Codex: the namespace mcp__memflow; Gemini CLI: mcp_memflow_search…; OpenCode, through the
        // relay's /mcp: memflow_search…). Copilot's MCP entry is not written (docs/hosts.md).
        const offered = offeredTools(firstBody);
        assert.ok(offered.some((n) => /(?:^|_)memflow(?:_search)?$/.test(n)), `memflow's MCP tools offered: ${offered.join(', ')}`);
      }
      assert.match(first, /FAILED Bash: python3 check\.py/);
      assert.match(first, /passed on a later run/);
      assert.ok(first.includes(`${HOST_LABELS[host]}: check.py failed`), 'the fix, in the words of the agent that made it, labelled with it');
      if (host === 'gemini') {
        // Read from Gemini's chat recording at the end of the turn, each tool call once with its id.
        const calls = await prisma.hookEvent.findMany({ where: { sessionId: session.id, event: { in: ['post_tool_use', 'post_tool_use_failure'] } } });
        const ids = calls.map((e) => (e.payload as { tool_use_id?: string }).tool_use_id);
        assert.equal(new Set(ids).size, 3);
        assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
        // Stored as of when each ran, not when the turn ended.
        const stop = await prisma.hookEvent.findFirstOrThrow({ where: { sessionId: session.id, event: 'stop' } });
        assert.ok(calls.every((e) => e.occurredAt !== null && e.occurredAt <= stop.receivedAt), 'each call has its own time, before the turn ended');
      }
    } finally {
      await agent.stop();
    }
  });
}

test('across agents: a failure fixed in Codex reaches the next Claude Code session, labelled with Codex', { timeout: 600_000 }, async () => {
  const at = await setUp('codex');
  const codex = await startHost('codex', at.home, fixTheCheckScript('codex', at.repo));
  const claude = await new FakeAnthropicAgent(scriptOf([], 'I read the memory.')).start();
  try {
    await install('codex', at);
    const cc = await runCli(['install', '--no-mcp', '--url', app.api.url], { cwd: at.repo, env: at.env });
    assert.equal(cc.code, 0, cc.stderr);
    const r = await codex.run('Make check.py pass.', at.repo, at.env);
    assert.equal(r.code, 0, r.stderr.slice(-1500));
    await storedSession(at.repo, true);
    const session = await prisma.session.findFirstOrThrow({ where: { tenantId: app.tenant.tenantId, project: { name: path.basename(at.repo) } } });
    await sessionResult(temporal.client, prisma, app.tenant.tenantId, session.agentSessionId, 120_000);

    // Claude Code, headless, pointed at its own model stand-in (settings from the hooks notes).
    const exe = await ensureAgentCli('claude');
    const out = await runCli([], {
      shell: `${exe} -p 'What happened to check.py last time?' --dangerously-skip-permissions`,
      cwd: at.repo,
      env: { ...at.env, ANTHROPIC_BASE_URL: claude.url, ANTHROPIC_API_KEY: 'sk-local-test', IS_SANDBOX: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    });
    assert.equal(out.code, 0, out.stderr.slice(-1500));
    const first = requestText(claude.modelRequests[0]?.body);
    assert.match(first, /FAILED Bash: python3 check\.py/);
    assert.match(first, /FAILED Bash: python3 check\.py[^\n]*→ passed on a later run/);
    // The fix is told once, labelled with the agent that made it (the failure story does not say it again).
    assert.match(first, /Codex: check\.py failed/);
    assert.ok(!/exec_command/.test(first), "Codex's own tool names do not reach Claude Code");
  } finally {
    await codex.stop();
    await claude.stop();
    await runCli(['relay', 'stop'], { env: at.env });
  }
});

test('across agents: a failure fixed in Gemini CLI reaches the next Codex session, labelled with Gemini CLI', { timeout: 600_000 }, async () => {
  const at = await setUp('gemini');
  const gemini = await startHost('gemini', at.home, fixTheCheckScript('gemini', at.repo));
  const codex = await startHost('codex', at.home, scriptOf([], 'I read the memory.'));
  try {
    await install('gemini', at);
    await install('codex', at);
    const r = await gemini.run('Make check.py pass.', at.repo, at.env);
    assert.equal(r.code, 0, r.stderr.slice(-1500));
    await storedSession(at.repo, true);
    const session = await prisma.session.findFirstOrThrow({ where: { tenantId: app.tenant.tenantId, project: { name: path.basename(at.repo) } } });
    await sessionResult(temporal.client, prisma, app.tenant.tenantId, session.agentSessionId, 120_000);

    const second = await codex.run('What happened to check.py last time?', at.repo, at.env);
    assert.equal(second.code, 0, second.stderr.slice(-1500));
    const first = requestText(codex.fake.modelRequests[0]?.body);
    assert.match(first, /FAILED Bash: python3 check\.py/);
    assert.ok(first.includes('Gemini CLI: check.py failed'), 'the fix, in the words of the agent that made it, labelled with it');
    assert.ok(!/run_shell_command|write_file/.test(first), "Gemini CLI's own tool names do not reach Codex");
  } finally {
    await gemini.stop();
    await codex.stop();
    await runCli(['relay', 'stop'], { env: at.env });
  }
});
