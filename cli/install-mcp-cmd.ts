/** The MCP half of `memflow install`: registers the server and says what to do next. */
import fs from 'node:fs';
import path from 'node:path';
import { apiBaseUrl } from './env.js';
import { installMcp } from './install-mcp.js';
import { JsonFileError } from './json-file.js';
import { CliError } from './output.js';

/** Whether `memflow` resolves on PATH (what Claude Code will run for the stdio server). */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && fs.existsSync(path.join(dir, command)));
}

export function registerMcp(opts: { http?: boolean; global?: boolean; url?: string }, out: (line: string) => void): void {
  let r;
  try {
    r = installMcp({ ...(opts.http ? { http: true } : {}), ...(opts.global ? { global: true } : {}), defaultUrl: apiBaseUrl(opts.url) });
  } catch (err) {
    if (err instanceof JsonFileError) throw new CliError(err.message);
    throw err;
  }
  out(`  ${r.result.padEnd(9)} MCP server "memflow" (${opts.http ? 'http: the API\'s /mcp' : 'stdio: memflow mcp'}) in ${r.file}`);
  if (!opts.http && !onPath('memflow')) {
    out('Note: `memflow` is not on PATH; Claude Code starts the MCP server with it. Run `npm link` in the memflow checkout (or install the package globally).');
  }
}
