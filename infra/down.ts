/** `npm run down`: stops the API, the worker, Weaviate and the Temporal dev server of the dev stack. Data stays. */
import { getProfile } from './profile.js';
import { stopApp } from './processes.js';
import { stopStack } from './stack.js';

const log = (line: string) => console.log(`[down] ${line}`);

async function main(): Promise<void> {
  const at = process.argv.indexOf('--profile');
  if (at > 0 && process.argv[at + 1] === 'cluster') {
    const { downCluster } = await import('./cluster/up.js');
    return downCluster(getProfile('cluster'), log);
  }
  const profile = getProfile('dev');
  for (const name of ['api', 'worker'] as const) log(`${name}: ${(await stopApp(profile, name)) ? 'stopped' : 'was not running'}`);
  await stopStack(profile, log);
}

main().catch((err: Error) => {
  console.error(`memflow down: ${err.message}`);
  process.exit(1);
});
