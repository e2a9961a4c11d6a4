/**
 * The files a shell command reads, for the push at the code in agents that read files through their
 * shell (Codex runs `cat`, `sed -n`, `head`, `rg` where Claude Code calls Read): the command is split
 * into words by a shell-syntax parser (shell-quote: quotes, escapes, pipes, `&&`, `;`), each simple
 * command's program is looked up among the programs that read the files named on their command line,
 * and the words that are not its options, its option values or its script/pattern are taken — when
 * they name an existing regular file under the agent's working folder (a path the command names that
 * is no file, or a folder `rg` searches, is not a touch of a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'shell-quote';

/** Files one command is taken to read at most. */
const MAX_FILES = 4;

/**
 * Programs that read files named on their command line: the options that take a value (so the value is
 * not taken for a file), and how many leading operands are not files (sed's script, grep's pattern)
 * unless an option gave them (`-e`).
 */
interface Reader {
  valued: ReadonlySet<string>;
  /** Leading non-option words that are a script or a pattern, not a file. */
  script: number;
  /** Options that give the script or pattern instead (then no leading word is one). */
  scriptOptions?: ReadonlySet<string>;
}

const plain: Reader = { valued: new Set(), script: 0 };
const READERS: Record<string, Reader> = {
  cat: plain,
  tac: plain,
  nl: { valued: new Set(['-b', '-i', '-n', '-s', '-v', '-w']), script: 0 },
  less: plain,
  more: plain,
  bat: { valued: new Set(['-l', '--language', '-r', '--line-range', '-H', '--highlight-line', '--style', '--theme']), script: 0 },
  head: { valued: new Set(['-n', '-c', '--lines', '--bytes']), script: 0 },
  tail: { valued: new Set(['-n', '-c', '--lines', '--bytes']), script: 0 },
  wc: plain,
  sed: { valued: new Set(['-e', '-f', '--expression', '--file', '-l']), script: 1, scriptOptions: new Set(['-e', '-f', '--expression', '--file']) },
  awk: { valued: new Set(['-F', '-v', '-f']), script: 1, scriptOptions: new Set(['-f']) },
  grep: { valued: new Set(['-e', '-f', '-A', '-B', '-C', '-m', '--regexp', '--file', '--max-count', '--include', '--exclude']), script: 1, scriptOptions: new Set(['-e', '-f', '--regexp', '--file']) },
  egrep: { valued: new Set(['-e', '-f', '-A', '-B', '-C', '-m']), script: 1, scriptOptions: new Set(['-e', '-f']) },
  fgrep: { valued: new Set(['-e', '-f', '-A', '-B', '-C', '-m']), script: 1, scriptOptions: new Set(['-e', '-f']) },
  rg: { valued: new Set(['-e', '-f', '-A', '-B', '-C', '-m', '-g', '-t', '-T', '--glob', '--type', '--type-not', '--regexp', '--file', '--max-count', '--context', '--after-context', '--before-context']), script: 1, scriptOptions: new Set(['-e', '-f', '--regexp', '--file']) },
};
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash']);

type Token = ReturnType<typeof parse>[number];

/** Simple commands of a parsed command line: the word lists between operators (`|`, `&&`, `;`, …). */
function simpleCommands(tokens: Token[]): string[][] {
  const out: string[][] = [[]];
  for (const t of tokens) {
    if (typeof t === 'string') out.at(-1)!.push(t);
    else if ('op' in t && t.op !== 'glob') out.push([]);
    else if ('op' in t && t.op === 'glob') out.at(-1)!.push(t.pattern);
  }
  return out.filter((c) => c.length > 0);
}

/** The operands of one reading program's words (after the program): what it reads. */
function operands(reader: Reader, args: string[]): string[] {
  const files: string[] = [];
  let scriptLeft = reader.script;
  let optionsDone = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!optionsDone && a === '--') {
      optionsDone = true;
      continue;
    }
    if (!optionsDone && a.startsWith('-') && a.length > 1) {
      const [name] = a.split('=', 1);
      if (reader.scriptOptions?.has(name!)) scriptLeft = 0;
      if (reader.valued.has(name!) && !a.includes('=')) i++;
      continue;
    }
    if (scriptLeft > 0) {
      scriptLeft--;
      continue;
    }
    files.push(a);
  }
  return files;
}

/** The words of `command`'s simple commands whose program reads files: the files they name (not yet checked). */
export function commandOperands(command: string | string[], depth = 0): string[] {
  const tokens: Token[] = Array.isArray(command) ? command : parse(command, (name) => `$${name}`);
  const out: string[] = [];
  for (let words of simpleCommands(tokens)) {
    // `FOO=1 cat x`: assignments before the program.
    while (words.length > 1 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words = words.slice(1);
    const program = path.basename(words[0]!);
    // `bash -lc "cat x"` (how Codex runs a command): the script is a command line of its own.
    if (SHELLS.has(program) && depth < 2) {
      const c = words.findIndex((w) => /^-[a-z]*c$/.test(w));
      if (c > 0 && words[c + 1]) out.push(...commandOperands(words[c + 1]!, depth + 1));
      continue;
    }
    const reader = READERS[program];
    if (reader) out.push(...operands(reader, words.slice(1)));
  }
  return out;
}

/**
 * The existing regular files `command` reads, as absolute paths, at most MAX_FILES: the operands of its
 * reading programs resolved against `cwd` (an absolute `cwd` is needed for a relative path).
 */
export function filesReadBy(command: string | string[], cwd: string | undefined): string[] {
  const out: string[] = [];
  for (const operand of commandOperands(command)) {
    if (out.length >= MAX_FILES) break;
    if (!operand || operand.includes('$') || operand.includes('*')) continue;
    const file = path.isAbsolute(operand) ? operand : cwd && path.isAbsolute(cwd) ? path.join(cwd, operand) : undefined;
    if (!file || out.includes(file)) continue;
    try {
      if (fs.statSync(file).isFile()) out.push(file);
    } catch {
      // not a file here: not a touch
    }
  }
  return out;
}
