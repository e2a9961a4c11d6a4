#!/usr/bin/env node
// memflow's bin in the packed client (`npm run pack:client`): the CLI bundled by cli/package/build.ts
// into lib/ (plain JavaScript, no TypeScript loader, no dependencies). `memflow hook` and
// `memflow relay run` load only the hook bundle; every other command loads the CLI's. A hook must
// never break the agent: if even loading fails it still prints `{}` and exits 0.
const args = process.argv.slice(2);
const isHook = args[0] === 'hook';
const fast = (isHook || (args[0] === 'relay' && args[1] === 'run')) && !args.includes('--help') && !args.includes('-h');

try {
  if (fast) await (await import('./lib/hook.mjs')).main(process.argv);
  else await import('./lib/main.mjs');
} catch (err) {
  if (!isHook) throw err;
  process.stderr.write(`memflow hook: could not start (${String(err && err.message ? err.message : err).split('\n')[0]})\n`);
  process.stdout.write('{}\n');
  process.exitCode = 0;
}
