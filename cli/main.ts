/**
 * The `memflow` command line: the program, its error policy, and the command table, registered by
 * family (register-*.ts). Each command's module is loaded only when that command runs, so the hook
 * client (started by Claude Code on every tool call) loads nothing it does not use.
 *
 * Commands other than `hook` fail with one line on stderr and a non-zero exit; `hook` always
 * exits 0 (see hook.ts).
 */
import { Command, CommanderError } from 'commander';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { CliError } from './output.js';
import { MEMFLOW_VERSION } from '../messages/version.js';
import { urlOption } from './command-options.js';
import { registerAgentCommands } from './register-agent.js';
import { registerOperatorCommands } from './register-operator.js';
import { registerReadCommands } from './register-read.js';
import { registerAdminCommands } from './register-admin.js';

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

// In this order: it is the order `memflow --help` lists them in.
registerAgentCommands(program);
registerOperatorCommands(program);
registerReadCommands(program);
registerAdminCommands(program);

// remember, correct, forget, memories; one default scope (the repository's project) for search, learnings, memories and sessions.
if (!isHook) {
  const { registerMemoryCommands } = await import('./register-memory.js');
  registerMemoryCommands(program, urlOption);
  const { registerReviewCommands } = await import('./register-review.js');
  registerReviewCommands(program, urlOption);
}

program.parseAsync(process.argv).catch(fail);
