/**
 * The parser's own thread (code-thread.ts starts it): loading a grammar (compiling its WebAssembly)
 * and parsing a file of a few thousand lines take tens to hundreds of milliseconds of CPU, which on
 * the relay's one thread would hold every other hook of every session. Here they hold only this
 * thread. Messages: `{ id, load: [languages] }` loads grammars; `{ id, language, text }` answers
 * `{ id, names }` (code-names.ts), or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { CodeReader } from './code-names.js';
import type { CodeLanguage } from './code-language.js';

type Ask = { id: number; load?: CodeLanguage[]; language?: CodeLanguage; text?: string };

const reader = new CodeReader();
parentPort?.on('message', (m: Ask) => {
  const work = m.load ? Promise.all(m.load.map((l) => reader.load(l))).then(() => ({ id: m.id })) : reader.names(m.language!, m.text ?? '').then((names) => ({ id: m.id, names }));
  work.then(
    (answer) => parentPort!.postMessage(answer),
    (err: Error) => parentPort!.postMessage({ id: m.id, error: err.message }),
  );
});
