/**
 * Where the workflow code the worker bundles lives. A module of its own so that what bundles or
 * replays workflows without running a worker (the build, the replay tests) does not load every
 * activity and its clients to learn it.
 */
import path from 'node:path';
import { sourceDir } from '../common/source-path.js';

export const WORKFLOWS_PATH = path.join(sourceDir(import.meta.url), '..', 'workflows', 'index.ts');
