/**
 * The `memflow` command line. Each command's module is loaded only when that command runs, so the
 * hook client (started by Claude Code on every tool call) loads nothing it does not use.
 *
 * Commands other than `hook` fail with one line on stderr and a non-zero exit; `hook` always
 * exits 0 (see hook.ts).
 */
import { Command, CommanderError, Option } from 'commander';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { CliError, stdoutLine } from './output.js';
import type { SearchOptions } from './search-cmd.js';
import { MEMFLOW_VERSION } from '../messages/version.js';
import { SEARCH_MODES } from '../messages/record-types-v1.js';

const isHook = process.argv[2] === 'hook';

function fail(err: unknown): never {
  if (isHook) {
    process.stdout.write('{}\n');
    process.exit(0);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(err instanceof CliError ? `memflow: ${message}\n` : `memflow: unexpected error: ${message.split('\n')[0]}\n`);
  if (parseClientConfig().MEMFLOW_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}

const errLine = (line: string) => {
  process.stderr.write(`${line}\n`);
};

const program = new Command('memflow')
  .description('memflow: durable memory for AI coding agents (client and operator commands)')
  .version(MEMFLOW_VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((err) => {
    // --help and --version end "successfully"; everything else goes through fail().
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') {
      process.exit(0);
    }
    fail(err);
  });

const urlOption = () => new Option('--url <url>', 'memflow API base URL (default: $MEMFLOW_URL or http://127.0.0.1:$MEMFLOW_PORT, port 7711)');

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
    await spoolFlush(opts, stdoutLine, errLine);
  });

spool
  .command('retarget')
  .description('send events captured under a wrong MEMFLOW_URL or key to the current ones, after you confirm')
  .addOption(urlOption())
  .option('--yes', 'do not ask (scripts)')
  .option('--json', 'machine-readable output of the delivery')
  .action(async (opts: { url?: string; yes?: boolean; json?: boolean }) => {
    const { spoolRetarget } = await import('./capture/spool-cmd.js');
    await spoolRetarget(opts, stdoutLine, errLine);
  });

const relay = program.command('relay').description('the local relay that hooks hand their events to (127.0.0.1:$MEMFLOW_RELAY_PORT, default 7719)');
relay
  .command('run')
  .description('run the relay in the foreground (hooks start it in the background by themselves)')
  .option('--port <port>', 'port on 127.0.0.1 (default: $MEMFLOW_RELAY_PORT or 7719)')
  .action(async (opts: { port?: string }) => {
    const { runRelay } = await import('./capture/relay/lifecycle.js');
    await runRelay(opts.port ? Number(opts.port) : undefined);
  });
relay
  .command('start')
  .description('start the relay in the background unless it is running')
  .action(async () => {
    const { ensureRelay, relaySettings } = await import('./capture/relay/lifecycle.js');
    const h = await ensureRelay();
    stdoutLine(`relay running on 127.0.0.1:${relaySettings().port} (pid ${h.pid})`);
  });
relay
  .command('status')
  .description('is the relay running, and what does it hold (exit 1 when it is not running)')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const { relayHealth, relaySettings } = await import('./capture/relay/lifecycle.js');
    const { port } = relaySettings();
    const h = await relayHealth(port);
    if (h === undefined || h === 'foreign') {
      if (opts.json) stdoutLine(JSON.stringify({ running: false, port, foreign: h === 'foreign' }));
      else stdoutLine(h === 'foreign' ? `127.0.0.1:${port} is used by another program, not a memflow relay` : `no relay on 127.0.0.1:${port} (the next hook starts one; or \`memflow relay start\`)`);
      process.exitCode = 1;
      return;
    }
    if (opts.json) return stdoutLine(JSON.stringify({ running: true, port, ...h }));
    stdoutLine(`relay running on 127.0.0.1:${port} (pid ${h.pid})`);
    stdoutLine(`waiting ${h.spool?.waiting ?? 0}, delivered ${h.spool?.delivered ?? 0} since it started, stuck ${h.spool?.stuck ?? 0}`);
    for (const t of h.spool?.targets ?? []) if (t.problem) stdoutLine(`  ${t.url}: ${t.problem}`);
  });
relay
  .command('stop')
  .description('stop the relay (what it holds stays in the spool for the next one)')
  .action(async () => {
    const { stopRelay } = await import('./capture/relay/lifecycle.js');
    stdoutLine(await stopRelay());
  });

program
  .command('mcp')
  .description("memflow's MCP server over stdio (search, timeline, get, context, learnings, remember, correct, forget) for the key in MEMFLOW_API_KEY")
  .addOption(urlOption())
  .option('--project <name>', 'project the tools use by default (default: MEMFLOW_PROJECT, else the git project of the working directory)')
  .action(async (opts: { url?: string; project?: string }) => {
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
  .addOption(urlOption())
  .action(async (opts: { http?: boolean; commandHooks?: boolean; global?: boolean; shared?: boolean; here?: boolean; url?: string; mcp: boolean; stdioMcp?: boolean; offline?: boolean; relay: boolean; host?: string; hostVersion?: string }) => {
    const { runInstall, startRelayFor } = await import('./install-cmd.js');
    if (opts.host !== undefined) {
      const { installOtherHosts } = await import('./hosts/hosts-install-cmd.js');
      if (installOtherHosts({ ...opts, host: opts.host }, stdoutLine).length === 0) {
        // The other agents' hooks hand their events to the relay too.
        if (opts.relay !== false) await startRelayFor(stdoutLine, errLine);
        return;
      }
    }
    await runInstall(opts, stdoutLine, errLine);
  });

program
  .command('doctor')
  .description('check the API, the key, the spool, the hooks and the MCP entry, and say what to fix (exit 1 when something is broken)')
  .addOption(urlOption())
  .option('--json', 'machine-readable output')
  .action(async (opts: { url?: string; json?: boolean }) => {
    const { doctor } = await import('./doctor.js');
    await doctor(opts, stdoutLine);
  });

program
  .command('uninstall')
  .description("take memflow's hooks out of the repository's .claude/settings.local.json (or --shared / --global) and its MCP server out of its scope")
  .option('--shared', 'the team\'s .claude/settings.json and .mcp.json')
  .option('--global', '~/.claude/settings.json and ~/.claude.json')
  .option('--here', 'the current folder even if it is not a git repository')
  .action(async (opts: { global?: boolean; shared?: boolean; here?: boolean }) => {
    const { runUninstall } = await import('./install-cmd.js');
    runUninstall(opts, stdoutLine);
  });

const tenants = program.command('tenants').description('operator: manage tenants (uses DATABASE_URL directly)');
tenants
  .command('create')
  .argument('<name>', 'tenant name: letters, digits, . _ -')
  .description('create a tenant')
  .action(async (name: string) => {
    const { tenantsCreate } = await import('./operator.js');
    await tenantsCreate(name, stdoutLine);
  });
tenants
  .command('list')
  .description('list tenants')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const { tenantsList } = await import('./operator.js');
    await tenantsList(opts, stdoutLine);
  });

const keys = program.command('keys').description('operator: manage API keys (uses DATABASE_URL directly)');
keys
  .command('create')
  .description('mint an API key; it is printed once, alone on the last line, and stored only as a hash')
  .requiredOption('--tenant <name>', 'the tenant the key belongs to')
  .option('--admin', 'an admin key (backups, restore) instead of a member key')
  .option('--label <label>', 'a label to recognise the key by')
  .action(async (opts: { tenant: string; admin?: boolean; label?: string }) => {
    const { keysCreate } = await import('./operator.js');
    await keysCreate(opts, stdoutLine);
  });
keys
  .command('list')
  .description("list a tenant's keys (prefix, role, created, last used, revoked)")
  .requiredOption('--tenant <name>', 'the tenant')
  .option('--json', 'machine-readable output')
  .action(async (opts: { tenant: string; json?: boolean }) => {
    const { keysList } = await import('./operator.js');
    await keysList(opts, stdoutLine);
  });
keys
  .command('revoke')
  .description('revoke a key by its id or its prefix')
  .argument('<prefix-or-id>', 'the key id, or its prefix as shown by `keys list`')
  .option('--tenant <name>', 'only match keys of this tenant')
  .action(async (ref: string, opts: { tenant?: string }) => {
    const { keysRevoke } = await import('./operator.js');
    await keysRevoke(ref, opts, stdoutLine);
  });

type ListOpts = { project?: string; limit?: string; cursor?: string; all?: boolean; json?: boolean; url?: string };
const listOptions = (cmd: Command) =>
  cmd
    .option('--project <name>', 'only this project')
    .option('--limit <n>', 'page size')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow every page')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption());

const sessions = program.command('sessions').description('list and inspect captured sessions (GET /v1/sessions)');
listOptions(sessions.command('list', { isDefault: true }).description('list sessions, newest first')).action(async (opts: ListOpts) => {
  const { sessionsList } = await import('./sessions-cmd.js');
  await sessionsList(opts, stdoutLine);
});
sessions
  .command('show')
  .description('one session: status, event count, summary')
  .argument('<id>', "the agent's session_id")
  .option('--project <name>', 'the project, when the id is not unique across projects')
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (id: string, opts: { project?: string; json?: boolean; url?: string }) => {
    const { sessionShow } = await import('./sessions-cmd.js');
    await sessionShow(id, opts, stdoutLine);
  });
const timelineAction = async (id: string, opts: ListOpts) => {
  const { sessionTimeline } = await import('./sessions-cmd.js');
  await sessionTimeline(id, opts, stdoutLine);
};
listOptions(sessions.command('timeline').description("a session's timeline, in event order").argument('<id>', "the agent's session_id")).action(
  timelineAction,
);
listOptions(program.command('timeline').description("a session's timeline, in event order").argument('<id>', "the agent's session_id")).action(
  timelineAction,
);

program
  .command('search')
  .description('search memories (GET /v1/search): one line per result, then its snippet')
  .argument('<query...>', 'what to look for')
  .option('--project <name>', 'only this project (default: $MEMFLOW_PROJECT, else every project)')
  .option('--types <list>', 'comma-separated: observation,summary,learning (default: all)')
  .addOption(new Option('--mode <mode>', 'retrieval mode (default: hybrid)').choices(SEARCH_MODES))
  .option('--limit <n>', 'at most this many results, 1 to 100 (default 10)')
  .option('--since <iso>', 'only memories created at or after this ISO 8601 date or time')
  .option('--until <iso>', 'only memories created before this ISO 8601 date or time')
  .option('--agent <agent>', "only what this agent's sessions produced: claude-code, codex, gemini, opencode, copilot")
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (words: string[], opts: SearchOptions) => {
    const { search } = await import('./search-cmd.js');
    await search(words, opts, stdoutLine);
  });

program
  .command('show')
  .description('the full records of memories by id (GET /v1/memories/{id}, POST /v1/memories:batchGet)')
  .argument('<id...>', 'memory ids, as printed by `memflow search`')
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (ids: string[], opts: { json?: boolean; url?: string }) => {
    const { show } = await import('./memories-cmd.js');
    await show(ids, opts, stdoutLine);
  });

program
  .command('context')
  .description("a project's token-budgeted memory, as a new session gets it (GET /v1/context); counts on stderr")
  .option('--project <name>', "the project (default: $MEMFLOW_PROJECT, else the current directory's)")
  .option('--tokens <n>', 'token budget, 1 to 32000 (default 1500)')
  .option('--agent <agent>', "only what this agent's sessions produced: claude-code, codex, gemini, opencode, copilot")
  .option('--json', 'print the API document as JSON')
  .option('--no-check', "do not check cited items against the working tree (stale ones are dropped, doubtful ones marked)")
  .addOption(urlOption())
  .action(async (opts: { project?: string; tokens?: string; json?: boolean; url?: string; check?: boolean; agent?: string }) => {
    const { context } = await import('./context-cmd.js');
    await context(opts, stdoutLine, errLine);
  });

program
  .command('wrong')
  .description('"this is wrong": retract a learning with the reason (POST /v1/learnings/{id}/wrong); a later session restating it does not revive it')
  .argument('<id>', 'the learning (its id or an unambiguous prefix)')
  .requiredOption('--reason <text>', 'why it is wrong')
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (id: string, opts: { reason: string; json?: boolean; url?: string }) => {
    const { markWrong } = await import('./memories-cmd.js');
    await markWrong(id, opts, stdoutLine);
  });

program
  .command('learnings')
  .description('what was learned, newest first, with its sources (GET /v1/learnings)')
  .option('--project <name>', 'only this project (default: $MEMFLOW_PROJECT, else every project)')
  .option('--limit <n>', 'page size, 1 to 100')
  .option('--cursor <cursor>', 'continue from a previous page')
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (opts: { project?: string; limit?: string; cursor?: string; json?: boolean; url?: string }) => {
    const { learnings } = await import('./memories-cmd.js');
    await learnings(opts, stdoutLine);
  });

type WaitOpts = { wait?: boolean; json?: boolean; url?: string };
const waitOption = () => new Option('--wait', "follow the job until it ends (progress dots on stderr); exit non-zero unless it succeeded");

const backup = program.command('backup').description("admin: back up this tenant's memories (POST/GET /v1/admin/backups)");
backup
  .command('create', { isDefault: true })
  .description('start a backup; prints its id and job id')
  .addOption(waitOption())
  .option('--json', 'print the API document as JSON (with --wait: the finished job)')
  .addOption(urlOption())
  .action(async (opts: WaitOpts) => {
    const { backupCreate } = await import('./admin-cmd.js');
    await backupCreate(opts, stdoutLine);
  });
backup
  .command('list')
  .description("the tenant's backups, newest first")
  .option('--json', 'print the API document as JSON')
  .addOption(urlOption())
  .action(async (opts: { json?: boolean; url?: string }) => {
    const { backupList } = await import('./admin-cmd.js');
    await backupList(opts, stdoutLine);
  });

program
  .command('restore')
  .description('admin: restore what is missing from a backup (POST /v1/admin/restore)')
  .argument('<backupId>', 'a backup id, as printed by `memflow backup list`')
  .option('--project <name>', 'only this project')
  .option('--include-erased', 'also bring back projects erased since the backup')
  .addOption(waitOption())
  .option('--json', 'print the API document as JSON (with --wait: the finished job)')
  .addOption(urlOption())
  .action(async (id: string, opts: WaitOpts & { project?: string; includeErased?: boolean }) => {
    const { restore } = await import('./admin-cmd.js');
    await restore(id, opts, stdoutLine);
  });

program
  .command('erase')
  .description('admin: irreversibly erase a project everywhere (DELETE /v1/projects/{project}); needs --yes')
  .argument('<project>', 'the project name')
  .option('--yes', 'confirm: without it nothing is erased (exit 2)')
  .addOption(waitOption())
  .option('--json', 'print the API document as JSON (with --wait: the finished job)')
  .addOption(urlOption())
  .action(async (project: string, opts: WaitOpts & { yes?: boolean }) => {
    const { erase } = await import('./admin-cmd.js');
    await erase(project, opts, stdoutLine, errLine);
  });

const redact = program
  .command('redact')
  .description('check text against the redaction rules (--check), or re-apply them to what is stored (rescan)')
  .option('--check', 'read text on stdin and show what would be redacted (rule, position, value masked); sends nothing')
  .option('--show', 'with --check: also print the redacted text')
  .option('--rules <file>', 'with --check: also apply this tenant rules file (the MEMFLOW_REDACTION_RULES format)')
  .option('--tenant <name>', "with --rules: only that tenant's rules (name or id)")
  .option('--json', 'machine-readable output')
  .action(async (opts: { check?: boolean; show?: boolean; json?: boolean; rules?: string; tenant?: string }) => {
    if (!opts.check) throw new CliError('say what to do: `memflow redact --check < file` or `memflow redact rescan`', 2);
    const { redactCheck } = await import('./redact-cmd.js');
    await redactCheck(opts, stdoutLine);
  });
redact
  .command('rescan')
  .description("admin: re-apply the current redaction rules to everything stored for the tenant (POST /v1/admin/redaction/rescan)")
  .addOption(waitOption())
  .option('--json', 'print the API document as JSON (with --wait: the finished job)')
  .addOption(urlOption())
  .action(async (opts: WaitOpts) => {
    const { redactRescan } = await import('./redact-cmd.js');
    await redactRescan(opts, stdoutLine);
  });

// remember, correct, forget, memories; one default scope (the repository's project) for search, learnings, memories and sessions.
if (!isHook) {
  const { registerMemoryCommands } = await import('./register-memory.js');
  registerMemoryCommands(program, urlOption);
}

program.parseAsync(process.argv).catch(fail);
