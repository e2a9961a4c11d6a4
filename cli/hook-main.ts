/**
 * The entry of `memflow hook` without commander: memflow.js runs it from a prebuilt bundle (see
 * hook-fast.js) so that a hook costs one Node start-up and nothing more. Arguments: `<event>`, an
 * optional `--url <url>`, and for agents other than Claude Code `--host <codex|gemini|opencode|copilot>`
 * (then `<event>` is the host's own event name, mapped by its adapter in cli/hosts/) with an optional
 * `--host-version <v>`; anything else is ignored (hooks must never fail on their command line).
 */
import { runHook } from './hook.js';
import { hostHookOptions } from './hosts/hook-options.js';

export function parseHookArgs(args: readonly string[]): { event: string; url?: string; host?: string; hostVersion?: string } {
  let event: string | undefined;
  const opts: { url?: string; host?: string; hostVersion?: string } = {};
  const flags = { '--url': 'url', '--host': 'host', '--host-version': 'hostVersion' } as const;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a) as keyof typeof flags;
    if (name in flags) opts[flags[name]] = eq > 0 ? a.slice(eq + 1) : args[++i];
    else if (!a.startsWith('-') && event === undefined) event = a;
  }
  for (const k of Object.keys(opts) as (keyof typeof opts)[]) if (!opts[k]) delete opts[k];
  return { event: event ?? '', ...opts };
}

/** `argv` as in process.argv: [node, memflow.js, 'hook', ...]. */
export async function main(argv: readonly string[]): Promise<never> {
  const { event, url, host, hostVersion } = parseHookArgs(argv.slice(3));
  return runHook(event, { ...(url ? { url } : {}), ...hostHookOptions(host, hostVersion) });
}
