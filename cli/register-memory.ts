/**
 * The commands a person uses on what memflow keeps, registered on the `memflow` program: remember,
 * correct, forget, memories (list, show), and one default scope (cli/scope.ts) for search,
 * learnings, memories and sessions: `--all-projects` beside their `--project`, and `sessions --find`
 * and `--agent`. Each action loads its module only when it runs.
 */
import { Option, type Command } from 'commander';
import { stdoutLine } from './output.js';
import { ALL_PROJECTS_HELP, PROJECT_HELP } from './scope.js';

type UrlOption = () => Option;

/** `--project` says the new default, and `--all-projects` is beside it, on a command defined elsewhere. */
function scoped(cmd: Command | undefined): void {
  if (!cmd) return;
  const project = cmd.options.find((o) => o.long === '--project');
  if (project) project.description = PROJECT_HELP;
  else cmd.option('--project <name>', PROJECT_HELP);
  cmd.option('--all-projects', ALL_PROJECTS_HELP);
}

export function registerMemoryCommands(program: Command, urlOption: UrlOption): void {
  const named = (name: string, parent: Command = program) => parent.commands.find((c) => c.name() === name);
  scoped(named('search'));
  scoped(named('learnings'));
  named('learnings')?.addOption(new Option('--status <status>', 'active (default), superseded or all').choices(['active', 'superseded', 'all']));
  const sessions = named('sessions');
  const list = sessions && named('list', sessions);
  scoped(list);
  list?.option('--find <words>', 'only sessions whose title, first prompt, project or id holds every word').option('--agent <name>', 'only sessions of this agent (e.g. claude-code)');

  program
    .command('remember')
    .description('state a memory (POST /v1/memories): redacted, kept as yours, searchable at once, handed to the next session')
    .argument('<text...>', 'what to remember')
    .option('--kind <kind>', 'fact (default), decision, convention, pattern, gotcha or fix')
    .option('--title <title>', 'a short title (default: from the text)')
    .option('--tags <list>', 'comma-separated tags')
    .option('--project <name>', PROJECT_HELP)
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (words: string[], opts) => {
      const { remember } = await import('./remember.js');
      await remember(words, opts, stdoutLine);
    });

  program
    .command('correct')
    .description('supersede a learning with what is true, with the reason (POST /v1/learnings/{id}/correct); kept in its history, audited')
    .argument('<id>', 'the learning (its id or an unambiguous prefix)')
    .argument('<text...>', 'what is true instead')
    .requiredOption('--reason <text>', 'why the learning was wrong')
    .option('--title <title>', 'a title for the corrected learning')
    .option('--kind <kind>', 'the corrected learning\'s kind (default: the old one\'s)')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (id: string, words: string[], opts) => {
      const { correct } = await import('./remember.js');
      await correct(id, words, opts, stdoutLine);
    });

  program
    .command('forget')
    .description('retract a learning with the reason (POST /v1/learnings/{id}/forget): never a silent delete, never injected again')
    .argument('<id>', 'the learning (its id or an unambiguous prefix)')
    .requiredOption('--reason <text>', 'why it should be forgotten')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (id: string, opts) => {
      const { forget } = await import('./remember.js');
      await forget(id, opts, stdoutLine);
    });

  const memories = program.command('memories').description('what memflow keeps for a project: learnings and stated memories (list), whole records (show)');
  memories
    .command('list', { isDefault: true })
    .description('learnings and stated memories, newest first, with their sources (GET /v1/learnings)')
    .option('--project <name>', PROJECT_HELP)
    .option('--all-projects', ALL_PROJECTS_HELP)
    .addOption(new Option('--status <status>', 'active (default), superseded or all').choices(['active', 'superseded', 'all']))
    .option('--limit <n>', 'page size, 1 to 100')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (opts) => {
      const { learnings } = await import('./memories-cmd.js');
      await learnings(opts, stdoutLine);
    });
  memories
    .command('show')
    .description('the whole records of memories by id (GET /v1/memories/{id})')
    .argument('<id...>', 'memory ids (or unambiguous prefixes)')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (ids: string[], opts) => {
      const { show } = await import('./memories-cmd.js');
      await show(ids, opts, stdoutLine);
    });
}
