/**
 * Checks of the client commands' options, done before any request so that a typo is one clear line
 * naming the flag rather than an API 400 (or a silently ignored value).
 */
import { resolveProject } from '../common/workspace/project-naming.js';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { CliError } from './output.js';

/** An integer from `min` to `max`, or undefined when the flag was not given. */
export function intOption(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag} must be an integer from ${min} to ${max}, not '${raw}'`);
  return n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A memory id as the API takes it (search prints them in full). */
/** A memory id: a UUID, or its first 8+ hex digits (as the MCP tools and indexes show them). */
const MEMORY_REF = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}(?:-[0-9a-f]{1,4}){0,3}(?:-[0-9a-f]{1,12})?)$/i;

export function memoryId(raw: string): string {
  if (!MEMORY_REF.test(raw)) throw new CliError(`'${raw}' is not a memory id (a UUID, or its first 8 or more hex digits, as printed by \`memflow search\`)`);
  return raw.toLowerCase();
}

export function backupId(raw: string): string {
  if (!UUID.test(raw)) throw new CliError(`'${raw}' is not a backup id (a UUID, as printed by \`memflow backup list\`)`);
  return raw.toLowerCase();
}

/** `--project`, else $MEMFLOW_PROJECT; undefined means every project of the tenant. */
export const projectOption = (flag: string | undefined): string | undefined => flag ?? parseClientConfig().MEMFLOW_PROJECT;

/** A project is required: `--project`, $MEMFLOW_PROJECT, else the current directory's, named as the hooks name it. */
export const projectOrCwd = (flag: string | undefined): string => projectOption(flag) ?? resolveProject(process.cwd(), { cache: false });
