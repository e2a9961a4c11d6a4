#!/usr/bin/env node
// memflow's bin. Plain JS so Node can start it directly; it registers tsx's ESM loader with
// memflow's own tsconfig (not the one of whatever project the hook runs in) and loads main.ts.
// Prebuilt bundles skip tsx's start-up cost: `memflow hook` and `memflow relay run` first try the
// hook's (hook-fast.js), every other command the CLI's (cli-fast.js). Only a bundle that fails to
// build or load falls back to tsx, before any command runs: a command's own error is its answer.
// `memflow hook` must never break the agent: if even loading fails (node_modules missing, a
// syntax error), it still prints `{}` and exits 0.
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const isHook = args[0] === 'hook';
const isRelayRun = args[0] === 'relay' && args[1] === 'run';

// The prebuilt bundles live elsewhere, not beside this file: tell them which bin starts the relay.
process.env.MEMFLOW_RELAY_ENTRY ??= fileURLToPath(import.meta.url);

let handled = false;
if ((isHook || isRelayRun) && !args.includes('--help') && !args.includes('-h')) {
  const fast = await import('./hook-fast.js').then((m) => m.loadHookBundle()).catch(() => undefined);
  // A hook exits the process; the relay's server keeps it alive until it stops.
  if (fast) await fast.main(process.argv);
  handled = Boolean(fast);
} else {
  const bundle = await import('./cli-fast.js').then((m) => m.prepareCliBundle()).catch(() => undefined);
  if (bundle) {
    // Loading main.mjs registers the commands and starts the one asked for without waiting for it:
    // a rejection here is a failure to load (before parseAsync), and main.ts answers for the rest.
    handled = await import(pathToFileURL(bundle.entry).href).then(() => true, () => false);
  }
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
