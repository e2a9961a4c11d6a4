/**
 * Replay fixtures (tests/fixtures/histories, committed): real workflow histories that the replay test
 * (tests/unit/replay.test.ts) runs against the current workflow code, so a change that breaks
 * determinism for running workflows fails the suite. They are written only by the explicit script
 * `npm run fixtures:histories` (MEMFLOW_RECORD_HISTORIES=1), never as a side effect of a test run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories', import.meta.url));

/** Whether this run records replay fixtures (`npm run fixtures:histories`). */
export const recordingHistories = (): boolean => process.env.MEMFLOW_RECORD_HISTORIES === '1';

/** Saves the handle's history as `name`.json when this run records fixtures; otherwise does nothing. */
export async function keepHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  if (!recordingHistories()) return;
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(await handle.fetchHistory()));
}
