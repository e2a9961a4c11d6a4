/**
 * The entry of `memflow hook` without commander: memflow.js runs it from a prebuilt bundle (see
 * hook-fast.js) so that a hook costs one Node start-up and nothing more. Arguments: `<event>` and an
 * optional `--url <url>`; anything else is ignored (hooks must never fail on their command line).
 */
import { runHook } from './hook.js';

export function parseHookArgs(args: readonly string[]): { event: string; url?: string } {
  let event: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--url') url = args[++i];
    else if (a.startsWith('--url=')) url = a.slice('--url='.length);
    else if (!a.startsWith('-') && event === undefined) event = a;
  }
  return { event: event ?? '', ...(url ? { url } : {}) };
}

/** `argv` as in process.argv: [node, memflow.js, 'hook', ...]. */
export async function main(argv: readonly string[]): Promise<never> {
  const { event, url } = parseHookArgs(argv.slice(3));
  return runHook(event, url ? { url } : {});
}
