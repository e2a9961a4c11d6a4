/**
 * A node:test reporter for tests/run.ts: each test file's wall time, from the moment its process is
 * started to its last reported event (its last test's result, or output of its after hooks), written
 * as "seconds<TAB>file" lines, slowest first. The TAP copy has each test's duration but not the
 * file's: a file's `before` hooks (its servers, its agent CLIs) are in no test's duration.
 * (Plain JS: node loads a reporter before the --import'ed tsx hooks apply.)
 */
import path from 'node:path';

/** @param {AsyncIterable<{ type: string; data?: { file?: string; name?: string } }>} source */
export default async function* fileTimes(source) {
  /** @type {Map<string, number>} */
  const start = new Map();
  /** @type {Map<string, number>} */
  const last = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    const now = performance.now();
    // The runner dequeues a file (a test named by its path) when it starts the file's process.
    if (event.type === 'test:dequeue' && event.data?.name === file && !start.has(file)) start.set(file, now);
    else last.set(file, now);
  }
  const times = [...start].map(([file, t]) => /** @type {const} */ ([file, ((last.get(file) ?? t) - t) / 1000]));
  for (const [file, s] of times.sort((a, b) => b[1] - a[1])) yield `${s.toFixed(1)}\t${path.relative(process.cwd(), file)}\n`;
}
