/**
 * The real Claude Code CLI (the pinned npm version infra/agent-clis.ts installs) in a scratch HOME and
 * git repository, set up the way a new user gets it: `memflow install` in the repository, the
 * `memflow` and `memflow-hook` commands on PATH, the user's MEMFLOW_API_KEY and MEMFLOW_URL in the
 * environment. The model is a ScriptedClaude (ANTHROPIC_BASE_URL). Headless sessions run `claude -p`;
 * interactive ones run in tmux and end the way a person ends them (/exit, Ctrl-D, Ctrl-C twice).
 *
 * The settings that let the interactive UI start without a person (all documented Claude Code
 * settings): `hasCompletedOnboarding`, `hasSeenAutoDefaultNudge` (else a user-level `defaultMode` other
 * than auto brings up "Make auto mode your default permission mode?" over the first prompt) and the
 * project's `hasTrustDialogAccepted` in ~/.claude.json,
 * the API key approved in `customApiKeyResponses` (its last 20 characters), and tool permissions
 * allowed in settings.json in the rule-based mode (`defaultMode: "default"`) instead of
 * --dangerously-skip-permissions (whose warning is a dialog).
 *
 * Ground truth: a second hook, outside memflow, appends every event Claude Code fires to a log, so a
 * test compares what memflow stored with what the client really fired.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { relayHealth } from '../../cli/relay/lifecycle.js';
import { ensureAgentCli } from '../../infra/agent-clis.js';
import { waitUntil } from '../../infra/wait-until.js';
import { memflowOnPath, runCli, tempDir } from '../fixtures/cli-run.js';
import type { ScriptedClaude } from './scripted-claude.js';

const API_KEY = 'sk-ant-test-memflow-0123456789abcdefghij';
const ALL_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'Stop', 'SubagentStop', 'PreCompact', 'PostCompact', 'SessionEnd'];

export interface Fired {
  session_id: string;
  hook_event_name: string;
  [k: string]: unknown;
}

export interface ClaudeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One cache for every harness of a run: the hook bundle is built once, not per HOME. */
let sharedCache: Promise<string> | undefined;

export class ClaudeHarness {
  readonly env: Record<string, string>;
  private constructor(
    readonly claude: string,
    readonly home: string,
    readonly repo: string,
    readonly model: ScriptedClaude,
    env: Record<string, string>,
  ) {
    this.env = env;
  }

  /**
   * A new HOME and repository (`<tmp>/<repoName>`, git-initialised). `memflow` settings: the API at
   * `apiUrl` with `key`, the relay on `relayPort`, spool and cache inside HOME.
   */
  static async create(opts: { model: ScriptedClaude; apiUrl: string; key: string; relayPort: number; repoName: string; groundTruth?: boolean }): Promise<ClaudeHarness> {
    const claude = await ensureAgentCli('claude');
    const home = await tempDir('cc-home');
    const repo = path.join(await tempDir('cc-repo'), opts.repoName);
    fs.mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
    const log = path.join(home, 'fired.ndjson');
    const groundTruth = opts.groundTruth === false ? {} : Object.fromEntries(ALL_EVENTS.map((e) => [e, [{ hooks: [{ type: 'command', command: `{ cat; echo; } >> '${log}'` }] }]]));
    fs.writeFileSync(
      path.join(home, '.claude', 'settings.json'),
      // The rule-based permission mode ("default"): the allow list runs every tool call without a
      // question. Claude Code's newer default, auto mode, asks a model to classify each call, and
      // the scripted model's answer to that sends it to a permission dialog.
      JSON.stringify({ permissions: { allow: ['Bash', 'Edit', 'Write', 'Read', 'mcp__memflow'], defaultMode: 'default' }, hooks: groundTruth }),
    );
    fs.writeFileSync(
      path.join(home, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        hasSeenAutoDefaultNudge: true,
        theme: 'dark',
        customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
        projects: { [repo]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
      }),
    );
    const env: Record<string, string> = {
      HOME: home,
      PATH: await memflowOnPath(),
      MEMFLOW_API_KEY: opts.key,
      MEMFLOW_URL: opts.apiUrl,
      MEMFLOW_RELAY_PORT: String(opts.relayPort),
      // A relay a failed run could not stop leaves by itself.
      MEMFLOW_RELAY_IDLE_MS: '300000',
      MEMFLOW_CACHE_DIR: await (sharedCache ??= tempDir('cc-cache')),
      // The suite's budget for the relay's pushes (tests/run.ts): these tests check what reaches the model, not how fast.
      ...(process.env.MEMFLOW_PROMPT_BUDGET_MS ? { MEMFLOW_PROMPT_BUDGET_MS: process.env.MEMFLOW_PROMPT_BUDGET_MS } : {}),
      ANTHROPIC_BASE_URL: opts.model.url,
      ANTHROPIC_API_KEY: API_KEY,
      IS_SANDBOX: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      TERM: 'xterm-256color',
    };
    return new ClaudeHarness(claude, home, repo, opts.model, env);
  }

  /** `memflow <args>` as the user runs it in the repository (or `cwd`). */
  memflow(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}) {
    return runCli(args, { cwd: opts.cwd ?? this.repo, env: { ...this.env, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  }

  /** A headless session: `claude -p <prompt>`. */
  headless(prompt: string, extra: string[] = [], env: Record<string, string> = {}): Promise<ClaudeRun> {
    const t0 = performance.now();
    const child = spawn(this.claude, ['-p', prompt, ...extra], { cwd: this.repo, env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
    });
  }

  /** An interactive session in tmux: types `prompt`, waits for `doneText` on screen, ends it by `end`. */
  async interactive(prompt: string, doneText: string, end: 'exit' | 'ctrl-d' | 'ctrl-c'): Promise<string> {
    const name = `mf-${path.basename(this.home)}`;
    // `env` sets the whole environment itself: a running tmux server's own environment never leaks in.
    const envArgs = Object.entries(this.env).map(([k, v]) => `${k}=${v}`);
    execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '160', '-y', '50', '-c', this.repo, 'env', '-i', ...envArgs, this.claude]);
    const screen = () => execFileSync('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' });
    const alive = () => {
      try {
        execFileSync('tmux', ['has-session', '-t', name], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    const keys = (...k: string[]) => execFileSync('tmux', ['send-keys', '-t', name, ...k]);
    let last = '';
    try {
      // Ready for input once the footer (the permission mode line) is drawn under the prompt box.
      await waitUntil(
        async () => {
          last = screen();
          // Should Claude Code still offer to make auto mode the default, decline it: Esc is the
          // dialog's cancel, which keeps the current mode (Enter would take the focused option).
          if (/Make auto mode your default/.test(last)) {
            keys('Escape');
            return false;
          }
          return /❯/.test(last) && /shift\+tab|for shortcuts/.test(last) && !/Yes, set auto mode/.test(last);
        },
        { what: () => `claude's prompt (screen: ${last})`, timeoutMs: 60_000, intervalMs: 300 },
      );
      // In auto mode every tool call waits on a classifier request the scripted model cannot answer.
      if (/auto mode on/i.test(last)) throw new Error(`claude started in auto mode, not the rule-based mode its settings ask for (screen: ${last})`);
      keys('-l', prompt);
      await waitUntil(async () => (last = screen()).includes(prompt.slice(0, 20)), { what: 'the typed prompt on screen', timeoutMs: 10_000, intervalMs: 100 });
      // Enter until Claude Code takes the prompt (a key sent while the UI redraws can be lost); the
      // ground-truth hook says when it did.
      await waitUntil(
        async () => {
          if (this.fired().some((f) => f.hook_event_name === 'UserPromptSubmit' && f.prompt === prompt)) return true;
          keys('Enter');
          return false;
        },
        { what: 'the prompt submitted', timeoutMs: 30_000, intervalMs: 1000 },
      );
      await waitUntil(async () => (last = screen()).includes(doneText), { what: () => `"${doneText}" on screen (screen: ${last})`, timeoutMs: 120_000, intervalMs: 200 });
      // The turn is over when the prompt box is back and idle.
      await waitUntil(async () => !/esc to interrupt/i.test((last = screen())), { what: 'the turn to end', timeoutMs: 30_000, intervalMs: 200 });
      if (end === 'exit') {
        keys('-l', '/exit');
        await waitUntil(async () => screen().includes('/exit'), { what: '/exit typed', timeoutMs: 10_000, intervalMs: 100 });
        keys('Enter');
      } else {
        // Claude Code asks for a second Ctrl-D or Ctrl-C when the first comes alone ("Press Ctrl-C
        // again to exit"), and forgets the first after a moment: on a loaded machine the second can
        // come too late and read as a first again. So the key is pressed again while the question is
        // on screen, or when nothing happened for a while, until Claude Code has exited.
        const key = end === 'ctrl-d' ? 'C-d' : 'C-c';
        const press = () => {
          try {
            keys(key);
          } catch {
            // the session ended between the check and the key
          }
          return Date.now();
        };
        let pressed = press();
        // Whether the last press answered the question (Claude Code may still be ending: give it time).
        let answered = false;
        await waitUntil(
          async () => {
            if (!alive()) return true;
            last = screen();
            const asked = /again to exit/i.test(last);
            if ((asked && !answered && Date.now() - pressed > 200) || Date.now() - pressed > 3000) {
              pressed = press();
              answered = asked;
            }
            return false;
          },
          { what: () => `claude to exit after ${end} (screen: ${last})`, timeoutMs: 30_000, intervalMs: 100 },
        );
      }
      await waitUntil(async () => !alive(), { what: () => `claude to exit after ${end} (screen: ${last})`, timeoutMs: 30_000, intervalMs: 100 });
      return last;
    } finally {
      if (alive()) execFileSync('tmux', ['kill-session', '-t', name]);
    }
  }

  /** Every event Claude Code fired, in order (the ground-truth hook's log). */
  fired(): Fired[] {
    const file = path.join(this.home, 'fired.ndjson');
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Fired);
  }

  /** Stops this HOME's relay (found by its health answer); waits until the port is free. */
  async stopRelay(): Promise<void> {
    const h = await relayHealth(Number(this.env.MEMFLOW_RELAY_PORT));
    if (!h || h === 'foreign' || !h.pid) return;
    process.kill(h.pid, 'SIGTERM');
    await waitUntil(async () => (await relayHealth(Number(this.env.MEMFLOW_RELAY_PORT), 200)) === undefined, { what: `relay ${h.pid} to stop`, timeoutMs: 10_000, intervalMs: 100 });
  }
}

/** Claude Code's event name as memflow stores it (hook_events.event). */
export const storedName = (claudeEvent: string) => claudeEvent.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
