/**
 * The operator's commands, registered on the `memflow` program: tenants and API keys, written to the
 * database directly (DATABASE_URL). The client package replaces operator.ts by a stub that says where
 * to run them (cli/package/build.ts); the bin's bundle in a checkout by one that loads it through tsx
 * (cli/cli-fast.js).
 */
import { Option, type Command } from 'commander';
import { stdoutLine } from './output.js';

export function registerOperatorCommands(program: Command): void {
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
    .addOption(
      new Option('--role <role>', "the key's role: reader (reads only), member (agents write; the default), maintainer (also decides on the review inbox) or admin").choices([
        'reader',
        'member',
        'maintainer',
        'admin',
      ]),
    )
    .option('--label <label>', 'a label to recognise the key by')
    .action(async (opts: { tenant: string; admin?: boolean; role?: 'reader' | 'member' | 'maintainer' | 'admin'; label?: string }) => {
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
}
