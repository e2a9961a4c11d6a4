/**
 * The entry of `memflow hook` and `memflow relay run` without commander: memflow.js runs it from a
 * prebuilt bundle (see hook-fast.js) so that a hook costs one Node start-up and nothing more.
 * `hook` arguments: `<event>`, an optional `--url <url>`, and `--relay` when the bash fast path
 * (memflow-hook) found the relay down: the relay is then started in the background for the next
 * events while this one is delivered directly. Anything else is ignored (hooks must never fail on
 * their command line).
 */
import { runHook } from './hook.js';
import { runRelay } from './relay/lifecycle.js';

export function parseHookArgs(args: readonly string[]): { event: string; url?: string; relay: boolean } {
  let event: string | undefined;
  let url: string | undefined;
  let relay = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--url') url = args[++i];
    else if (a.startsWith('--url=')) url = a.slice('--url='.length);
    else if (a === '--relay') relay = true;
    else if (!a.startsWith('-') && event === undefined) event = a;
  }
  return { event: event ?? '', ...(url ? { url } : {}), relay };
}

/** `argv` as in process.argv: [node, memflow.js, 'hook' | 'relay', ...]. */
export async function main(argv: readonly string[]): Promise<void> {
  if (argv[2] === 'relay') {
    const i = argv.indexOf('--port');
    const port = i > 0 ? Number(argv[i + 1]) : undefined;
    return runRelay(port && Number.isInteger(port) ? port : undefined);
  }
  const { event, url, relay } = parseHookArgs(argv.slice(3));
  if (relay) {
    const { spawnRelay } = await import('./relay/lifecycle.js');
    try {
      spawnRelay();
    } catch {
      // the event is still delivered (or spooled) below
    }
  }
  await runHook(event, url ? { url } : {});
}
