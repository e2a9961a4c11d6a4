/** Options several `memflow` commands share, defined once. */
import { Option, type Command } from 'commander';

export const urlOption = () => new Option('--url <url>', 'memflow API base URL (default: $MEMFLOW_URL or http://127.0.0.1:$MEMFLOW_PORT, port 7711)');

export type ListOpts = { project?: string; limit?: string; cursor?: string; all?: boolean; json?: boolean; url?: string };
/** The paging options of a command that lists. */
export const listOptions = (cmd: Command) =>
  cmd
    .option('--project <name>', 'only this project')
    .option('--limit <n>', 'page size')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow every page')
    .option('--json', 'print the API document as JSON')
    .addOption(urlOption());

export type WaitOpts = { wait?: boolean; json?: boolean; url?: string };
export const waitOption = () => new Option('--wait', "follow the job until it ends (progress dots on stderr); exit non-zero unless it succeeded");
