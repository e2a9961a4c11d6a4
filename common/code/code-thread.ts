/**
 * The parser behind a thread of its own (code-worker.ts), for the relay: `names` and `loadAll` as
 * CodeReader's (code-names.ts), answered by the worker, so that a grammar's load or a long file's
 * parse never holds the relay's thread (measured on this machine at load 30: loading the five
 * grammars on the relay's thread held it for up to 1.4 s, and a file touch's read of the API, waiting
 * behind it, missed its budget). The worker starts on first use and does not keep the process alive.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CODE_LANGUAGES, type CodeLanguage } from './code-language.js';
import type { CodeNames } from './code-names.js';
import type { CodeAnswer, CodeAsk } from './code-worker.js';

/** The worker module's name: code-worker.ts here, code-worker.mjs in a bundle. */
const WORKER = 'code-worker';

/**
 * The worker's module, wherever this code runs: the client package's bundle (lib/code-worker.mjs beside
 * the chunk, or beside the entry memflow.js), the built server's (code-worker.js beside this file), else this checkout's TypeScript source — beside this file
 * (tsx, and the checkout's own CLI bundle, which keeps each source's import.meta.url), or found from the
 * checkout's cli/memflow.js (the hook bundle, which does not) — loaded through the checkout's tsx loader,
 * registered in the worker (a worker does not inherit the `--import tsx` of its process).
 */
function startWorker(): Worker {
  const entry = process.argv[1] ? path.dirname(fs.realpathSync(process.argv[1])) : undefined;
  const bundled = [fileURLToPath(new URL(`./${WORKER}.mjs`, import.meta.url)), fileURLToPath(new URL(`./${WORKER}.js`, import.meta.url)), ...(entry ? [path.join(entry, 'lib', `${WORKER}.mjs`)] : [])].find((f) => fs.existsSync(f));
  if (bundled) return new Worker(pathToFileURL(bundled));
  const source = [fileURLToPath(new URL(`./${WORKER}.ts`, import.meta.url)), ...(entry ? [path.join(entry, '..', 'common', 'code', `${WORKER}.ts`)] : [])].find((f) => fs.existsSync(f));
  if (!source) throw new Error("the parser's module is not where this installation keeps it");
  const tsx = createRequire(source).resolve('tsx/package.json');
  const api = pathToFileURL(path.join(path.dirname(tsx), 'dist', 'esm', 'api', 'index.mjs')).href;
  return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(source).href)}); });`, { eval: true });
}

export class CodeThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (a: CodeAnswer) => void }>();
  private idle: NodeJS.Timeout | undefined;

  /**
   * `idleMs` > 0: the worker stops once it has had nothing to do that long (its grammars' memory, ~45 MB, given
   * back), and starts again at the next ask (the relay's read-ahead thread: busy at prompts, idle between sessions).
   */
  constructor(private readonly idleMs = 0) {}

  private ask(message: Omit<CodeAsk, 'id'>): Promise<CodeAnswer> {
    clearTimeout(this.idle);
    if (!this.worker) {
      let worker: Worker;
      try {
        worker = startWorker();
      } catch (err) {
        return Promise.resolve({ id: 0, error: (err as Error).message });
      }
      worker.unref();
      worker.on('message', (a: CodeAnswer) => {
        this.waiting.get(a.id)?.resolve(a);
        this.waiting.delete(a.id);
        if (this.idleMs > 0 && this.waiting.size === 0) {
          clearTimeout(this.idle);
          this.idle = setTimeout(() => {
            if (this.waiting.size > 0 || this.worker !== worker) return;
            this.worker = undefined;
            void worker.terminate();
          }, this.idleMs);
          this.idle.unref();
        }
      });
      // A dead worker fails what waits on it; the next ask starts another. One stopped on purpose (idle, or closed) is no
      // longer `this.worker` by then: what waits now is the next worker's, not failed by the old one's exit.
      const fail = (why: string) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.failWaiting(why);
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

  /** Whether the worker is running (it starts at the first ask, and with `idleMs` stops when idle). */
  get alive(): boolean {
    return this.worker !== undefined;
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

  /**
   * The names `file` defines and imports when its text mentions one of `identifiers` (a word of it is one),
   * else undefined: read, scanned and parsed in the worker, nothing of it on the caller's thread.
   */
  async namesOfFile(language: CodeLanguage, file: string, identifiers: readonly string[]): Promise<CodeNames | undefined> {
    const a = await this.ask({ language, file, identifiers });
    if (a.error) throw new Error(a.error);
    if (a.unmentioned) return undefined;
    if (!a.names) throw new Error('no answer from the parser');
    return a.names;
  }

  /** Stops the worker (the relay's close). */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const w = this.worker;
    this.worker = undefined;
    this.failWaiting("the parser's thread was stopped");
    await w?.terminate();
  }

  private failWaiting(why: string): void {
    for (const [id, w] of this.waiting) w.resolve({ id, error: why });
    this.waiting.clear();
  }
}
