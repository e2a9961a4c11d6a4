/**
 * How each agent CLI is run as a summarizer, and how its answer is read: the command line, the
 * environment and the parser of its structured output, per vendor (the call contract around them is
 * ./cli-model.ts). Every vendor runs headless in an empty folder with no tools, no MCP servers and
 * no hooks, so a planted instruction in what it summarizes can make it run nothing, and memflow's own
 * hooks never capture the summarizer's session.
 *
 * - Claude Code: `claude -p --output-format json` (one JSON result: `result`, `usage`,
 *   `total_cost_usd`, `modelUsage`); `--tools ""` offers no built-in tool and `--strict-mcp-config`
 *   with an empty `--mcp-config` loads no MCP server (both are needed: `--tools ""` alone keeps the
 *   user's MCP servers); `--settings {"disableAllHooks":true}` and `--safe-mode` (no hooks, MCP servers, CLAUDE.md, skills
 *   or plugins; sign-in works as usual) run no hook; the system prompt
 *   replaces Claude Code's own (`--system-prompt`); nothing is saved (`--no-session-persistence`).
 * - Codex: `codex exec --json` (JSON lines: `item.completed` with the `agent_message`,
 *   `turn.completed` with `usage`, `turn.failed`/`error`); `--ephemeral`, `--skip-git-repo-check`,
 *   the read-only sandbox, and config overrides (`-c features.<name>=false`, found with
 *   `codex features list` on the pinned version) that turn its hooks, shell, image, goal, sub-agent,
 *   app, plugin and web-search tools and every MCP server off.
 * - Gemini CLI: `gemini -p … --output-format json` (`response`, `stats.models[m].tokens`, `error`);
 *   a system settings file of our own (GEMINI_CLI_SYSTEM_SETTINGS_PATH, which overrides the user's)
 *   that excludes every built-in tool, names no MCP server and turns hooks off; `-e none` loads no
 *   extension.
 */
import path from 'node:path';
import { NO_USAGE, type Usage } from './summary-call.js';
import type { CliPathName } from '../../common/server/model-choice.js';

/** What one run of a CLI answered: its text, what it spent, the model that wrote it. */
export interface CliAnswer {
  text: string;
  usage: Usage;
  /** What the CLI itself says the run cost (Claude Code does), in USD. */
  costUsd?: number;
  model?: string;
}

/** The CLI ran but refused or failed (signed out, quota, an API error): its own words. */
export class CliRefused extends Error {}

export interface CliInvocation {
  argv: string[];
  env: Record<string, string>;
  /** Files to write in the private folder before it starts (name → content), removed after the run. */
  files: Record<string, string>;
  /** What goes to stdin. */
  stdin: string;
}

export interface CliVendor {
  /** The smallest capable model of the vendor, when MEMFLOW_CLI_MODEL names none. */
  defaultModel: string;
  /**
   * `dir`: the run's empty working folder; `conf`: a private folder of memflow's under the user's
   * home for files the CLI reads (Gemini CLI refuses a settings file under a world-writable /tmp);
   * `id`: unique to the run, for file names there.
   */
  invocation(opts: { model: string; system: string; user: string; dir: string; conf: string; id: string }): CliInvocation;
  /** Reads stdout (and the exit code); throws CliRefused for the CLI's own refusals. */
  parse(stdout: string, code: number | null): CliAnswer;
}

/**
 * No tools, MCP servers or hooks in Gemini CLI: a system settings file (it overrides the user's);
 * every built-in tool of the pinned version excluded, and the core list naming none of them.
 */
const GEMINI_SETTINGS = {
  tools: {
    core: ['memflow_no_tool'],
    exclude: [
      'run_shell_command', 'write_file', 'replace', 'read_file', 'read_many_files', 'glob', 'search_file_content', 'grep_search', 'list_directory',
      'web_fetch', 'google_web_search', 'save_memory', 'write_todos', 'codebase_investigator', 'activate_skill', 'update_topic', 'enter_plan_mode', 'invoke_agent',
    ],
  },
  mcpServers: {},
  hooksConfig: { enabled: false },
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function jsonOf(stdout: string, what: string): Record<string, unknown> {
  const trimmed = stdout.trim();
  try {
    return JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    // Some versions print a line of notice before the JSON: take the last line that parses.
    for (const line of trimmed.split('\n').reverse()) {
      try {
        const v = JSON.parse(line) as unknown;
        if (v && typeof v === 'object') return v as Record<string, unknown>;
      } catch {
        // keep looking
      }
    }
    throw new CliRefused(`${what} printed no JSON result (${clip(trimmed) || 'nothing'})`);
  }
}

const clip = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);

export const CLI_VENDORS: Record<CliPathName, CliVendor> = {
  'claude-cli': {
    defaultModel: 'haiku',
    invocation: ({ model, system, user }) => ({
      argv: [
        '-p',
        '--output-format', 'json',
        '--model', model,
        '--system-prompt', system,
        '--tools', '',
        '--strict-mcp-config',
        '--mcp-config', '{"mcpServers":{}}',
        '--settings', '{"disableAllHooks":true}',
        '--safe-mode',
        '--disable-slash-commands',
        '--no-session-persistence',
      ],
      env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
      files: {},
      stdin: user,
    }),
    parse(stdout, code) {
      const r = jsonOf(stdout, 'claude');
      if (r.is_error === true || (r.subtype !== undefined && r.subtype !== 'success') || typeof r.result !== 'string') {
        throw new CliRefused(`claude answered ${String(r.subtype ?? 'an error')} (exit ${code}): ${clip(String(r.result ?? JSON.stringify(r)))}`);
      }
      const u = (r.usage ?? {}) as Record<string, unknown>;
      const models = Object.keys((r.modelUsage ?? {}) as object);
      return {
        text: r.result,
        usage: { tokensIn: num(u.input_tokens), tokensOut: num(u.output_tokens), cacheReadTokens: num(u.cache_read_input_tokens), cacheWriteTokens: num(u.cache_creation_input_tokens) },
        ...(typeof r.total_cost_usd === 'number' ? { costUsd: r.total_cost_usd } : {}),
        ...(models[0] ? { model: models[0] } : {}),
      };
    },
  },
  'codex-cli': {
    defaultModel: 'gpt-5-codex-mini',
    invocation: ({ model, system, user, dir }) => ({
      argv: [
        'exec',
        '--json',
        '--ephemeral',
        '--skip-git-repo-check',
        '--sandbox', 'read-only',
        '--model', model,
        '-C', dir,
        '-c', 'features.hooks=false',
        '-c', 'features.shell_tool=false',
        '-c', 'features.unified_exec=false',
        '-c', 'features.view_image=false',
        '-c', 'features.image_generation=false',
        '-c', 'features.goals=false',
        '-c', 'features.multi_agent=false',
        '-c', 'features.collaboration_modes=false',
        '-c', 'features.apps=false',
        '-c', 'features.plugins=false',
        '-c', 'features.skill_search=false',
        '-c', 'features.sleep_tool=false',
        '-c', 'features.tool_suggest=false',
        '-c', 'features.computer_use=false',
        '-c', 'features.browser_use=false',
        '-c', 'features.in_app_browser=false',
        '-c', 'features.web_search_request=false',
        '-c', 'features.web_search_cached=false',
        '-c', 'web_search="disabled"',
        '-c', 'tools.experimental_request_user_input.enabled=false',
        '-c', 'tools.update_plan.enabled=false',
        '-c', 'mcp_servers={}',
        '-c', 'project_doc_max_bytes=0',
        '-',
      ],
      env: {},
      files: {},
      stdin: `${system}\n\n${user}`,
    }),
    parse(stdout, code) {
      let text: string | undefined;
      let usage = NO_USAGE;
      let failure: string | undefined;
      for (const line of stdout.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        const item = e.item as { type?: string; text?: string } | undefined;
        if (e.type === 'item.completed' && item?.type === 'agent_message' && typeof item.text === 'string') text = item.text;
        if (e.type === 'turn.completed') {
          const u = (e.usage ?? {}) as Record<string, unknown>;
          usage = { tokensIn: num(u.input_tokens) - num(u.cached_input_tokens), tokensOut: num(u.output_tokens), cacheReadTokens: num(u.cached_input_tokens), cacheWriteTokens: 0 };
        }
        if (e.type === 'turn.failed') failure = String((e.error as { message?: string } | undefined)?.message ?? 'turn failed');
        if (e.type === 'error' && typeof e.message === 'string') failure ??= e.message;
      }
      if (failure !== undefined || text === undefined) throw new CliRefused(`codex ${failure ? `failed (exit ${code}): ${clip(failure)}` : `gave no answer (exit ${code})`}`);
      return { text, usage };
    },
  },
  'gemini-cli': {
    defaultModel: 'gemini-2.5-flash-lite',
    invocation: ({ model, system, user, conf, id }) => ({
      argv: ['-p', 'Answer the request given on standard input.', '--output-format', 'json', '--model', model, '-e', 'none', '--approval-mode', 'default'],
      env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(conf, `gemini-settings-${id}.json`), GEMINI_SYSTEM_MD: path.join(conf, `gemini-system-${id}.md`), GEMINI_CLI_NO_RELAUNCH: 'true' },
      files: { [`gemini-settings-${id}.json`]: JSON.stringify(GEMINI_SETTINGS), [`gemini-system-${id}.md`]: system },
      stdin: user,
    }),
    parse(stdout, code) {
      const r = jsonOf(stdout, 'gemini');
      if (r.error || typeof r.response !== 'string') {
        const e = r.error as { message?: string; type?: string } | undefined;
        throw new CliRefused(`gemini failed (exit ${code}): ${clip(e?.message ?? JSON.stringify(r))}`);
      }
      const models = ((r.stats as { models?: Record<string, { tokens?: Record<string, unknown> }> } | undefined)?.models ?? {}) as Record<string, { tokens?: Record<string, unknown> }>;
      let usage = NO_USAGE;
      for (const m of Object.values(models)) {
        const t = m.tokens ?? {};
        usage = {
          tokensIn: usage.tokensIn + num(t.prompt) - num(t.cached),
          tokensOut: usage.tokensOut + num(t.candidates) + num(t.thoughts),
          cacheReadTokens: usage.cacheReadTokens + num(t.cached),
          cacheWriteTokens: 0,
        };
      }
      const model = Object.keys(models)[0];
      return { text: r.response, usage, ...(model ? { model } : {}) };
    },
  },
};
