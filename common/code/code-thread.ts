/**
 * The parser behind a thread of its own (code-worker.ts), for the relay: `names` and `loadAll` as
 * CodeReader's (code-names.ts), answered by the worker, so that a grammar's load or a long file's
 * parse never holds the relay's thread (measured on this machine at load 30: loading the five
 * grammars on the relay's thread held it for up to 1.4 s, and a file touch's read of the API, waiting
 * behind it, missed its budget). The worker starts on first use and does not keep the process alive.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CODE_LANGUAGES, type CodeLanguage } from './code-language.js';
import type { CodeNames } from './code-names.js';

/**
 * The worker: the bundle's module (lib/code-worker.mjs in the client package), else this checkout's
 * TypeScript source, loaded through tsx's loader (registered in the worker: a worker does not inherit
 * the `--import tsx` of its process).
 */
function startWorker(): Worker {
  const bundled = new URL('./code-worker.mjs', import.meta.url);
  if (fs.existsSync(fileURLToPath(bundled))) return new Worker(bundled);
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = new URL('./code-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`, { eval: true });
}

type Answer = { id: number; names?: CodeNames; error?: string };

export class CodeThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (a: Answer) => void }>();

  private ask(message: Record<string, unknown>): Promise<Answer> {
    if (!this.worker) {
      const worker = startWorker();
      worker.unref();
      worker.on('message', (a: Answer) => {
        this.waiting.get(a.id)?.resolve(a);
        this.waiting.delete(a.id);
      });
      // A dead worker fails what waits on it; the next ask starts another.
      const fail = (why: string) => {
        if (this.worker === worker) this.worker = undefined;
        for (const [id, w] of this.waiting) w.resolve({ id, error: why });
        this.waiting.clear();
      };
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => fail(`the parser's thread exited (${code})`));
      this.worker = worker;
    }
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve });
      this.worker!.postMessage({ id, ...message });
    });
  }

  /** Loads the grammars in the worker ahead of use (nobody waits on it). */
  async loadAll(languages: readonly CodeLanguage[] = CODE_LANGUAGES): Promise<void> {
    const a = await this.ask({ load: languages });
    if (a.error) throw new Error(a.error);
  }

  /** The names `text` defines and imports (code-names.ts), parsed in the worker. */
  async names(language: CodeLanguage, text: string): Promise<CodeNames> {
    const a = await this.ask({ language, text });
    if (a.error || !a.names) throw new Error(a.error ?? 'no answer from the parser');
    return a.names;
  }

  /** Stops the worker (the relay's close). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
