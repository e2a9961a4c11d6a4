/**
 * The entry of `memflow hook` and `memflow relay run` without commander: memflow.js runs it from a
 * prebuilt bundle (see hook-fast.js) so that a hook costs one Node start-up and nothing more.
 * `hook` arguments: `<event>`, an optional `--url <url>`, `--relay` when the bash fast path
 * (memflow-hook) found the relay down (the relay is then started in the background for the next
 * events while this one is delivered directly), and for agents other than Claude Code
 * `--host <codex|gemini|opencode|copilot>` (then `<event>` is the host's own event name, mapped by
 * its adapter in cli/hosts/) with an optional `--host-version <v>`. Anything else is ignored (hooks
 * must never fail on their command line).
 */
import { runHook } from './capture/hook.js';
import { hostHookOptions } from './hosts/hook-options.js';
import { runRelay } from './relay/lifecycle.js';

export function parseHookArgs(args: readonly string[]): { event: string; url?: string; host?: string; hostVersion?: string; relay: boolean } {
  let event: string | undefined;
  let relay = false;
  const opts: { url?: string; host?: string; hostVersion?: string } = {};
  const flags = { '--url': 'url', '--host': 'host', '--host-version': 'hostVersion' } as const;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a) as keyof typeof flags;
    if (name in flags) opts[flags[name]] = eq > 0 ? a.slice(eq + 1) : args[++i];
    else if (a === '--relay') relay = true;
    else if (!a.startsWith('-') && event === undefined) event = a;
  }
  for (const k of Object.keys(opts) as (keyof typeof opts)[]) if (!opts[k]) delete opts[k];
  return { event: event ?? '', ...opts, relay };
}

/** `argv` as in process.argv: [node, memflow.js, 'hook' | 'relay', ...]. */
export async function main(argv: readonly string[]): Promise<void> {
  if (argv[2] === 'relay') {
    const i = argv.indexOf('--port');
    const port = i > 0 ? Number(argv[i + 1]) : undefined;
    return runRelay(port && Number.isInteger(port) ? port : undefined);
  }
  const { event, url, host, hostVersion, relay } = parseHookArgs(argv.slice(3));
  if (relay) {
    const { ensureRelay, spawnRelay } = await import('./relay/lifecycle.js');
    try {
      // The session's other events are http hooks to the relay: at its start, wait until it listens.
      if (event === 'session-start') await ensureRelay(undefined, 5000);
      else spawnRelay();
    } catch {
      // the event is still delivered (or spooled) below
    }
  }
  await runHook(event, { ...(url ? { url } : {}), ...(host ? { host } : {}), ...(hostVersion ? { hostVersion } : {}), ...hostHookOptions(host, hostVersion) });
}
