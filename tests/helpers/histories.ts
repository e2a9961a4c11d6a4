/**
 * Replay fixtures: the first run of a test saves a real workflow history here (committed), and the
 * replay tests run every saved history against the current workflow code, so a change that breaks
 * determinism for running workflows fails the suite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories', import.meta.url));

/** Saves the handle's history as `name`.json unless a fixture of that name exists. */
export async function keepHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, historyToJSON(await handle.fetchHistory()));
}

/**
 * Replays every saved history whose file name starts with `prefix` against `bundle`; throws
 * DeterminismViolationError (or another replay error) when the code no longer fits. Returns the
 * files replayed.
 */
export async function replaySavedHistories(bundle: WorkflowBundle, prefix = ''): Promise<string[]> {
  const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history);
  }
  return files;
}
