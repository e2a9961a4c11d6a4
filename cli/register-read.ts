/**
 * The commands that read what memflow keeps, registered on the `memflow` program: sessions and their
 * timelines, search, show, context, learnings, and `wrong` (retract a learning). Each action loads its
 * module only when it runs.
 */
import { Option, type Command } from 'commander';
import { stderrLine, stdoutLine } from './output.js';
import type { SearchOptions } from './search-cmd.js';
import { SEARCH_MODES } from '../messages/record-types-v1.js';
import { listOptions, urlOption, type ListOpts } from './command-options.js';

export function registerReadCommands(program: Command): void {
  program
    .command('login')
    .description("sign in through your organization's OpenID provider (device authorization): a personal key, kept for the other commands")
    .addOption(urlOption())
    .action(async (opts: { url?: string }) => {
      const { login } = await import('./login-cmd.js');
      await login(opts, stdoutLine, stderrLine);
    });
  program
    .command('logout')
    .description('sign out: the key `memflow login` minted is revoked and forgotten')
    .action(async () => {
      const { logout } = await import('./login-cmd.js');
      await logout(stdoutLine);
    });
  program
    .command('whoami')
    .description('who MEMFLOW_API_KEY is (GET /v1/me): tenant, person, role, project roles, projects it may touch')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (opts: { json?: boolean; url?: string }) => {
      const { whoami } = await import('./whoami-cmd.js');
      await whoami(opts, stdoutLine);
    });

  const sessions = program.command('sessions').description('list and inspect captured sessions (GET /v1/sessions)');
  listOptions(sessions.command('list', { isDefault: true }).description('list sessions, newest first')).action(async (opts: ListOpts) => {
    const { sessionsList } = await import('./sessions-cmd.js');
    await sessionsList(opts, stdoutLine);
  });
  sessions
    .command('show')
    .description('one session: status, event count, summary')
    .argument('<id>', "the agent's session_id, or the shortest prefix of it that is unique")
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
  listOptions(sessions.command('timeline').description("a session's timeline, in event order").argument('<id>', "the agent's session_id, or a unique prefix of it")).action(
    timelineAction,
  );
  listOptions(program.command('timeline').description("a session's timeline, in event order").argument('<id>', "the agent's session_id, or a unique prefix of it")).action(
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
    .option('--pending', 'also learnings waiting for review, marked [pending review] (agents are never given them)')
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
    .option('--explain', 'on stderr: each item, its tokens and why it was chosen, then what uptake left out and why')
    .addOption(urlOption())
    .action(async (opts: { project?: string; tokens?: string; json?: boolean; url?: string; check?: boolean; agent?: string; explain?: boolean }) => {
      const { context } = await import('./context-cmd.js');
      await context(opts, stdoutLine, stderrLine);
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
}
