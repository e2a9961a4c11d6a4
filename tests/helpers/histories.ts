/**
 * Replay fixtures: the first run of a test saves a real workflow history here (committed), and
 * tests/session-workflow.test.ts replays every saved history against the current workflow code, so a
 * change that breaks determinism for running workflows fails the suite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories', import.meta.url));

/** Saves the handle's history as `name`.json unless a fixture of that name exists. */
export async function keepHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, historyToJSON(await handle.fetchHistory()));
}
