/**
 * The parser's own thread (code-thread.ts starts it): loading a grammar (compiling its WebAssembly)
 * and parsing a file of a few thousand lines take tens to hundreds of milliseconds of CPU, which on
 * the relay's one thread would hold every other hook of every session. Here they hold only this
 * thread. Messages: `{ id, load: [languages] }` loads grammars; `{ id, language, text }` answers
 * `{ id, names }` (code-names.ts); `{ id, language, file, identifiers }` reads the file here too and
 * answers `{ id, names }` when its text mentions one of `identifiers` (code-words.ts), else
 * `{ id, unmentioned: true }` (the relay's read-ahead: nothing of it on the relay's thread); any of
 * them may answer `{ id, error }`.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { CodeReader, type CodeNames } from './code-names.js';
import type { CodeLanguage } from './code-language.js';
import { mentionsAnyOrPhrase, phrasesAmong } from './code-words.js';

/** What the parser's thread is asked (code-thread.ts sends it), and what it answers. */
export type CodeAsk = { id: number; load?: readonly CodeLanguage[]; language?: CodeLanguage; text?: string; file?: string; identifiers?: readonly string[] };
export type CodeAnswer = { id: number; names?: CodeNames; unmentioned?: true; error?: string };

const reader = new CodeReader();
/** The last identifiers asked with, as a Set (a read-ahead sends the same list for every file). */
let lastIdentifiers: { list: readonly string[]; set: ReadonlySet<string>; phrases: ReadonlySet<string> } = { list: [], set: new Set(), phrases: new Set() };

async function fileNames(m: CodeAsk): Promise<CodeAnswer> {
  const text = await fs.promises.readFile(m.file!, 'utf8');
  const list = m.identifiers ?? [];
  if (lastIdentifiers.list.length !== list.length || lastIdentifiers.list.some((w, i) => w !== list[i])) lastIdentifiers = { list, set: new Set(list), phrases: phrasesAmong(list) };
  if (!mentionsAnyOrPhrase(text, lastIdentifiers.set, lastIdentifiers.phrases)) return { id: m.id, unmentioned: true };
  return { id: m.id, names: await reader.names(m.language!, text) };
}

parentPort?.on('message', (m: CodeAsk) => {
  const work: Promise<CodeAnswer> = m.load
    ? Promise.all(m.load.map((l) => reader.load(l))).then(() => ({ id: m.id }))
    : m.file
      ? fileNames(m)
      : reader.names(m.language!, m.text ?? '').then((names) => ({ id: m.id, names }));
  work.then(
    (answer) => parentPort!.postMessage(answer),
    (err: Error) => parentPort!.postMessage({ id: m.id, error: err.message }),
  );
});
