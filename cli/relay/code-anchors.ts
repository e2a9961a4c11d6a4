/**
 * The push at the code, on the agent's machine: which of the identifiers the project's rules are
 * anchored to (GET /v1/context/files `identifiers`) a file the agent is about to touch defines or
 * imports. The relay reads the file itself (its content never leaves the machine), parses it with
 * tree-sitter (common/code/code-names.ts) and intersects the names with the project's identifiers;
 * what matches is asked about (`anchors`), and what of it this session's earlier prompts named or
 * earlier-touched files imported is the `focus` (the failing test imports exactly the functions under
 * test). Nothing anchored and the path ruled out: nothing is asked (file-answer.ts).
 *
 * Cost on the agent's critical path: the parser runs on a thread of its own (common/code/code-thread.ts),
 * so a parse or a grammar's load never holds another hook. A file is parsed only when its text holds a word that is one of
 * the project's identifiers (a scan of the words, no parse: most files of a project hold none), and a
 * parse is kept by (path, mtime, size). The modules a touched file imports are parsed behind the
 * answer, while the model reads what it was handed, so the module under test is parsed before the
 * agent opens it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fdir } from 'fdir';
import type { CodeNames } from '../../common/code/code-names.js';
import { CodeThread } from '../../common/code/code-thread.js';
import { languageOf, type CodeLanguage } from '../../common/code/code-language.js';
import { mentionsAnyOrPhrase, phrasesAmong, spelledAmong, spelledPhrasesIn, wordsOf } from '../../common/code/code-words.js';

/** Anchors one file touch asks about at most (the API takes at most 64). */
export const MAX_ANCHORS = 64;
/** Larger files are not parsed (a generated or vendored file; its path still counts). */
const MAX_PARSED_BYTES = 1_000_000;
/** Parses kept (by path; a changed mtime or size reads the file again). */
const MAX_PARSES = 2000;
/** Modules one touch warms at most, behind its answer. */
const MAX_WARMED = 8;
/** How long after a touch's answer (and between two modules) a module is parsed: the answer's bytes leave first. */
const WARM_GAP_MS = 20;

/** The read-ahead thread stops after this long with nothing to do (its grammars' memory given back); the next read-ahead starts it. */
const BACKGROUND_IDLE_MS = 120_000;

/** How much of a working tree is read ahead of the agent (prewarm): files, bytes, and how often. */
const PREWARM = { FILES: 5_000, BYTES: 40 * 1024 * 1024, EVERY_MS: 60_000 } as const;
/**
 * A working tree that is no git repository is walked instead (fdir), this deep at most, past folders of
 * dependencies, builds and tools (and any hidden folder); never the home folder, a folder above it, or the root.
 */
const WALK = {
  DEPTH: 8,
  SKIPPED: new Set(['node_modules', 'vendor', 'dist', 'build', 'out', 'target', 'coverage', '__pycache__', 'venv', 'env', 'site-packages', 'bower_components']),
} as const;

/** The code files of a working tree that is no git repository (at most PREWARM.FILES): a walk, off the event loop's way. */
export async function walkedCodeFiles(root: string): Promise<string[]> {
  const home = os.homedir();
  if (root === path.parse(root).root || root === home || home.startsWith(`${root}${path.sep}`)) return [];
  return new fdir()
    .withFullPaths()
    .withMaxDepth(WALK.DEPTH)
    .exclude((name) => name.startsWith('.') || WALK.SKIPPED.has(name))
    .filter((f, isDirectory) => !isDirectory && languageOf(f) !== undefined)
    .withMaxFiles(PREWARM.FILES)
    .crawl(root)
    .withPromise();
}

interface Parsed {
  mtimeMs: number;
  size: number;
  names: CodeNames;
}

/** The two-word phrases among an index's identifiers (code-words.ts phrasesAmong), once per index. */
const phraseSets = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();
export function phrasesOf(identifiers: ReadonlySet<string>): ReadonlySet<string> {
  let held = phraseSets.get(identifiers);
  if (!held) phraseSets.set(identifiers, (held = phrasesAmong(identifiers)));
  return held;
}

/** A file version whose text mentioned none of an index's identifiers (the Set it was read against). */
interface Unmentioned {
  mtimeMs: number;
  size: number;
  identifiers: ReadonlySet<string>;
}

/** What a file touch found in the file: the names to ask about, and the file's imports (for the session's focus). */
export interface FileCode {
  language: CodeLanguage;
  names: CodeNames;
}

/**
 * Parses kept by (path, mtime, size), and the parser. `read` returns the file's names when its text
 * mentions one of `identifiers` (parsing it, or from the kept parse), else undefined.
 *
 * Two parser threads: `reader` parses what an agent's touch waits for; `background` reads, scans and
 * parses ahead of the agent (the prewarm at a prompt, the modules a touched file imports, a large file
 * whose parse the touch does not wait for), the file read on that thread too. A touch then never waits
 * behind a read-ahead's parse (a 2,000-line module's takes ~30–100 ms), and the read-ahead takes nothing
 * of the relay's own thread but a stat per file.
 */
export class CodeIndex {
  private readonly parses = new Map<string, Parsed>();
  /**
   * Files read and found to mention no identifier of the index they were read against: not read again while
   * neither changes (a prewarm every minute reads only what changed, not every file of the tree).
   */
  private readonly unmentioned = new Map<string, Unmentioned>();
  /** Parses under way, by file version (path, mtime, size). */
  private readonly running = new Map<string, Promise<FileCode | undefined>>();
  /** When each working tree was last prewarmed. */
  private readonly prewarmed = new Map<string, number>();
  /** Files parsed, and files whose text mentioned no identifier (health, bench). */
  parsed = 0;
  skipped = 0;

  /** The identifiers as a list, per index (the background thread is sent the list). */
  private readonly lists = new WeakMap<ReadonlySet<string>, string[]>();

  constructor(
    readonly reader = new CodeThread(),
    readonly background = new CodeThread(BACKGROUND_IDLE_MS),
  ) {}

  /** Stops both parser threads (the relay's close). */
  async close(): Promise<void> {
    await Promise.all([this.reader.close(), this.background.close()]);
  }

  /**
   * The file's names, when it is code of a language we read, small enough, and mentions an identifier.
   * `ahead`: nobody waits (read, scanned and parsed on the background thread).
   */
  async read(file: string, identifiers: ReadonlySet<string>, ahead = false): Promise<FileCode | undefined> {
    const language = languageOf(file);
    if (!language || identifiers.size === 0) return undefined;
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return undefined; // a file about to be written, or gone: its path still counts
    }
    if (!st.isFile() || st.size > MAX_PARSED_BYTES) return undefined;
    const held = this.kept(file, st);
    if (held) return { language, names: held.names };
    const none = this.unmentioned.get(file);
    if (none && none.identifiers === identifiers && none.mtimeMs === st.mtimeMs && none.size === st.size) return undefined;
    // A parse of this version already running (the module warmed behind the test's answer, the prewarm) is waited for, not repeated.
    const version = `${file}\0${st.mtimeMs}\0${st.size}`;
    const running = this.running.get(version);
    if (running) return running;
    const parse = (ahead ? this.parseAhead(file, language, st, identifiers) : this.parse(file, language, st, identifiers)).finally(() => this.running.delete(version));
    this.running.set(version, parse);
    return parse;
  }

  /**
   * The size of the file when `read` may have to parse it (code of a language we read, small enough, and no
   * parse of this version kept); 0 when `read` answers without parsing. A stat, nothing read.
   */
  unparsedSize(file: string): number {
    if (!languageOf(file)) return 0;
    try {
      const st = fs.statSync(file);
      if (!st.isFile() || st.size > MAX_PARSED_BYTES || this.kept(file, st)) return 0;
      return st.size;
    } catch {
      return 0;
    }
  }

  /** The parse kept of this version of the file (same mtime and size), if any. */
  private kept(file: string, st: fs.Stats): Parsed | undefined {
    const held = this.parses.get(file);
    return held && held.mtimeMs === st.mtimeMs && held.size === st.size ? held : undefined;
  }

  private async parse(file: string, language: CodeLanguage, st: fs.Stats, identifiers: ReadonlySet<string>): Promise<FileCode | undefined> {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    if (!mentionsAnyOrPhrase(text, identifiers, phrasesOf(identifiers))) return this.noteUnmentioned(file, st, identifiers);
    return this.keep(file, language, st, await this.reader.names(language, text));
  }

  /** The same on the background thread: the file read, scanned and parsed there. */
  private async parseAhead(file: string, language: CodeLanguage, st: fs.Stats, identifiers: ReadonlySet<string>): Promise<FileCode | undefined> {
    let list = this.lists.get(identifiers);
    if (!list) this.lists.set(identifiers, (list = [...identifiers]));
    let names: CodeNames | undefined;
    try {
      names = await this.background.namesOfFile(language, file, list);
    } catch {
      return undefined; // unreadable, or gone
    }
    return names ? this.keep(file, language, st, names) : this.noteUnmentioned(file, st, identifiers);
  }

  /** A parse kept for this version of the file. */
  private keep(file: string, language: CodeLanguage, st: fs.Stats, names: CodeNames): FileCode {
    this.parsed++;
    this.parses.delete(file);
    if (this.parses.size >= MAX_PARSES) this.parses.delete(this.parses.keys().next().value!);
    this.parses.set(file, { mtimeMs: st.mtimeMs, size: st.size, names });
    return { language, names };
  }

  /** This version of the file mentions none of `identifiers`: not read again while neither changes. */
  private noteUnmentioned(file: string, st: fs.Stats, identifiers: ReadonlySet<string>): undefined {
    this.skipped++;
    this.unmentioned.delete(file);
    if (this.unmentioned.size >= PREWARM.FILES) this.unmentioned.delete(this.unmentioned.keys().next().value!);
    this.unmentioned.set(file, { mtimeMs: st.mtimeMs, size: st.size, identifiers });
    return undefined;
  }

  /**
   * Parses, while the agent thinks about a prompt, the files of the working tree that mention one of the
   * project's identifiers (`git ls-files`, or a walk of a tree that is no git repository: code of a language
   * we read, at most PREWARM.FILES files and PREWARM.BYTES bytes, one at a time with a turn of the event loop
   * between them), so that the agent's first touch of the failing test or the module finds its parse kept
   * instead of parsing on the critical path (a cold parse of a 2,000-line module takes tens of milliseconds,
   * a small module's 2–3). Once per working tree and PREWARM.EVERY_MS; a file read before is read again only
   * when it changed; what changed since is parsed again at its touch (the parse is kept by mtime and size).
   * `done` (the bench's, a test's) is called when the last file is read.
   */
  prewarm(root: string | undefined, identifiers: ReadonlySet<string>, done?: () => void): void {
    if (!root || !path.isAbsolute(root) || identifiers.size === 0) return;
    const now = Date.now();
    const last = this.prewarmed.get(root);
    if (last !== undefined && now - last < PREWARM.EVERY_MS) return;
    if (this.prewarmed.size >= 50) this.prewarmed.delete(this.prewarmed.keys().next().value!);
    this.prewarmed.set(root, now);
    execFile('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { timeout: 5_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (err, out) => {
      // Walked only when git says it is no repository it can read (exit 128: not a repository, or one it refuses) or there
      // is no git: a repository git could not list in time (or too large to list) is not walked past its .gitignore.
      const code = (err as { code?: unknown } | null)?.code;
      const noRepository = err && (code === 'ENOENT' || code === 128);
      if (err && !noRepository) return;
      const listed = err
        ? walkedCodeFiles(root).catch(() => [])
        : Promise.resolve(out.split('\0').filter((f) => f && languageOf(f) !== undefined).slice(0, PREWARM.FILES).map((f) => path.join(root, f)));
      void listed.then((files) => this.readAhead(files, identifiers, done));
    });
  }

  /** Reads `files` one at a time, a turn of the event loop apart, within PREWARM.BYTES. */
  private readAhead(files: readonly string[], identifiers: ReadonlySet<string>, done?: () => void): void {
    let bytes = 0;
    const next = (i: number) => {
      if (i >= files.length || bytes > PREWARM.BYTES) return done?.();
      setImmediate(() => {
        try {
          bytes += fs.statSync(files[i]!).size;
        } catch {
          return next(i + 1);
        }
        void this.read(files[i]!, identifiers, true).catch(() => undefined).finally(() => next(i + 1));
      }).unref();
    };
    next(0);
  }

  /**
   * Parses, once the touch's answer is out, the local files `code`'s imports name (resolved from the
   * importing file's folder and the working folder), so that the agent's next touch, the module under
   * test, finds its parse kept. One at a time, a moment apart, after the answer has left (the parser's
   * thread is then free for the agent's next touch).
   */
  warm(file: string, code: FileCode, root: string | undefined, identifiers: ReadonlySet<string>): void {
    const targets = code.names.modules.flatMap((m) => localFilesOf(m, code.language, file, root)).slice(0, MAX_WARMED);
    const next = (i: number) => {
      if (i >= targets.length) return;
      setTimeout(() => void this.read(targets[i]!, identifiers, true).catch(() => undefined).finally(() => next(i + 1)), WARM_GAP_MS).unref();
    };
    next(0);
  }
}

const EXISTS = (f: string) => {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
};

/** The go.mod module path of `root`, read once per root. */
const goModules = new Map<string, string | undefined>();
function goModuleOf(root: string): string | undefined {
  if (!goModules.has(root)) {
    let mod: string | undefined;
    try {
      mod = /^module\s+(\S+)/m.exec(fs.readFileSync(path.join(root, 'go.mod'), 'utf8'))?.[1];
    } catch {
      mod = undefined;
    }
    if (goModules.size > 100) goModules.clear();
    goModules.set(root, mod);
  }
  return goModules.get(root);
}

/** The local files an import statement's module names, when they are in the working tree. */
export function localFilesOf(module: string, language: CodeLanguage, from: string, root: string | undefined): string[] {
  const dir = path.dirname(from);
  if (language === 'python') {
    const dots = /^\.*/.exec(module)![0].length;
    const rel = module.slice(dots).split('.').filter(Boolean).join('/');
    const bases = dots > 0 ? [path.resolve(dir, '../'.repeat(dots - 1))] : [...new Set([root, dir].filter((d): d is string => Boolean(d)))];
    return bases.flatMap((b) => [path.join(b, `${rel}.py`), path.join(b, rel, '__init__.py')]).filter(EXISTS).slice(0, 2);
  }
  if (language === 'go') {
    const mod = root ? goModuleOf(root) : undefined;
    if (!mod || !root || !module.startsWith(`${mod}/`)) return [];
    const pkg = path.join(root, module.slice(mod.length + 1));
    try {
      return fs.readdirSync(pkg).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).map((f) => path.join(pkg, f)).slice(0, 4);
    } catch {
      return [];
    }
  }
  if (!module.startsWith('.')) return [];
  const base = path.resolve(dir, module);
  const found = ['', '.ts', '.tsx', '.js', '.mjs', '.jsx', '/index.ts', '/index.tsx', '/index.js'].map((e) => `${base}${e}`).find(EXISTS);
  // In TypeScript an import of `./retry.js` names the .ts (or .tsx) file of that name.
  const ts = /\.js$/.test(base) ? [`${base.slice(0, -3)}.ts`, `${base.slice(0, -3)}.tsx`].find(EXISTS) : undefined;
  return [found, ts].filter((f): f is string => Boolean(f) && languageOf(f!) !== undefined);
}

/** Words per session kept at most (its prompts' identifier-like words and its files' imports). */
const MAX_SESSION_WORDS = 2000;
const MAX_SESSIONS = 500;

/**
 * Per session, what tells which anchors matter most: the identifier-like words its prompts named, and
 * the names the files it touched imported. A file touch's `focus` is its anchors found there.
 */
export class SessionFocus {
  /** Per session: every word it named or imported (`met`), and of them what its prompts named (`prompted`). */
  private readonly bySession = new Map<string, { met: Set<string>; prompted: Set<string> }>();

  private of(session: string): { met: Set<string>; prompted: Set<string> } {
    let held = this.bySession.get(session);
    if (!held) {
      if (this.bySession.size >= MAX_SESSIONS) this.bySession.delete(this.bySession.keys().next().value!);
      held = { met: new Set(), prompted: new Set() };
      this.bySession.set(session, held);
    }
    return held;
  }

  private static add(into: Set<string>, words: Iterable<string>): void {
    for (const w of words) {
      if (into.size >= MAX_SESSION_WORDS) break;
      into.add(w);
    }
  }

  /** A prompt of the session: its identifier-like words (three characters or more). */
  notePrompt(session: string, prompt: string): void {
    const words = wordsOf(prompt.slice(0, 20_000), (w) => w.length >= 3, MAX_SESSION_WORDS);
    const held = this.of(session);
    SessionFocus.add(held.met, words);
    SessionFocus.add(held.prompted, words);
  }

  /** Whether the session's prompts named `word`. */
  named(session: string | undefined, word: string): boolean {
    return session !== undefined && (this.bySession.get(session)?.prompted.has(word) ?? false);
  }

  /** A file the session touched: the names it imports. */
  noteImports(session: string, imports: readonly string[]): void {
    SessionFocus.add(this.of(session).met, imports);
  }

  /** Whether the session named or imported `word` before. */
  has(session: string | undefined, word: string): boolean {
    return session !== undefined && (this.bySession.get(session)?.met.has(word) ?? false);
  }

  /** Which of `anchors` the session named or imported before. */
  focusOf(session: string, anchors: readonly string[]): string[] {
    const held = this.bySession.get(session)?.met;
    return held ? anchors.filter((a) => held.has(a)) : [];
  }
}

/**
 * The anchors a file touch asks about: the file's own definitions (the rule is about the code in this
 * file), then what it imports that the session already met (`focused`: its prompts named it, or a file it
 * touched before imported it — the module under test, imported by the failing test). A name a file only
 * imports says little by itself: every module that imports `datetime` or the project's `fetch_feed` would be
 * handed the rules about them (corpus4's unrelated probes: a CLI module got the retry rules of the fetcher it
 * calls). Only names that are among the project's identifiers; at most MAX_ANCHORS.
 */
export function anchorsOf(code: FileCode | undefined, identifiers: ReadonlySet<string>, focused: (name: string) => boolean = () => true, outside: (module: string) => boolean = () => false): string[] {
  if (!code) return [];
  const out = new Set<string>();
  for (const n of code.names.defines) if (out.size < MAX_ANCHORS && n.length <= 100 && identifiers.has(n)) out.add(n);
  // The code a person named in plain words ("business days": `isBusinessDay`), as the phrases of what the file defines.
  for (const n of code.names.phrases ?? []) if (out.size < MAX_ANCHORS && identifiers.has(n)) out.add(n);
  // A key the file spells (a header, an environment variable, a flag, a config key): it is read or written here.
  for (const n of code.names.keys ?? []) if (out.size < MAX_ANCHORS && identifiers.has(n)) out.add(n);
  // A phrase a person quoted that the file spells in a string literal ('Caused by:', an error message).
  const spelled = spelledAmong(identifiers);
  if (spelled.phrases.size > 0) for (const t of code.names.texts ?? []) for (const n of spelledPhrasesIn(t, spelled)) if (out.size < MAX_ANCHORS) out.add(n);
  // A library's call the file makes (`http.MaxBytesReader`): a rule about it is about the places that call it, the way
  // a rule about a function is about the file that defines it. Only a module outside the working tree (the project's
  // own modules are the imports below), and only a name of two words or more (`Timeout`, `Error` name no one call).
  for (const u of code.names.usedFrom ?? []) if (out.size < MAX_ANCHORS && u.name.length <= 100 && identifiers.has(u.name) && outside(u.module)) out.add(u.name);
  for (const n of code.names.imports) if (out.size < MAX_ANCHORS && n.length <= 100 && identifiers.has(n) && focused(n)) out.add(n);
  return [...out];
}
