/**
 * Every host's MCP `search` answers only the repository's project (issue 50, done-when 3), with the
 * real agent CLIs (pinned versions, offline against their model stand-ins) and the real API, worker,
 * PostgreSQL, Temporal and Weaviate.
 *
 * Two repositories in one tenant, under the same folder name — the hard case: the MCP entry install
 * writes names the same project (`X-Memflow-Project`) in both, and only the repository's key
 * (`X-Memflow-Project-Key`) tells them apart, as the hooks' first session there named them (`shop`,
 * then `shop-1a2b3c`). Each holds a decision of its own on the same subject (`memflow remember` run
 * in it). memflow is set up for all five hosts in both (`memflow install --host
 * claude,codex,gemini,opencode,copilot`, with MEMFLOW_URL and MEMFLOW_API_KEY in the environment as a
 * user has them: every entry goes through the local relay). Then each real CLI runs headless in each
 * repository, and its scripted model calls memflow's search tool — under the name the host offers it
 * (Claude Code `mcp__memflow__search`, Codex `search` in the namespace `mcp__memflow`, Gemini CLI
 * `mcp_memflow_search`, OpenCode `memflow_search`, Copilot CLI `memflow-search`) — with a question
 * both decisions answer. What the tool answered, as the CLI sent it back to its model, must name the
 * repository's own project and hold its decision, never the other repository's.
 *
 * Every host calls MCP tools offline here, so no host is driven with an SDK client instead of its CLI
 * (Copilot CLI 1.0.102 reads the `.github/mcp.json` install writes). The last test uses the MCP SDK's
 * client with the exact entry install wrote (URL and headers, `${VAR}`s expanded as the agent would)
 * for what no CLI can hold still: a third clone of that folder name searching before any hook of its
 * own reached the API.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { projectHeadersOf } from '../cli/claude-hook-handlers.js';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { ensureAgentCli } from '../infra/agent-clis.js';
import { clientEnv, runCli, tempDir } from './fixtures/cli-run.js';
import { startHost, type HostName } from './helpers/agent-hosts.js';
import { startTestApp, stopTestApp, type TestApi, type TestWorker } from './helpers/app.js';
import { FakeAnthropicAgent } from './helpers/fake-anthropic-agent.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { offersTools, pick, scriptOf, toolResultText, type Script, type Turn } from './helpers/scripted-turns.js';

const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('mcp-scope') }), ANTHROPIC_API_KEY: undefined };
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;

const QUESTION = 'Which pipeline do deploys of this repository go through?';

interface Repository {
  dir: string;
  /** The project the hooks and the API gave it. */
  project: string;
  /** A word only its own decision holds. */
  marker: string;
}

let home: string;
let env: Record<string, string>;
let a: Repository;
let b: Repository;

before(async () => {
  tenant = await newTenant(prisma);
  ({ api, worker } = await startTestApp(config, prisma));
  home = await tempDir('mcp-scope-home');
  env = await clientEnv(home, tenant.key, api.url);
  const name = uniqueName('shop');
  a = await repository(name, 'blue', 'first');
  b = await repository(name, 'green', 'second');
  assert.equal(a.project, name, 'the first repository has the folder name');
  assert.match(b.project, new RegExp(`^${name}-[0-9a-f]{6}$`), 'the second one, of the same folder name, a project of its own');
});

after(async () => {
  await runCli(['relay', 'stop'], { env });
  await stopTestApp({ api, worker }, temporal, prisma);
});

/**
 * A git repository `<tmp>/<name>` whose project exists as its hooks' first session named it, with a
 * decision of its own remembered in it, and memflow installed for every host.
 */
async function repository(name: string, colour: string, which: string): Promise<Repository> {
  const dir = path.join(await tempDir(`mcp-scope-${which}`), name);
  await fs.mkdir(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  // The repository's first session, as its SessionStart hook tells the API (the same headers).
  const headers = projectHeadersOf(dir);
  const started = await fetch(`${api.url}/v1/hooks/session-start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'x-memflow-project': headers.name, ...(headers.key ? { 'x-memflow-project-key': headers.key } : {}) },
    body: JSON.stringify({ session_id: uniqueName('first'), cwd: dir, hook_event_name: 'SessionStart', source: 'startup' }),
  });
  assert.equal(started.status, 200, await started.text());
  const marker = `${colour}-${uniqueName('lane')}`;
  const remembered = await runCli(['remember', '--kind', 'decision', `Deploys of this repository go through the ${colour} pipeline (lane ${marker}).`], { cwd: dir, env });
  assert.equal(remembered.code, 0, remembered.stderr);
  const project = /in project '([^']+)'/.exec(remembered.stdout)?.[1];
  assert.ok(project, remembered.stdout);
  const installed = await runCli(['install', '--host', 'claude,codex,gemini,opencode,copilot'], { cwd: dir, env });
  assert.equal(installed.code, 0, installed.stderr);
  return { dir, project, marker };
}

/** The search tool's call as each host offers it. */
const searchCall: Record<HostName | 'claude', (tools: string[]) => Turn> = {
  claude: () => ({ tool: 'mcp__memflow__search', args: { query: QUESTION } }),
  codex: (tools) => ({ tool: 'search', namespace: pick(tools, 'mcp__memflow'), args: { query: QUESTION } }),
  gemini: (tools) => ({ tool: pick(tools, 'mcp_memflow_search'), args: { query: QUESTION } }),
  opencode: (tools) => ({ tool: pick(tools, 'memflow_search'), args: { query: QUESTION } }),
  copilot: (tools) => ({ tool: pick(tools, 'memflow-search'), args: { query: QUESTION } }),
};

interface Agent {
  run(cwd: string): Promise<{ code: number | null; stderr: string }>;
  /** The model requests of the conversation (they offer the agent's tools), in order. */
  requests(): { body: unknown }[];
  reset(): void;
  stop(): Promise<void>;
}

async function agentOf(host: HostName | 'claude', script: Script): Promise<Agent> {
  if (host !== 'claude') {
    const h = await startHost(host, home, script);
    return {
      run: (cwd) => h.run(QUESTION, cwd, env),
      requests: () => h.fake.modelRequests.filter((r) => offersTools(r.body)),
      reset: () => void (h.fake.requests.length = 0),
      stop: () => h.stop(),
    };
  }
  // Claude Code, headless, pointed at its own model stand-in (settings from the hooks notes).
  const fake = await new FakeAnthropicAgent(script).start();
  const exe = await ensureAgentCli('claude');
  return {
    run: (cwd) =>
      runCli([], {
        shell: `${exe} -p '${QUESTION}' --dangerously-skip-permissions`,
        cwd,
        env: { ...env, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-local-test', IS_SANDBOX: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
      }),
    requests: () => fake.modelRequests,
    reset: () => void (fake.requests.length = 0),
    stop: () => fake.stop(),
  };
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const host of ['claude', 'codex', 'gemini', 'opencode', 'copilot'] as const) {
  test(`${host}: the agent's MCP search answers for the repository it runs in, never the other repository of that name`, { timeout: 600_000 }, async () => {
    const agent = await agentOf(host, scriptOf([searchCall[host]], 'The memory answered.'));
    try {
      for (const [here, other] of [
        [a, b],
        [b, a],
      ] as const) {
        agent.reset();
        const r = await agent.run(here.dir);
        assert.equal(r.code, 0, `${host} in ${here.project}: ${r.stderr.slice(-1500)}`);
        // What the search tool answered, as the CLI sent it back to its model.
        const answered = agent.requests().map((q) => toolResultText(q.body)).join('\n');
        assert.match(answered, new RegExp(`\\d+ hits in ${escaped(here.project)}:`), `${host} in ${here.project}: the answer names its project: ${answered.slice(0, 600)}`);
        assert.ok(answered.includes(here.marker), `${host} in ${here.project}: its own decision is found: ${answered.slice(0, 600)}`);
        assert.ok(!answered.includes(other.marker), `${host} in ${here.project}: nothing of ${other.project}`);
        assert.doesNotMatch(answered, new RegExp(`in ${escaped(other.project)}:`));
      }
    } finally {
      await agent.stop();
    }
  });
}

test("a third repository of that name, searching before any of its sessions reached the API, gets nothing of the others' (the MCP entry install wrote, through the relay)", { timeout: 120_000 }, async () => {
  const dir = path.join(await tempDir('mcp-scope-third'), path.basename(a.dir));
  await fs.mkdir(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  const installed = await runCli(['install', '--host', 'gemini'], { cwd: dir, env });
  assert.equal(installed.code, 0, installed.stderr);
  const settings = JSON.parse(await fs.readFile(path.join(dir, '.gemini', 'settings.json'), 'utf8')) as { mcpServers: { memflow: { httpUrl: string; headers: Record<string, string> } } };
  const entry = settings.mcpServers.memflow;
  const expand = (v: string) => v.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? '');
  const headers = Object.fromEntries(Object.entries(entry.headers).map(([k, v]) => [k, expand(v)]));
  assert.equal(headers['X-Memflow-Project'], path.basename(a.dir), 'the entry names the folder, as in the other two');
  const client = new Client({ name: 'memflow-scope-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(entry.httpUrl), { requestInit: { headers } }));
  try {
    const r = (await client.callTool({ name: 'search', arguments: { query: QUESTION } })) as { content: { text?: string }[]; isError?: boolean };
    const text = r.content.map((c) => c.text ?? '').join('\n');
    assert.equal(r.isError ?? false, false, text);
    // The project its first hook will give it (`<name>-<key digits>`), which holds nothing yet.
    const own = `${path.basename(a.dir)}-${projectHeadersOf(dir).key!.slice(0, 6)}`;
    assert.match(text, new RegExp(`No memories match .* in ${escaped(own)}\\.`), text);
    assert.ok(!text.includes(a.marker) && !text.includes(b.marker), text);
  } finally {
    await client.close();
  }
});
