/**
 * Drives the real agent CLIs (pinned in infra/agent-clis.ts) headless, each against its local model
 * stand-in, in a temporary HOME: what each host needs to run offline and unattended, found on the
 * pinned versions.
 * - Codex: a `[model_providers.*]` entry with `base_url` and `wire_api = "responses"` in
 *   $CODEX_HOME/config.toml; `codex exec` with `--dangerously-bypass-approvals-and-sandbox`, and
 *   `--dangerously-bypass-hook-trust` because Codex silently skips hooks a user has not trusted.
 * - Gemini CLI: GOOGLE_GEMINI_BASE_URL + GEMINI_API_KEY with the API-key auth type selected in
 *   ~/.gemini/settings.json; GEMINI_CLI_TRUST_WORKSPACE=true (it refuses untrusted folders headless);
 *   `gemini -p … --yolo`.
 * - OpenCode: an `@ai-sdk/openai-compatible` provider with `options.baseURL` in the user's
 *   opencode.json; OPENCODE_DISABLE_MODELS_FETCH=1 (the models.dev catalogue is out of reach);
 *   `opencode run …`.
 * - Copilot CLI: COPILOT_OFFLINE=true with COPILOT_PROVIDER_BASE_URL (its BYOK provider, Chat
 *   Completions by default), COPILOT_ALLOW_ALL=true (also trusts the folder, so its hooks load);
 *   `copilot -p … --allow-all-tools`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AGENT_CLIS, ensureAgentCli, type AgentCliName } from '../../infra/agent-clis.js';
import { clientEnv, runCli, tempDir } from '../fixtures/cli-run.js';
import { after, before } from 'node:test';
import { createTemporalClient } from '../../common/server/temporal-connection.js';
import { startTestApp, stopTestApp, type TestApi, type TestWorker } from './app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './env.js';
import { FakeGemini } from './fake-gemini.js';
import { FakeOpenAI } from './fake-openai.js';
import { pick, scriptOf, type Script, type Turn } from './scripted-turns.js';

export type HostName = Exclude<AgentCliName, 'claude'>;
export const HOSTS: HostName[] = ['codex', 'gemini', 'opencode', 'copilot'];

export interface HostRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface HostDriver {
  host: HostName;
  fake: FakeOpenAI | FakeGemini;
  /** Environment the CLI runs with (its HOME, its provider settings). */
  env: Record<string, string>;
  /** One headless session in `cwd`. */
  run(prompt: string, cwd: string, extraEnv?: Record<string, string>): Promise<HostRun>;
  stop(): Promise<void>;
}

/** The final answer every scripted session ends with. */
export const FINAL_ANSWER = 'check.py failed with "expected 3, got 2" (exit 1); I changed it to exit 0 and it passes now.';
export const FAILING_CHECK = 'import sys\nprint("expected 3, got 2", file=sys.stderr)\nsys.exit(1)\n';
export const PASSING_CHECK = 'import sys\nprint("passed")\nsys.exit(0)\n';

/**
 * The session every host plays: run the failing check, fix it with the host's own edit tool (a
 * shell command where the host offers none here), run the same command again, passing, then a final
 * answer. The same command twice lets memflow tell that the failure passed later.
 */
export function fixTheCheckScript(host: HostName, repo: string): Script {
  const shell = (command: string) => (tools: string[]): Turn => {
    const name = pick(tools, 'exec_command', 'run_shell_command', 'bash', 'shell');
    return name === 'exec_command' ? { tool: name, args: { cmd: command } } : { tool: name, args: { command, description: 'run it' } };
  };
  const fix: (tools: string[]) => Turn = {
    codex: shell(`printf '${PASSING_CHECK.replace(/\n/g, '\\n')}' > check.py`),
    gemini: (tools: string[]) => ({ tool: pick(tools, 'write_file'), args: { file_path: 'check.py', content: PASSING_CHECK } }),
    opencode: (tools: string[]) => ({
      tool: pick(tools, 'apply_patch'),
      args: { patchText: `*** Begin Patch\n*** Update File: check.py\n@@\n import sys\n-print("expected 3, got 2", file=sys.stderr)\n-sys.exit(1)\n+print("passed")\n+sys.exit(0)\n*** End Patch\n` },
    }),
    copilot: (tools: string[]) => ({ tool: pick(tools, 'edit'), args: { path: path.join(repo, 'check.py'), old_str: 'print("expected 3, got 2", file=sys.stderr)\nsys.exit(1)', new_str: 'print("passed")\nsys.exit(0)' } }),
  }[host];
  return scriptOf([shell('python3 check.py'), fix, shell('python3 check.py')], FINAL_ANSWER);
}

/**
 * What a host test file runs the agents' hooks against: the real API and worker (started before the
 * file's tests, stopped after), on a task queue of the file's own, with a tenant of its own; no model
 * key (the heuristic summarizer).
 */
export function hostsTestApp(queue: string) {
  const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName(queue) }), ANTHROPIC_API_KEY: undefined };
  const prisma = testPrisma();
  const temporal = createTemporalClient(config);
  const app = {} as { api: TestApi; worker: TestWorker; tenant: Awaited<ReturnType<typeof newTenant>> };
  before(async () => {
    app.tenant = await newTenant(prisma);
    Object.assign(app, await startTestApp(config, prisma));
  });
  after(() => stopTestApp(app, temporal, prisma));
  return { prisma, temporal, app };
}

/** A fresh git repository with the failing check, its user's HOME, and memflow's client environment there (a relay port of its own). */
export async function hostRepo(host: HostName, apiKey: string): Promise<{ home: string; repo: string; env: Record<string, string> }> {
  const home = await tempDir(`${host}-home`);
  const repo = path.join(await tempDir(`${host}-repo`), uniqueName('shop'));
  await fs.mkdir(repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  await fs.writeFile(path.join(repo, 'check.py'), FAILING_CHECK);
  return { home, repo, env: await clientEnv(home, apiKey) };
}

/** `memflow install --host <host>` in the repository, for the pinned version, against `apiUrl`; its output. */
export async function installHost(host: HostName, at: { repo: string; env: Record<string, string> }, apiUrl: string): Promise<string> {
  const r = await runCli(['install', '--host', host, '--host-version', AGENT_CLIS[host].version, '--url', apiUrl], { cwd: at.repo, env: at.env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

export async function startHost(host: HostName, home: string, script: Script): Promise<HostDriver> {
  const exe = await ensureAgentCli(host);
  const fake = host === 'gemini' ? await new FakeGemini(script).start() : await new FakeOpenAI(script).start();
  const env: Record<string, string> = {
    HOME: home,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
  };
  let argv: (prompt: string) => string[];
  switch (host) {
    case 'codex': {
      env.CODEX_HOME = path.join(home, '.codex');
      env.FAKE_OPENAI_API_KEY = 'sk-local-test';
      await fs.mkdir(env.CODEX_HOME, { recursive: true });
      await fs.writeFile(
        path.join(env.CODEX_HOME, 'config.toml'),
        ['model = "gpt-5"', 'model_provider = "fake"', '', '[model_providers.fake]', 'name = "local stand-in"', `base_url = "${fake.url}/v1"`, 'wire_api = "responses"', 'env_key = "FAKE_OPENAI_API_KEY"', ''].join('\n'),
      );
      argv = (prompt) => [exe, 'exec', '--dangerously-bypass-approvals-and-sandbox', '--dangerously-bypass-hook-trust', '--skip-git-repo-check', prompt];
      break;
    }
    case 'gemini': {
      Object.assign(env, { GEMINI_API_KEY: 'local-test', GOOGLE_GEMINI_BASE_URL: fake.url, GEMINI_CLI_TRUST_WORKSPACE: 'true' });
      await fs.mkdir(path.join(home, '.gemini'), { recursive: true });
      await fs.writeFile(path.join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }, null, 2));
      argv = (prompt) => [process.execPath, exe, '-p', prompt, '--yolo'];
      break;
    }
    case 'opencode': {
      Object.assign(env, { OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_SHARE: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1' });
      const dir = path.join(home, '.config', 'opencode');
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(
        path.join(dir, 'opencode.json'),
        JSON.stringify(
          {
            $schema: 'https://opencode.ai/config.json',
            provider: { fake: { npm: '@ai-sdk/openai-compatible', name: 'local stand-in', options: { baseURL: `${fake.url}/v1`, apiKey: 'sk-local-test' }, models: { 'gpt-5': { name: 'gpt-5', tool_call: true } } } },
            model: 'fake/gpt-5',
            small_model: 'fake/gpt-5',
            permission: { edit: 'allow', bash: 'allow' },
          },
          null,
          2,
        ),
      );
      argv = (prompt) => [exe, 'run', prompt];
      break;
    }
    case 'copilot': {
      Object.assign(env, {
        COPILOT_OFFLINE: 'true',
        COPILOT_PROVIDER_BASE_URL: `${fake.url}/v1`,
        COPILOT_PROVIDER_API_KEY: 'sk-local-test',
        COPILOT_MODEL: 'gpt-5',
        COPILOT_ALLOW_ALL: 'true',
        COPILOT_AUTO_UPDATE: 'false',
      });
      argv = (prompt) => [exe, '-p', prompt, '--allow-all-tools', '--disable-client-telemetry'];
      break;
    }
  }
  return {
    host,
    fake,
    env,
    run: async (prompt, cwd, extraEnv = {}) => {
      // Codex reads a project's .codex/config.toml (memflow's MCP entry, scoped to the repository) only
      // in a project the user trusted, as they do once when Codex asks; headless, it cannot ask.
      if (host === 'codex') await trustCodexProject(env.CODEX_HOME!, cwd);
      return runProcess(argv(prompt), cwd, { ...env, ...extraEnv });
    },
    stop: () => fake.stop(),
  };
}

/** Marks `dir` trusted in Codex's user config (once). */
async function trustCodexProject(codexHome: string, dir: string): Promise<void> {
  const file = path.join(codexHome, 'config.toml');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const table = `[projects.${JSON.stringify(dir)}]`;
  if (!text.includes(table)) await fs.appendFile(file, `${text.endsWith('\n') || text === '' ? '' : '\n'}\n${table}\ntrust_level = "trusted"\n`);
}

/** Runs to exit (stdin closed: headless CLIs otherwise wait for more input), with a hard limit. */
function runProcess(argv: string[], cwd: string, env: Record<string, string>, limitMs = 240_000): Promise<HostRun> {
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}
