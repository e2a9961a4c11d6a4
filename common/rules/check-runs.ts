/**
 * What a shell command run by an agent says about the work: whether it is a check (a test, build,
 * lint or type-check run, as opposed to looking around with ls, cat or git status), which check it
 * is, whether its output shows a failure even though it exited 0 (a test piped through `tail`), and
 * the one line that says why it failed.
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

/** Summary lines of test runners and compilers, and whether each says something failed. */
const SUMMARY_LINES: { re: RegExp; failed: (m: RegExpMatchArray) => boolean }[] = [
  // pytest "=== 1 failed, 3 passed in 0.1s ===", jest/vitest "Tests: 1 failed, 3 passed", mocha "2 failing"
  { re: /\b(\d+) (failed|failing|errors?)\b/i, failed: (m) => Number(m[1]) > 0 },
  // ava "1 test failed" / "27 tests passed"
  { re: /^\s*(\d+) tests? (failed|passed)\b/, failed: (m) => m[2] === 'failed' && Number(m[1]) > 0 },
  // unittest "FAILED (failures=1)" / "OK"
  { re: /^FAILED \((failures|errors)=\d+/, failed: () => true },
  { re: /^OK( \(|$)/, failed: () => false },
  // go "--- FAIL: TestX", "FAIL\tpkg", "ok  \tpkg"
  { re: /^(--- )?FAIL\b/, failed: () => true },
  { re: /^ok\s+\S/, failed: () => false },
  // cargo "test result: FAILED." / "test result: ok."
  { re: /^test result: (ok|FAILED)/, failed: (m) => m[1] === 'FAILED' },
  // jest/vitest per-file "FAIL test/x.test.ts" / "PASS ..."; node:test "# fail 1"
  { re: /^\s*FAIL\s+\S/, failed: () => true },
  { re: /^# fail (\d+)/, failed: (m) => Number(m[1]) > 0 },
  // pytest short summary "FAILED tests/test_x.py::test_y - AssertionError"
  { re: /^FAILED \S+::/, failed: () => true },
  // tsc "Found 3 errors", eslint "✖ 4 problems"
  { re: /^Found (\d+) errors?/, failed: (m) => Number(m[1]) > 0 },
  { re: /✖ (\d+) problems?/, failed: (m) => Number(m[1]) > 0 },
];
/** Output that shows a failure even without a summary line. */
const FAILURE_MARKERS = /✘ \[fail\]|^Traceback \(most recent call last\):|\bAssertionError\b|^npm ERR! |panicked at|\berror TS\d+:|^error(\[E\d+\])?: |^\s*E\s+\w*(Error|Exception)\b|^not ok \d+/m;

/**
 * Whether a check's output shows that it failed, for runs that exited 0 (piped through tail, head
 * or tee, or a runner that does not set its exit code): any summary line that counts a failure, or,
 * with no summary line at all, a traceback, an assertion error or a compiler error.
 */
export function outputShowsFailure(output: string): boolean {
  let sawSummary = false;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
    for (const s of SUMMARY_LINES) {
      const m = line.match(s.re);
      if (!m) continue;
      if (s.failed(m)) return true;
      sawSummary = true;
      break;
    }
  }
  return !sawSummary && FAILURE_MARKERS.test(output);
}

/** Lines that say a command failed without saying why. */
const NOT_DECISIVE =
  /^(Traceback \(most recent call last\):|Exit code \d+|Command (exited|failed) with|npm ERR! (code|errno|path|syscall|command|A complete log|Test failed|Lifecycle|\s*$)|error Command failed with exit code|ELIFECYCLE|Error: Process completed with exit code|FAILED \((failures|errors)=|FAIL$|failed: Exit code|-+$|=+|Ran \d+ tests?)/i;

/** How decisive a line is about why something failed (0: not at all). */
function decisiveness(line: string): number {
  if (!line || NOT_DECISIVE.test(line)) return 0;
  if (/^\s*E\s+\S/.test(line) && /\b\w*(Error|Exception)\b|assert/i.test(line)) return 6; // pytest's E line
  if (/\b[A-Z]\w*(Error|Exception)\b(\s*\[[A-Z_]+\])?:\s*\S/.test(line) && !/^\s*(at |File ")/.test(line)) return 6;
  if (/panicked at|assertion failed|\bassert(ion)?\b.*(==|!=|failed)|expected .+ (got|but|to)|Expected: |Received: /i.test(line)) return 5;
  if (/\berror(\[E\d+\])?:|\berror TS\d+:|_test\.go:\d+:|: error\b/i.test(line)) return 5;
  if (/^FAILED \S+::\S+ - /.test(line)) return 5;
  if (/^(\s*)(●|✕|×|--- FAIL:|FAIL:|FAILED\b|not ok \d+)/.test(line)) return 3;
  if (/\b(error|errors|failed|failing|failure|exception|panic|fatal|cannot|not found|undefined)\b/i.test(line)) return 2;
  return 0;
}

/**
 * The one line that says why a run failed: an assertion or error message (`AssertionError: 3 != 2`,
 * `E   assert add_tax(100, -1) raises`, `TypeError: ...`, `error TS2322: ...`, jest's
 * Expected/Received pair), never `Traceback (most recent call last):`, `Exit code 1` or npm's
 * lifecycle noise. Undefined when the output has nothing better than those.
 */
export function decisiveErrorLine(output: string, max = 200): string | undefined {
  const lines = output
    .split('\n')
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').replace(/^(stderr:|failed(\s\(interrupted by the user\))?:)\s*/, '').trim())
    .filter(Boolean);
  const expected = lines.find((l) => /^Expected:\s/.test(l));
  const received = lines.find((l) => /^Received:\s/.test(l));
  let best: string | undefined;
  let bestScore = 0;
  for (const l of lines) {
    const s = decisiveness(l);
    if (s > bestScore) {
      best = l;
      bestScore = s;
    }
  }
  if (expected && received && bestScore <= 5) best = `${expected}, ${received}`;
  if (!best) return undefined;
  const flat = best.replace(/^E\s+/, '').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Whether a tool call Claude Code reported as successful (PostToolUse) ran a check whose output
 * shows it failed: a test piped through `tail`, `head` or `tee` exits 0 with the failure in its
 * output. Such a call is recorded as failed, like one Claude Code reported as failed.
 */
export function failedDespiteExitZero(toolName: string, input: unknown, response: unknown): boolean {
  if (toolName !== 'Bash' || !input || typeof input !== 'object' || !response || typeof response !== 'object') return false;
  const command = (input as { command?: unknown }).command;
  const { stdout, stderr } = response as { stdout?: unknown; stderr?: unknown };
  if (typeof command !== 'string' || !checkRunOf(command)) return false;
  return outputShowsFailure([stdout, stderr].filter((x): x is string => typeof x === 'string').join('\n'));
}
