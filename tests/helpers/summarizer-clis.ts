/**
 * The real agent CLIs (pinned in infra/agent-clis.ts) as memflow's summarizer, each in a HOME of its
 * own pointed at its scripted model server through the CLI's base-URL setting (as
 * tests/helpers/agent-hosts.ts and claude-cli.ts set them up): Claude Code at a ScriptedClaude
 * (ANTHROPIC_BASE_URL), Codex at a FakeOpenAI (a `[model_providers.*]` base_url), Gemini CLI at a
 * FakeGemini (GOOGLE_GEMINI_BASE_URL). Each HOME also holds hooks outside memflow that append every
 * event the CLI fires to a log: the ground truth that the summarizer's own runs fire none.
 *
 * The scripted model answers a summarizer's request (it carries memflow's system prompt) from
 * `answer`, which a test sets: a JSON answer built from the request, garbage, or nothing.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureAgentCli } from '../../infra/agent-clis.js';
import type { CliPathName } from '../../common/server/model-choice.js';
import { tempDir } from '../fixtures/cli-run.js';
import { FakeGemini } from './fake-gemini.js';
import { FakeOpenAI } from './fake-openai.js';
import { ScriptedClaude, requestText as claudeRequestText } from './scripted-claude.js';
import { offeredTools, requestText } from './scripted-turns.js';

/** Text every summarizer request carries (the system prompt's first words). */
export const SUMMARIZER_MARK = "You are memflow's summarizer";

export interface SummarizerCli {
  cli: CliPathName;
  executable: string;
  home: string;
  /** The environment the summarizer hands the CLI (its HOME, its model server, its key). */
  env: Record<string, string>;
  /** The same HOME with no sign-in at all. */
  signedOutEnv: Record<string, string>;
  /** The same, with the model server replaced by one that accepts and never answers. */
  slowEnv: Record<string, string>;
  /** How the model answers a summarizer request: its text (undefined: the server's default text). */
  answer: (request: string) => string | undefined;
  /** The summarizer's requests the model server received (bodies). */
  summarizerRequests(): unknown[];
  /** Every tool name the summarizer's requests offered. */
  offeredTools(): string[];
  /** Events the ground-truth hooks logged. */
  firedHooks(): string[];
  /** A plain headless run of the CLI in that HOME (the positive control: its hooks fire). */
  plainRunArgs: string[];
  stop(): Promise<void>;
}

const log = (home: string) => path.join(home, 'fired.ndjson');
const logCommand = (home: string) => `{ cat; echo; } >> '${log(home)}'`;

/** A server that takes connections and never answers: a model that is too slow. */
async function silentServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export async function summarizerCli(cli: CliPathName): Promise<SummarizerCli> {
  const home = await tempDir(`${cli}-summarizer-home`);
  const bareHome = await tempDir(`${cli}-signed-out-home`);
  const silent = await silentServer();
  const base = { HOME: home, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1' };
  const self = { answer: (() => undefined) as (request: string) => string | undefined };
  const isSummarizer = (body: unknown) => requestText(body).includes(SUMMARIZER_MARK.replace("'", "\\u0027")) || requestText(body).includes(SUMMARIZER_MARK);
  let requests: () => unknown[];
  let stopServer: () => Promise<void>;
  let env: Record<string, string>;
  let signedOutEnv: Record<string, string>;
  let slowEnv: Record<string, string>;
  let plainRunArgs: string[];
  const executable = await ensureAgentCli(cli === 'claude-cli' ? 'claude' : cli === 'codex-cli' ? 'codex' : 'gemini');
  const events = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd'];
  switch (cli) {
    case 'claude-cli': {
      const server = new ScriptedClaude();
      await server.start();
      server.textAnswer = (body) => (claudeRequestText(body).includes(SUMMARIZER_MARK) ? self.answer(claudeRequestText(body)) : undefined);
      fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
      fs.writeFileSync(path.join(home, '.claude', 'settings.json'), JSON.stringify({ hooks: Object.fromEntries(events.map((e) => [e, [{ hooks: [{ type: 'command', command: logCommand(home) }] }]])) }));
      const key = 'sk-ant-test-memflow-0123456789abcdefghij';
      env = { ...base, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: key };
      signedOutEnv = { ...base, HOME: bareHome, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: '' };
      slowEnv = { ...env, ANTHROPIC_BASE_URL: silent.url, API_TIMEOUT_MS: '600000' };
      requests = () => server.requests.filter((r) => isSummarizer(r.body)).map((r) => r.body);
      stopServer = () => server.close();
      plainRunArgs = ['-p', 'Say OK.', '--output-format', 'json'];
      break;
    }
    case 'codex-cli': {
      const server = await new FakeOpenAI(({ request }) => ({ text: (isSummarizer(request) ? self.answer(requestText(request)) : undefined) ?? 'OK.' })).start();
      const provider = (url: string) => ['model_provider = "fake"', '', '[model_providers.fake]', 'name = "local stand-in"', `base_url = "${url}/v1"`, 'wire_api = "responses"', 'env_key = "FAKE_OPENAI_API_KEY"', 'request_max_retries = 0', 'stream_max_retries = 0', ''].join('\n');
      for (const [h, url] of [[home, server.url], [bareHome, server.url]] as const) {
        fs.mkdirSync(path.join(h, '.codex'), { recursive: true });
        fs.writeFileSync(path.join(h, '.codex', 'config.toml'), provider(url));
      }
      fs.writeFileSync(path.join(home, '.codex', 'hooks.json'), JSON.stringify({ hooks: Object.fromEntries(events.map((e) => [e, [{ hooks: [{ type: 'command', command: logCommand(home), timeout: 10 }] }]])) }));
      const slowHome = await tempDir('codex-slow-home');
      fs.mkdirSync(path.join(slowHome, '.codex'), { recursive: true });
      fs.writeFileSync(path.join(slowHome, '.codex', 'config.toml'), provider(silent.url).replace('stream_max_retries = 0', 'stream_max_retries = 0\nstream_idle_timeout_ms = 600000'));
      env = { ...base, CODEX_HOME: path.join(home, '.codex'), FAKE_OPENAI_API_KEY: 'sk-local-test' };
      signedOutEnv = { ...base, HOME: bareHome, CODEX_HOME: path.join(bareHome, '.codex'), FAKE_OPENAI_API_KEY: '' };
      slowEnv = { ...env, HOME: slowHome, CODEX_HOME: path.join(slowHome, '.codex') };
      requests = () => server.modelRequests.filter((r) => isSummarizer(r.body)).map((r) => r.body);
      stopServer = () => server.stop();
      plainRunArgs = ['exec', '--skip-git-repo-check', '--dangerously-bypass-hook-trust', 'Say OK.'];
      break;
    }
    case 'gemini-cli': {
      const server = await new FakeGemini(() => ({ text: 'OK.' })).start();
      server.textAnswer = (body) => (isSummarizer(body) ? self.answer(requestText(body)) : undefined);
      fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
      const geminiEvents = ['SessionStart', 'BeforeAgent', 'AfterAgent', 'BeforeModel', 'SessionEnd'];
      fs.writeFileSync(
        path.join(home, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } }, hooks: Object.fromEntries(geminiEvents.map((e) => [e, [{ matcher: '*', hooks: [{ type: 'command', name: 'ground-truth', command: logCommand(home) }] }]])) }),
      );
      env = { ...base, GEMINI_API_KEY: 'local-test', GOOGLE_GEMINI_BASE_URL: server.url, GEMINI_CLI_TRUST_WORKSPACE: 'true' };
      signedOutEnv = { ...base, HOME: bareHome, GEMINI_API_KEY: '', GOOGLE_GEMINI_BASE_URL: server.url, GEMINI_CLI_TRUST_WORKSPACE: 'true' };
      slowEnv = { ...env, GOOGLE_GEMINI_BASE_URL: silent.url };
      requests = () => server.requests.filter((r) => /:(stream)?generateContent/i.test(r.path) && isSummarizer(r.body)).map((r) => r.body);
      stopServer = () => server.stop();
      plainRunArgs = ['-p', 'Say OK.', '--output-format', 'json'];
      break;
    }
  }
  return Object.assign(self, {
    cli,
    executable,
    home,
    env,
    signedOutEnv,
    slowEnv,
    summarizerRequests: () => requests(),
    offeredTools: () => requests().flatMap((b) => offeredTools(b)),
    firedHooks: () => (fs.existsSync(log(home)) ? fs.readFileSync(log(home), 'utf8').split('\n').filter((l) => l.trim()) : []),
    plainRunArgs,
    stop: async () => {
      await stopServer();
      await silent.stop();
    },
  });
}
