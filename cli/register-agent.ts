/**
 * The commands of the agent's side, registered on the `memflow` program: the hook, the spool, the
 * local relay, the stdio MCP server, install, doctor and uninstall. Each action loads its module only
 * when it runs.
 */
import type { Command } from 'commander';
import { stderrLine, stdoutLine } from './output.js';
import { urlOption } from './command-options.js';

export function registerAgentCommands(program: Command): void {
  program
    .command('hook')
    .description('Claude Code command hook: forward the hook JSON on stdin to memflow; always exits 0')
    .argument('<event>', 'session-start | user-prompt-submit | pre-tool-use | post-tool-use | stop | session-end | pre-compact')
    .addOption(urlOption())
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (event: string, opts: { url?: string }) => {
      const { runHook } = await import('./capture/hook.js');
      await runHook(event, opts);
    });

  const spool = program.command('spool').description('the hook client\'s local spool of undelivered events');
  spool
    .command('status')
    .description('show what is waiting in the spool ($MEMFLOW_SPOOL_DIR, default ~/.memflow/spool)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { spoolStatus } = await import('./capture/spool-cmd.js');
      await spoolStatus(opts, stdoutLine);
    });
  spool
    .command('flush')
    .description('deliver every waiting event now, oldest first')
    .addOption(urlOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const { spoolFlush } = await import('./capture/spool-cmd.js');
      await spoolFlush(opts, stdoutLine, stderrLine);
    });

  spool
    .command('retarget')
    .description('send events captured under a wrong MEMFLOW_URL or key to the current ones, after you confirm')
    .addOption(urlOption())
    .option('--yes', 'do not ask (scripts)')
    .option('--json', 'machine-readable output of the delivery')
    .action(async (opts: { url?: string; yes?: boolean; json?: boolean }) => {
      const { spoolRetarget } = await import('./capture/spool-cmd.js');
      await spoolRetarget(opts, stdoutLine, stderrLine);
    });

  const relay = program.command('relay').description('the local relay that hooks hand their events to (127.0.0.1:$MEMFLOW_RELAY_PORT, default 7719 + uid mod 2000: a relay per user)');
  relay
    .command('run')
    .description('run the relay in the foreground (hooks start it in the background by themselves)')
    .option('--port <port>', 'port on 127.0.0.1 (default: $MEMFLOW_RELAY_PORT, else 7719 + uid mod 2000)')
    .action(async (opts: { port?: string }) => {
      const { runRelay } = await import('./relay/lifecycle.js');
      await runRelay(opts.port ? Number(opts.port) : undefined);
    });
  relay
    .command('start')
    .description('start the relay in the background unless it is running')
    .action(async () => {
      const { relayStart } = await import('./relay/relay-cmd.js');
      await relayStart(stdoutLine);
    });
  relay
    .command('status')
    .description('is the relay running, and what does it hold (exit 1 when it is not running)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { relayStatus } = await import('./relay/relay-cmd.js');
      await relayStatus(opts, stdoutLine);
    });
  relay
    .command('stop')
    .description('stop the relay (what it holds stays in the spool for the next one)')
    .action(async () => {
      const { relayStop } = await import('./relay/relay-cmd.js');
      await relayStop(stdoutLine);
    });

  program
    .command('mcp')
    .description("memflow's MCP server over stdio (search, timeline, get, context, learnings, remember, correct, forget) for the key in MEMFLOW_API_KEY")
    .addOption(urlOption())
    .option('--project <name>', 'project the tools use by default (default: MEMFLOW_PROJECT, else the git project of the working directory)')
    .option('--structured', 'tools declare output schemas and answer with structuredContent besides the text (for programmatic clients: Claude Code shows the model the structured content instead of the text)')
    .action(async (opts: { url?: string; project?: string; structured?: boolean }) => {
      const { runMcp } = await import('./mcp-cmd.js');
      await runMcp(opts);
    });

  program
    .command('install')
    .description("write memflow's hooks into the repository's .claude/settings.local.json (merged; idempotent), register its MCP server and start the local relay")
    .option('--http', 'capture with Claude Code http hooks that post to the API directly (no relay, no spool; SessionStart stays a command hook)')
    .option('--command-hooks', 'run memflow-hook (bash) for every event instead of http hooks to the relay (a process per event; falls back to the Node client when the relay is down)')
    .option('--shared', "write .claude/settings.json and .mcp.json, the files the team commits (nothing machine-specific is written)")
    .option('--global', "write ~/.claude/settings.json (and the user-scope MCP server) instead of the repository's")
    .option('--here', 'install in the current folder even if it is not a git repository')
    .option('--no-mcp', "do not register memflow's MCP server")
    .option('--stdio-mcp', 'register the stdio MCP server (memflow mcp) instead of the relay\'s /mcp over HTTP')
    .option('--offline', 'do not check that the API answers')
    .option('--no-relay', 'do not start the local relay now (the first hook starts it)')
    .option('--host <hosts>', 'agents to set up: claude, codex, gemini, opencode, copilot (comma-separated), or auto for every one on PATH (default: claude)')
    .option('--host-version <version>', "the host's version recorded with what it captures (default: asked from the host)")
    .option('--summarize-with-agent', 'let a worker on this machine summarize with your signed-in agent CLI (claude, codex or gemini) when no ANTHROPIC_API_KEY is set: it spends your plan (docs/summaries.md)')
    .option('--no-summarize-with-agent', 'never summarize with your agent CLI unless MEMFLOW_MODEL names it')
    .addOption(urlOption())
    .action(async (opts: { http?: boolean; commandHooks?: boolean; global?: boolean; shared?: boolean; here?: boolean; url?: string; mcp: boolean; stdioMcp?: boolean; offline?: boolean; relay: boolean; host?: string; hostVersion?: string; summarizeWithAgent?: boolean }) => {
      const { installCommand } = await import('./install-cmd.js');
      await installCommand(opts, stdoutLine, stderrLine);
    });

  program
    .command('doctor')
    .description("check the API, the key, the relay, the spool, and every agent's hooks, commands and MCP entry, and say what to fix (exit 1 when something is broken)")
    .addOption(urlOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const { doctor } = await import('./doctor.js');
      await doctor(opts, stdoutLine);
    });

  program
    .command('uninstall')
    .description("take memflow out of an agent: by default Claude Code's hooks in the repository's .claude/settings.local.json (or --shared / --global) and its MCP server; --host <hosts> or --all for the other agents (hooks, plugin, MCP entry, files memflow wrote)")
    .option('--shared', 'the team\'s .claude/settings.json and .mcp.json')
    .option('--global', '~/.claude/settings.json and ~/.claude.json')
    .option('--here', 'the current folder even if it is not a git repository')
    .option('--host <hosts>', 'agents to take memflow out of: claude, codex, gemini, opencode, copilot (comma-separated), or auto for every one set up here')
    .option('--all', 'every agent (all five), every file memflow wrote in this repository and its home')
    .action(async (opts: { global?: boolean; shared?: boolean; here?: boolean; host?: string; all?: boolean }) => {
      const { runUninstall } = await import('./install-cmd.js');
      await runUninstall(opts, stdoutLine);
    });
}
