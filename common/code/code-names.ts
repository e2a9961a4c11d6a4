/**
 * The names a source file defines and imports, read with a real parser: tree-sitter (web-tree-sitter,
 * WebAssembly: no native build, runs wherever Node 20 does) with the grammars VS Code ships
 * (@vscode/tree-sitter-wasm) for Python, TypeScript, TSX, JavaScript and Go, asked through each
 * grammar's query (code-queries.ts). The relay reads a file the agent is about to touch on the
 * agent's own machine and matches these names against the identifiers the project's rules are
 * anchored to (cli/relay/code-anchors.ts): the file's content never leaves the machine.
 *
 * The runtime and each grammar are loaded once, on first use (web-tree-sitter itself too: a hook
 * process that never parses never loads it); a parser per language is kept warm.
 * The .wasm files are found beside the bundle in the client package (cli/package/build.ts copies
 * them to lib/tree-sitter/), else in the installed npm packages (a checkout).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TreeSitter from 'web-tree-sitter';
import type { Parser, Query } from 'web-tree-sitter';
import { CODE_LANGUAGES, type CodeLanguage } from './code-language.js';
import { NAME_QUERIES } from './code-queries.js';
import { FLAG, phrasesOfName } from './code-words.js';

/** What one file defines and imports, lower-cased (identifiers are matched without case). */
export interface CodeNames {
  /** Functions, classes, methods, constants, variables and types the file defines. */
  defines: string[];
  /** Names it imports (`from x import a`, `import { a } from 'x'`), and package-qualified names it uses (`retry.MaxAttempts`). */
  imports: string[];
  /** What its import statements name, as written (`pay.rounding`, `./retry`, `example.com/pay/retry`). */
  modules: string[];
  /** The two-word phrases of the names it defines (`isBusinessDay` → `business_day`: code-words.ts phrasesOfName). */
  phrases?: string[];
  /**
   * Names of two words or more it uses through an imported module or package (`http.MaxBytesReader`, `httpx.AsyncClient`), with
   * that module as written: a rule about a library's call applies where the call is made (the relay keeps those of modules
   * outside the working tree).
   */
  usedFrom?: { module: string; name: string }[];
  /**
   * The string literals it holds that are written as a key (`"X-Feedhop-Signature"`, `"FEEDHOP_TOKEN"`, `"--dry-run"`,
   * `"max-in-flight"`: KEY_LITERAL): the header, environment variable, flag or config key a person names is read or
   * written where the file spells it.
   */
  keys?: string[];
  /**
   * Its string literals of two words or more, as written (at most MAX_TEXT characters each, MAX_TEXTS of them): a phrase a
   * person quoted ('Caused by:', an error message) is about the file that spells it, the test that feeds it or the module
   * that matches or raises it (the relay reads their runs of words only when the project has such phrases: code-words.ts
   * spelledPhrasesIn).
   */
  texts?: string[];
}

/**
 * A string literal that is a key: letters and digits in two parts or more joined by `-` or `_`, a flag's dashes before;
 * or a flag of one word with its two dashes (`"--region"`).
 */
const KEY_LITERAL = /^(?:-{0,2}[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+|--[A-Za-z][A-Za-z0-9]+)$/;
/** A literal that spells a command line's options (`"-r, --region <name>"`, `"--out=<file>"`): its flags are keys. */
const OPTION_SPEC = /^-{1,2}[A-Za-z]/;
/** The name Go's `flag` package is given (`flag.String("region", …)`): a word, or words joined by `-` or `_`. */
const GO_FLAG_NAME = /^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*$/;

/** Longest string literal kept as a text, and how many a file keeps at most (a file of test data holds many). */
const MAX_TEXT = 200;
const MAX_TEXTS = 1_000;
/** Two words with something between them: a literal that may spell a phrase. */
const WORDS_APART = /[A-Za-z0-9][^A-Za-z0-9]+[A-Za-z0-9]/;

/** Longest key literal kept. */
const MAX_KEY = 80;

/** The keys a string literal spells: itself when written as a key, else the flags of an options spec. */
function keysOfLiteral(literal: string, into: Set<string>): void {
  if (literal.length > MAX_KEY) return;
  if (KEY_LITERAL.test(literal)) into.add(literal.toLowerCase());
  else if (OPTION_SPEC.test(literal)) for (const m of literal.matchAll(FLAG)) into.add(m[1]!.toLowerCase());
}

/** Where the grammars are: beside the bundle (the client package), else the npm packages. */
export function grammarFiles(): { runtime: string; grammar: (language: CodeLanguage) => string } {
  const bundled = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tree-sitter');
  if (fs.existsSync(path.join(bundled, 'tree-sitter.wasm'))) return { runtime: path.join(bundled, 'tree-sitter.wasm'), grammar: (l) => path.join(bundled, `tree-sitter-${l}.wasm`) };
  const require = createRequire(import.meta.url);
  const grammars = path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  return { runtime: require.resolve('web-tree-sitter/tree-sitter.wasm'), grammar: (l) => path.join(grammars, `tree-sitter-${l}.wasm`) };
}

interface Loaded {
  parser: Parser;
  query: Query;
}

/**
 * One parser per language, loaded on first use and kept. `names` parses one file's text and reads
 * its names; a file that does not parse cleanly still gives the names of the parts that do (tree-sitter
 * recovers from errors).
 */
export class CodeReader {
  private module: Promise<typeof TreeSitter> | undefined;
  private runtime: Promise<void> | undefined;
  private readonly languages = new Map<CodeLanguage, Promise<Loaded>>();

  constructor(private readonly files = grammarFiles()) {}

  /** Loads the runtime and one language (once); later calls are free. */
  load(language: CodeLanguage): Promise<Loaded> {
    let loaded = this.languages.get(language);
    if (!loaded) {
      const ts = (this.module ??= import('web-tree-sitter'));
      this.runtime ??= ts.then((m) => m.Parser.init({ locateFile: () => this.files.runtime }));
      loaded = this.runtime.then(async () => {
        const { Language, Parser, Query } = await ts;
        const lang = await Language.load(fs.readFileSync(this.files.grammar(language)));
        const parser = new Parser();
        parser.setLanguage(lang);
        const query = new Query(lang, NAME_QUERIES[language]);
        // One parse of a few lines now, while nobody waits: the first parse through a grammar compiles the WebAssembly it
        // runs (V8 compiles wasm functions lazily) and took ~12 ms for a 10-line test file against ~1 ms after.
        namesOfTree(parser, query, WARM_UP[language]);
        return { parser, query };
      });
      // A grammar that fails to load is tried again on the next file, not remembered as loaded.
      loaded.catch(() => this.languages.delete(language));
      this.languages.set(language, loaded);
    }
    return loaded;
  }

  /** Loads every language ahead of use (the relay does it while no agent waits). */
  async loadAll(): Promise<void> {
    await Promise.all(CODE_LANGUAGES.map((l) => this.load(l)));
  }

  /** The names `text` defines and imports, read by the `language` grammar. */
  async names(language: CodeLanguage, text: string): Promise<CodeNames> {
    const { parser, query } = await this.load(language);
    return namesOfTree(parser, query, text);
  }
}

/** A few lines per language using the forms the queries read (imports, constants, classes, methods, functions). */
const WARM_UP: Record<CodeLanguage, string> = {
  python: 'import os\nfrom a.b import c as d\n\nX = 1\n\n\nclass K:\n    def m(self):\n        return os.path\n\n\ndef f(x):\n    return d(x)\n',
  typescript: "import { a } from './b';\nimport * as c from 'c';\nexport const X = 1;\nexport interface I { x: number }\ntype T = string;\nenum E { A }\nexport class K { m(): void { c.d(); } }\nexport function f(x: number): number { return a(x); }\n",
  tsx: "import { a } from './b';\nexport const X = 1;\nexport function V(p: { x: string }) { return <div>{a(p.x)}</div>; }\n",
  javascript: "import { a } from './b';\nconst r = require('r');\nclass K { m() { return r; } }\nfunction f(x) { return a(x); }\n",
  go: 'package p\n\nimport (\n\tr "example.com/p/retry"\n\t"fmt"\n)\n\nconst X = 1\n\nvar Y = 2\n\ntype T struct{}\n\nfunc (t T) M() {}\n\nfunc F() { fmt.Println(r.Max) }\n',
};

/** Parses `text` and reads the query's captures into names (the tree is freed before returning). */
function namesOfTree(parser: Parser, query: Query, text: string): CodeNames {
  const tree = parser.parse(text);
  if (!tree) return { defines: [], imports: [], modules: [], phrases: [], keys: [], texts: [] };
  try {
    const defines = new Set<string>();
    const imports = new Set<string>();
    const modules = new Set<string>();
    const phrases = new Set<string>();
    const keys = new Set<string>();
    const texts = new Set<string>();
    // Names an import binds to a module or package (`import x as y`, `import * as y from`, Go's alias
    // or the last segment of its path): `y.member` is then a use of an imported name.
    const qualifiers = new Set<string>();
    const moduleOf = new Map<string, string>();
    const qualified: [string, string][] = [];
    for (const match of query.matches(tree.rootNode)) {
      const of = (capture: string) => match.captures.find((c) => c.name === capture)?.node.text;
      const [def, imported, alias, module, qualifier, member, literal, flag] = ['def', 'import', 'alias', 'module', 'qualifier', 'member', 'literal', 'flag'].map(of);
      if (literal !== undefined) {
        keysOfLiteral(literal, keys);
        if (literal.length <= MAX_TEXT && texts.size < MAX_TEXTS && WORDS_APART.test(literal)) texts.add(literal);
      }
      if (flag !== undefined && flag.length <= MAX_KEY && GO_FLAG_NAME.test(flag)) keys.add(`--${flag.toLowerCase()}`);
      if (def) {
        defines.add(def.toLowerCase());
        for (const p of phrasesOfName(def)) phrases.add(p);
      }
      if (imported) imports.add(imported.toLowerCase());
      if (alias) qualifiers.add(alias);
      if (qualifier && member) qualified.push([qualifier, member]);
      if (module) {
        const m = module.replace(/^["'`]|["'`]$/g, '');
        modules.add(m);
        // `import pay.rounding` is used as `pay.rounding.x`; Go's `example.com/pay/retry` as `retry.X`.
        const first = m.split('.')[0];
        if (first && !m.startsWith('.')) {
          qualifiers.add(first);
          moduleOf.set(first, m);
        }
        const last = m.split('/').at(-1);
        if (last) {
          qualifiers.add(last);
          moduleOf.set(last, m);
        }
        if (alias) moduleOf.set(alias, m);
      }
    }
    const usedFrom = new Map<string, { module: string; name: string }>();
    for (const [q, member] of qualified) {
      if (!qualifiers.has(q)) continue;
      imports.add(member.toLowerCase());
      const m = moduleOf.get(q);
      if (m && phrasesOfName(member).length > 0) usedFrom.set(`${m}\0${member.toLowerCase()}`, { module: m, name: member.toLowerCase() });
    }
    return { defines: [...defines], imports: [...imports], modules: [...modules], phrases: [...phrases], usedFrom: [...usedFrom.values()], keys: [...keys], texts: [...texts] };
  } finally {
    tree.delete();
  }
}
