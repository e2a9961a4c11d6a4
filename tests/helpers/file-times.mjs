/**
 * A node:test reporter for tests/run.ts: each test file's wall time, from the moment its process is
 * started to the moment it is complete (its last test and its after hooks), written as
 * "seconds<TAB>file" lines, slowest first. The TAP copy has each test's duration but not the file's:
 * a file's `before` hooks (its servers, its agent CLIs) are in no test's duration.
 * Both ends are events node:test emits as they happen (`test:dequeue` when it starts the file's
 * process, `test:complete` when the file is done); a file's other events (its results) are held
 * back until every file before it in the list has reported, so the last of them would give a short
 * file that ran beside a long one the long one's end.
 * (Plain JS: node loads a reporter before the --import'ed tsx hooks apply.)
 */
import path from 'node:path';

/** @param {AsyncIterable<{ type: string; data?: { file?: string; name?: string } }>} source */
export default async function* fileTimes(source) {
  /** @type {Map<string, number>} */
  const start = new Map();
  /** @type {Map<string, number>} */
  const end = new Map();
  /** @type {Map<string, number>} */
  const last = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    const now = performance.now();
    const isFile = event.data?.name === file;
    if (event.type === 'test:dequeue' && isFile && !start.has(file)) start.set(file, now);
    else if (event.type === 'test:complete' && isFile) end.set(file, now);
    else last.set(file, now);
  }
  // (A file with no complete event, a crashed runner, falls back to its last event.)
  const times = [...start].map(([file, t]) => /** @type {const} */ ([file, ((end.get(file) ?? last.get(file) ?? t) - t) / 1000]));
  for (const [file, s] of times.sort((a, b) => b[1] - a[1])) yield `${s.toFixed(1)}\t${path.relative(process.cwd(), file)}\n`;
}
