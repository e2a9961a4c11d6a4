/**
 * Where the workflow code the worker bundles lives. A module of its own so that what bundles or
 * replays workflows without running a worker (the build, the replay tests) does not load every
 * activity and its clients to learn it.
 */
import { fileURLToPath } from 'node:url';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
