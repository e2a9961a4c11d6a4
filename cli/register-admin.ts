/**
 * The admin key's commands, registered on the `memflow` program: backup, restore, erase, and redact
 * (its local `--check` and the stored data's `rescan`). Each action loads its module only when it runs.
 */
import type { Command } from 'commander';
import { CliError, stderrLine, stdoutLine } from './output.js';
import { urlOption, waitOption, type WaitOpts } from './command-options.js';
import type { RederiveOpts } from './rederive-cmd.js';

export function registerAdminCommands(program: Command): void {
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
      await erase(project, opts, stdoutLine, stderrLine);
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

  const rederive = program
    .command('rederive')
    .description("admin: derive a project's summaries and learnings again with another summarizer (POST /v1/projects/{project}/rederive)")
    .argument('[project]', 'the project name')
    .option('--summarizer <name>', 'offline, or claude (the worker needs ANTHROPIC_API_KEY)')
    .option('--dry-run', 'only estimate the tokens and cost; nothing is derived')
    .option('--page-size <n>', 'sessions per step (default 25)')
    .addOption(waitOption())
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (project: string | undefined, opts: RederiveOpts) => {
      if (!project) throw new CliError('say which project: `memflow rederive <project> --summarizer claude`', 2);
      const { rederiveStart } = await import('./rederive-cmd.js');
      await rederiveStart(project, opts, stdoutLine, stderrLine);
    });
  for (const [name, what] of [
    ['status', 'where a derivation stands (--wait: follow it)'],
    ['cancel', 'admin: cancel a running derivation; the served one stays'],
    ['resume', 'admin: resume a cancelled or failed derivation (derived sessions are skipped; --page-size as when started)'],
  ] as const) {
    rederive
      .command(name)
      .description(what)
      .argument('<id>', 'the derivation id')
      .option('--page-size <n>', 'resume: sessions per step (default 25)')
      .addOption(waitOption())
      .option('--json', 'print the API document as JSON')
      .addOption(urlOption())
      .action(async (id: string, _own: RederiveOpts, command: Command) => {
        // --wait, --json and --url are the parent's options too: commander may have parsed them there.
        const opts = command.optsWithGlobals<RederiveOpts>();
        const cmd = await import('./rederive-cmd.js');
        if (name === 'status') await cmd.rederiveStatus(id, opts, stdoutLine, stderrLine);
        else if (name === 'cancel') await cmd.rederiveCancel(id, opts, stdoutLine);
        else await cmd.rederiveResume(id, opts, stdoutLine, stderrLine);
      });
  }
  rederive
    .command('list')
    .description("a project's derivations, newest first")
    .argument('<project>', 'the project name')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption())
    .action(async (project: string, _own: RederiveOpts, command: Command) => {
      const { rederiveList } = await import('./rederive-cmd.js');
      await rederiveList(project, command.optsWithGlobals<RederiveOpts>(), stdoutLine);
    });
}
