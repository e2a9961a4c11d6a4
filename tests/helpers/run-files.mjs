/**
 * One node:test run over files in the order given, for tests/run.ts: `node --test` sorts the files
 * it is handed by name, so a list ordered longest first would start in name order; the run() API
 * starts them as listed. Its argument is JSON: { files, concurrency, spec, tap, times } (spec is a
 * file or "stdout"); it writes the spec, TAP and file-times reports (./file-times.mjs) there and
 * exits 1 when a test failed. A file that runs longer than MEMFLOW_TEST_FILE_TIMEOUT_S (900 s) fails there
 * and is stopped, so one hang costs the run a quarter of an hour, not CI's whole time. Started with the runner's --import flags, which run() hands on to each
 * file's process.
 * (Plain JS: loaded before tsx's hooks would apply to it.)
 */
import fs from 'node:fs';
import { compose } from 'node:stream';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import fileTimes from './file-times.mjs';

const opts = JSON.parse(process.argv[2]);
const timeoutS = Number(process.env.MEMFLOW_TEST_FILE_TIMEOUT_S ?? 900);
const stream = run({ files: opts.files, concurrency: opts.concurrency, timeout: timeoutS * 1000 });
stream.setMaxListeners(20); // one listener per reporter and per file: not a leak
let failed = false;
stream.on('test:fail', () => (failed = true));
const out = (dest) => (dest === 'stdout' ? process.stdout : fs.createWriteStream(dest));
compose(stream, new spec()).pipe(out(opts.spec));
compose(stream, tap).pipe(out(opts.tap));
compose(stream, fileTimes).pipe(out(opts.times));
stream.on('end', () => {
  process.exitCode = failed ? 1 : 0;
});
