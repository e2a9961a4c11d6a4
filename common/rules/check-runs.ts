/**
 * What a shell command run by an agent says about the work: whether it is a check (a test, build,
 * lint or type-check run, as opposed to looking around with ls, cat or git status), and which check
 * it is. What a check's output says (a failure behind exit code 0, the line that says why it
 * failed) is read in check-output.ts.
 *
 * A check is named by its runner, not by its arguments: `npm test -- test/refunds.test.ts` and
 * `npm test -- test/refunds.test.ts --repeat 20` are the same check, and so are
 * `python3 -m unittest tests.test_tax` and `python3 -m unittest`. Arguments that only repeat,
 * filter or change the output of a run (`--repeat`, `-count`, `-x`, `-v`, `-k`, `-run`, `-t`, test
 * paths) are not part of its name; the filters are kept apart as its targets, so that runs of
 * disjoint parts of a suite are told apart (see `settles`).
 *
 * Pure functions: the summarizer, the start context and the capture path use them alike.
 */

export interface CheckRun {
  /** The check, e.g. `npm test`, `python -m unittest`, `go test`, `pytest`. */
  key: string;
  /** What the run was narrowed to (test files, modules, name filters), normalized; empty: all of it. */
  targets: string[];
}

/** Commands that look around or move files: their failures say nothing about the work's outcome. */
const INSPECTION = new Set(
  'ls ll cat less more head tail grep rg ag find fd tree pwd echo printf which whereis type file stat wc du df sed awk cut sort uniq diff cd mkdir rmdir touch cp mv rm ln chmod chown open xdg-open env export source true false sleep date whoami uname ps kill jq yq basename dirname realpath readlink history clear man'.split(' '),
);
const INSPECTION_GIT = new Set('status log diff show branch remote rev-parse blame ls-files config fetch stash add commit checkout restore switch reset'.split(' '));

/** Prefixes that only change how a command runs. */
const PASS_THROUGH = new Set(['sudo', 'time', 'nice', 'env', 'command', 'exec', 'xvfb-run', 'stdbuf', 'unbuffer']);
/** Wrappers that run the next word as the program. */
const RUNNERS: Record<string, number> = { npx: 1, bunx: 1, pnpx: 1 };
const TWO_WORD_RUNNERS = new Set(['pnpm exec', 'yarn exec', 'npm exec', 'uv run', 'poetry run', 'pipenv run', 'bundle exec', 'pdm run', 'hatch run', 'rye run']);
const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);
/** Programs whose first word after them is a subcommand that names the check. */
const WITH_SUBCOMMAND = new Set('go cargo dotnet make mvn gradle gradlew rake mix deno git docker kubectl terraform tox nox swift flutter dart zig bazel just task poetry uv php artisan composer ctest cmake'.split(' '));
/** Programs whose first positional argument (a script) names the check. */
const WITH_SCRIPT = new Set('node python ruby bash sh zsh php perl tsx ts-node deno'.split(' '));

/** Options that take a value: the value is not a target. Filters among them are kept as targets. */
const FILTER_OPTIONS = new Set(['-k', '-run', '--run', '-t', '--testNamePattern', '--test-name-pattern', '--grep', '-g', '--filter', '--testPathPattern', '--test-path-pattern', '-m', '--tests', '--test', '-p', '--package', '--only']);
const VALUE_OPTIONS = new Set([
  ...FILTER_OPTIONS,
  '--repeat', '--repeat-each', '-count', '--count', '--maxfail', '--reporter', '--tb', '-n', '--timeout', '-timeout', '-j', '--jobs', '-c', '--config', '--workers', '--shard', '--seed', '-parallel', '--retries', '--reruns', '-o', '--junitxml', '--cov', '--log-level', '--durations',
]);

/** A command line split into words, respecting quotes; operators are words of their own. */
export function shellWords(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  const flush = () => {
    if (has) out.push(cur);
    cur = '';
    has = false;
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += command[++i];
      has = true;
    } else if (/\s/.test(ch)) flush();
    else if (ch === '|' || ch === '&' || ch === ';' || ch === '>' || ch === '<') {
      // Redirections such as 2>&1 and >/dev/null, pipes and command separators.
      const two = command.slice(i, i + 2);
      if (/^\d$/.test(cur) && (ch === '>' || ch === '<')) {
        cur += ch;
        has = true;
        if (command[i + 1] === '&') cur += command[++i];
        continue;
      }
      flush();
      if (two === '&&' || two === '||' || two === '>>' || two === '>&') {
        out.push(two);
        i++;
      } else out.push(ch);
    } else {
      cur += ch;
      has = true;
    }
  }
  flush();
  return out;
}

/** The simple commands of a command line: separated by && || ;, each without pipes' tails and redirections. */
function simpleCommands(command: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let piped = false;
  let redirect = false;
  for (const w of shellWords(command)) {
    if (w === '&&' || w === '||' || w === ';' || w === '&') {
      if (cur.length > 0) out.push(cur);
      cur = [];
      piped = false;
      redirect = false;
      continue;
    }
    if (w === '|') {
      piped = true; // what the output is piped through (tail, tee, grep) is not the check
      continue;
    }
    if (w === '>' || w === '>>' || w === '<' || w === '>&' || /^\d*[<>]&?\d*$/.test(w)) {
      redirect = !/&\d$/.test(w); // 2>&1 takes no file; > out.txt does
      continue;
    }
    if (redirect) {
      redirect = false;
      continue;
    }
    if (!piped) cur.push(w);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const isAssignment = (w: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);
const baseName = (w: string) => {
  const b = w.replace(/^.*\//, '');
  return /^python\d*(\.\d+)?$/.test(b) ? 'python' : b;
};

/** A target as compared: path separators, extensions and leading ./ do not make another target. */
export function normalizeTarget(t: string): string {
  return t
    .replace(/^\.\//, '')
    .replace(/::.*$/, '')
    .replace(/\.(py|ts|tsx|js|jsx|mjs|cjs|go|rs|rb)$/, '')
    .replace(/[\\/]+/g, '.')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** The words of one simple command after the prefixes that only change how it runs. */
function programWords(words: string[]): string[] {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) return [];
    if (isAssignment(w) || PASS_THROUGH.has(w)) i++;
    else if (w === 'timeout') i += /^\d/.test(words[i + 1] ?? '') ? 2 : 1;
    else break;
  }
  return words.slice(i);
}

/** One simple command as a check: its key words and its targets; undefined when it only looks around. */
function checkOf(words0: string[]): CheckRun | undefined {
  let words = programWords(words0);
  if (words.length === 0) return undefined;
  // npx jest, uv run pytest, bundle exec rspec: the program is the word after the runner.
  for (;;) {
    const first = baseName(words[0] ?? '');
    const two = `${first} ${words[1] ?? ''}`;
    if (TWO_WORD_RUNNERS.has(two)) words = words.slice(2);
    else if (RUNNERS[first]) words = words.slice(1).filter((w, i) => !(i === 0 && w.startsWith('-')));
    else break;
  }
  const program = baseName(words[0] ?? '');
  if (!program) return undefined;
  const rest = words.slice(1);
  if (INSPECTION.has(program)) return undefined;
  if (program === 'git' && INSPECTION_GIT.has(rest.find((w) => !w.startsWith('-')) ?? '')) return undefined;

  const key = [program];
  const targets: string[] = [];
  const positional: string[] = [];
  let afterDashDash = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '--') {
      afterDashDash = true;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      if (program === 'node' && (w === '--test' || w === '--run')) {
        key.push(w);
        continue;
      }
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(0, eq) : w;
      const value = eq > 0 ? w.slice(eq + 1) : VALUE_OPTIONS.has(name) ? rest[++i] : undefined;
      if (FILTER_OPTIONS.has(name) && value !== undefined && !(program === 'python' && name === '-m' && key.length === 1)) targets.push(`${name}=${value.toLowerCase()}`);
      else if (program === 'python' && name === '-m' && value !== undefined && key.length === 1) key.push('-m', value);
      continue;
    }
    positional.push(afterDashDash ? `\u0000${w}` : w);
  }
  let args = positional.map((w) => w.replace(/^\u0000/, ''));
  if (PACKAGE_MANAGERS.has(program)) {
    let sub = args[0];
    args = args.slice(1);
    if (sub === 'run' || sub === 'run-script') {
      sub = args[0];
      args = args.slice(1);
    }
    if (sub === undefined) return undefined;
    key.push(sub === 't' || sub === 'tst' ? 'test' : sub);
  } else if (WITH_SUBCOMMAND.has(program) || program === 'gradlew') {
    if (args[0] !== undefined) key.push(args.shift()!);
  } else if (WITH_SCRIPT.has(program) && key.length === 1) {
    // `node app.js` and `python repro.py` are named by their script; `node --test a.js` and
    // `python -m unittest x` (key already longer) take their files as targets.
    if (args[0] !== undefined) key.push(args.shift()!.replace(/^\.\//, ''));
  } else if (['vitest', 'jest', 'mocha', 'playwright', 'ava', 'tap'].includes(program) && ['run', 'test'].includes(args[0] ?? '')) {
    args.shift(); // `vitest run` and `vitest` run the same tests
  }
  for (const a of args) {
    const t = normalizeTarget(a);
    // ./... (every Go package) and . are the whole suite
    if (t && t !== '...' && t !== '.') targets.push(t);
  }
  // `python -m pytest` is pytest
  const name = key[0] === 'python' && key[1] === '-m' && key[2] === 'pytest' ? 'pytest' : key.join(' ');
  return { key: name, targets: [...new Set(targets)].sort() };
}

/**
 * The check a command line runs, or undefined when it only looks around (ls, cat, grep, git status,
 * cd). `cd dir && npm test 2>&1 | tail -20` is the check `npm test`; several checks in one line are
 * one check named by all of them.
 */
export function checkRunOf(command: string): CheckRun | undefined {
  const checks = simpleCommands(command)
    .map(checkOf)
    .filter((c): c is CheckRun => c !== undefined);
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return { key: checks.map((c) => c.key).join(' && '), targets: [...new Set(checks.flatMap((c) => c.targets))].sort() };
}

/**
 * Whether a later run of a check settles the outcome of an earlier one: the same check, and either
 * one of them ran all of it or they share a target (`tests.test_tax` and `tests/test_tax.py::test_x`
 * do). Runs of disjoint parts (`pytest tests/a.py`, `pytest tests/b.py`) are separate outcomes.
 */
export function settles(later: CheckRun, earlier: CheckRun): boolean {
  if (later.key !== earlier.key) return false;
  if (later.targets.length === 0 || earlier.targets.length === 0) return true;
  return later.targets.some((a) => earlier.targets.some((b) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)));
}
