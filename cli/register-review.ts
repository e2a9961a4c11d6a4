/**
 * `memflow review` and its subcommands (cli/review-cmd.ts), registered on the `memflow` program:
 * the review inbox of issue 51. Each action loads its module only when it runs.
 */
import type { Command, Option } from 'commander';
import { stdoutLine } from './output.js';
import { ALL_PROJECTS_HELP, PROJECT_HELP } from './scope.js';

export function registerReviewCommands(program: Command, urlOption: () => Option): void {
  const review = program.command('review').description('the review inbox: learnings a summarizer extracted in a project under review wait here for a maintainer');
  review
    .command('list', { isDefault: true })
    .description('what waits, oldest first, with counts per project and age (GET /v1/review)')
    .option('--project <name>', PROJECT_HELP)
    .option('--all-projects', ALL_PROJECTS_HELP)
    .option('--limit <n>', 'at most this many items, 1 to 100 (default 50)')
    .option('--json', 'print the API documents as JSON')
    .addOption(urlOption())
    .action(async (opts) => {
      const { reviewList } = await import('./review-cmd.js');
      await reviewList(opts, stdoutLine);
    });
  for (const decision of ['approve', 'reject'] as const) {
    review
      .command(decision)
      .description(decision === 'approve' ? 'approve pending learnings: pushed to agents from the next session (maintainer key)' : 'reject pending learnings: never pushed, kept only in their history (maintainer key)')
      .argument('[id...]', 'pending learnings (ids or unambiguous prefixes)')
      .option('--all', 'every pending learning in scope (--project, or the repository; --all-projects)')
      .option('--project <name>', PROJECT_HELP)
      .option('--all-projects', ALL_PROJECTS_HELP)
      .option('--note <text>', 'why (kept in the history and the audit log)')
      .option('--json', 'print the result as JSON')
      .addOption(urlOption())
      .action(async (ids: string[], opts) => {
        const { reviewDecide } = await import('./review-cmd.js');
        await reviewDecide(decision, ids, opts, stdoutLine);
      });
  }
  review
    .command('edit')
    .description('edit a pending learning and approve it: the edited text is what is pushed, attributed to you (maintainer key)')
    .argument('<id>', 'the pending learning')
    .argument('<text...>', 'the learning as it should read')
    .option('--title <title>', 'a title (default: from the text)')
    .option('--note <text>', 'why (kept in the history and the audit log)')
    .option('--json', 'print the result as JSON')
    .addOption(urlOption())
    .action(async (id: string, words: string[], opts) => {
      const { reviewEdit } = await import('./review-cmd.js');
      await reviewEdit(id, words, opts, stdoutLine);
    });
  review
    .command('policy')
    .description("show the project's review policy, or set it: live (extracted learnings go live at once) or review (setting: admin key)")
    .argument('[policy]', 'live or review')
    .option('--project <name>', PROJECT_HELP)
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (policy: string | undefined, opts) => {
      const { reviewPolicy } = await import('./review-cmd.js');
      await reviewPolicy(policy, opts, stdoutLine);
    });
}
