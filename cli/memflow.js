#!/usr/bin/env node
// memflow's bin. Plain JS so Node can start it directly; it registers tsx's ESM loader with
// memflow's own tsconfig (not the one of whatever project the hook runs in) and loads main.ts.
// `memflow hook` first tries its prebuilt bundle (hook-fast.js), which skips tsx's start-up cost.
// `memflow hook` must never break the agent: if even loading fails (node_modules missing, a
// syntax error), it still prints `{}` and exits 0.
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const isHook = args[0] === 'hook';
const isRelayRun = args[0] === 'relay' && args[1] === 'run';

// The prebuilt bundle lives in the cache, not beside this file: tell it which bin starts the relay.
process.env.MEMFLOW_RELAY_ENTRY ??= fileURLToPath(import.meta.url);

let handled = false;
if ((isHook || isRelayRun) && !args.includes('--help') && !args.includes('-h')) {
  const fast = await import('./hook-fast.js').then((m) => m.loadHookBundle()).catch(() => undefined);
  // A hook exits the process; the relay's server keeps it alive until it stops.
  if (fast) await fast.main(process.argv);
  handled = Boolean(fast);
}

if (!handled) {
  try {
    const { register } = await import('tsx/esm/api');
    register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
    await import('./main.ts');
  } catch (err) {
    if (!isHook) throw err;
    process.stderr.write(`memflow hook: could not start (${String(err && err.message ? err.message : err).split('\n')[0]})\n`);
    process.stdout.write('{}\n');
    process.exitCode = 0;
  }
}
