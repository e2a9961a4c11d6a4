/**
 * Makes tests/fixtures/outcome-corpus.json: realistic coding sessions built from real repositories'
 * history, each with its true outcome. Every commit that changed a source file gives a task (its
 * subject), the file, the function the hunk is in and the hunk itself (what the agent's Edit
 * replaces); a scenario says how the session went around it: a failing run fixed by the change, a
 * rerun with repeat or filter arguments, a test piped through tail, a dead end, a revert, a narrowed
 * run passing while the full suite still fails, a session that only read code, memflow's own tool
 * calls, a stated convention. The outputs are written as the real runners print them (pytest,
 * unittest, ava, npm). The truth follows from the scenario, not from the summarizer.
 *
 *   npx tsx bench/summaries-corpus.ts <git dir of a Python repo> <git dir of a JavaScript repo> [--out file]
 *
 * The corpus file is self-contained: nothing reads a repository at run time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { CORPUS_FILE, REFUND_SESSION, type CorpusSession, type Step } from '../tests/fixtures/outcome-corpus.js';

interface Change {
  source: string;
  sha: string;
  subject: string;
  file: string;
  fn: string;
  line: number;
  old: string;
  next: string;
  lang: 'py' | 'js';
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** The first hunk of each commit's first changed source file, with the function it is in. */
function changesOf(dir: string, source: string, lang: 'py' | 'js', max: number): Change[] {
  const pattern = lang === 'py' ? /^(?!tests?\/|docs\/|examples\/|setup\.py|conftest\.py).+\.py$/ : /^(index|lib\/.+)\.js$/;
  const log = git(dir, 'log', '--no-merges', '--format=%H%x09%s', '-n', '700').trim().split('\n');
  const out: Change[] = [];
  for (const entry of log) {
    const [sha, subject] = entry.split('\t') as [string, string];
    if (!subject || /^(release|bump|merge|update dev|\d+\.\d+)/i.test(subject)) continue;
    const files = git(dir, 'show', '--format=', '--name-only', sha).trim().split('\n').filter((f) => pattern.test(f));
    const file = files[0];
    if (!file) continue;
    const diff = git(dir, 'show', '--format=', '--unified=1', sha, '--', file);
    const m = diff.match(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@ ?(.*)\n((?:[ +-].*\n?)+)/m);
    if (!m) continue;
    const body = m[3]!.split('\n').filter(Boolean).slice(0, 10);
    const old = body.filter((l) => !l.startsWith('+')).map((l) => l.slice(1)).join('\n');
    const next = body.filter((l) => !l.startsWith('-')).map((l) => l.slice(1)).join('\n');
    if (!old.trim() || !next.trim() || old === next) continue;
    const fn = (m[2]!.match(/(?:def|class|function|const)\s+([A-Za-z_]\w*)/) ?? next.match(/(?:def|function|const)\s+([A-Za-z_]\w*)/) ?? [])[1] ?? (lang === 'py' ? 'dumps' : 'slugify');
    out.push({ source: `${source}@${sha.slice(0, 7)}`, sha, subject, file, fn, line: Number(m[1]), old, next, lang });
    if (out.length >= max) break;
  }
  return out;
}

// ---- runner outputs, as the real tools print them ----
const pyTest = (c: Change) => `tests/test_${c.file.replace(/^.*\//, '').replace(/\.py$/, '')}.py`;
const pyModule = (c: Change) => pyTest(c).replace(/\.py$/, '').replace(/\//g, '.');
const pyErrors = (c: Change) => [
  `AssertionError: assert '${c.fn}-ab' == '${c.fn}-abc'`,
  `TypeError: ${c.fn}() got an unexpected keyword argument 'salt'`,
  `AttributeError: 'NoneType' object has no attribute 'encode'`,
  `ValueError: invalid literal for int() with base 10: 'x1'`,
  `itsdangerous.exc.BadSignature: Signature b'zz' does not match`,
];
function pytestFail(c: Change, error: string, test = `test_${c.fn}`): string {
  const kind = error.split(':')[0]!;
  return [
    '============================= test session starts ==============================',
    'platform linux -- Python 3.12.3, pytest-8.3.3, pluggy-1.5.0',
    'collected 31 items',
    '',
    `${pyTest(c)} ...F...........                                 [100%]`,
    '',
    '=================================== FAILURES ===================================',
    `_________________________________ ${test} _________________________________`,
    '',
    `    def ${test}():`,
    `>       value = ${c.fn}(b"payload")`,
    '',
    `${pyTest(c)}:42: `,
    '_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _',
    `E   ${error}`,
    '',
    `${c.file}:${c.line}: ${kind}`,
    '=========================== short test summary info ============================',
    `FAILED ${pyTest(c)}::${test} - ${error}`,
    '========================= 1 failed, 30 passed in 0.41s =========================',
  ].join('\n');
}
const pytestPass = (n = 31) => `============================= test session starts ==============================\ncollected ${n} items\n\n........................ [100%]\n\n============================== ${n} passed in 0.38s ==============================`;
function unittestFail(c: Change, error: string): string {
  return [
    '..F.....',
    '======================================================================',
    `FAIL: test_${c.fn} (${pyModule(c)}.${c.fn[0]!.toUpperCase()}${c.fn.slice(1)}Test.test_${c.fn})`,
    '----------------------------------------------------------------------',
    'Traceback (most recent call last):',
    `  File "/home/dev/itsdangerous/${pyTest(c)}", line 42, in test_${c.fn}`,
    `    self.assertEqual(${c.fn}(b"payload"), expected)`,
    error,
    '',
    '----------------------------------------------------------------------',
    'Ran 8 tests in 0.004s',
    '',
    'FAILED (failures=1)',
  ].join('\n');
}
const unittestPass = (n = 8) => `${'.'.repeat(n)}\n----------------------------------------------------------------------\nRan ${n} tests in 0.003s\n\nOK`;
const jsErrors = (c: Change) => [
  `AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 'foo-bar' !== 'foo'`,
  `TypeError: Cannot read properties of undefined (reading 'replace')`,
  `Error: Expected option \`separator\` to be a string, got \`undefined\``,
  `TypeError: ${c.fn} is not a function`,
];
function avaFail(c: Change, error: string): string {
  return [
    '',
    `  ✘ [fail]: ${c.fn} handles the case from "${c.subject.slice(0, 40)}"`,
    '  ─',
    '',
    `  ${c.fn} handles the case`,
    '',
    '  test.js:42',
    '',
    `  ${error}`,
    '',
    '  ─',
    '',
    '  1 test failed',
  ].join('\n');
}
const avaPass = (n = 27) => `\n  ✔ main\n  ✔ custom separator\n  ✔ custom replacements\n  ─\n\n  ${n} tests passed`;
const npmHeader = (script: string) => `\n> @sindresorhus/slugify@2.2.1 test\n> ${script}\n\n`;

interface Runner {
  cmd: string;
  narrow: string;
  repeat: string;
  fail: (c: Change, error: string) => string;
  pass: () => string;
  errors: (c: Change) => string[];
}

function runners(c: Change): Runner[] {
  if (c.lang === 'py') {
    return [
      { cmd: 'pytest', narrow: `pytest ${pyTest(c)}`, repeat: `pytest ${pyTest(c)} -x -q -p no:randomly --count 20`, fail: (x, e) => pytestFail(x, e), pass: () => pytestPass(), errors: pyErrors },
      { cmd: 'python3 -m unittest', narrow: `python3 -m unittest ${pyModule(c)}`, repeat: `python3 -m unittest -v ${pyModule(c)}`, fail: unittestFail, pass: () => unittestPass(), errors: pyErrors },
      { cmd: 'python -m pytest', narrow: `python -m pytest ${pyTest(c)} -k ${c.fn}`, repeat: `python -m pytest ${pyTest(c)} -k ${c.fn} -x`, fail: (x, e) => pytestFail(x, e), pass: () => pytestPass(3), errors: pyErrors },
    ];
  }
  return [
    { cmd: 'npm test', narrow: 'npm test -- --match "*separator*"', repeat: 'npm test -- --match "*separator*" --fail-fast', fail: (x, e) => npmHeader('xo && ava') + avaFail(x, e), pass: () => npmHeader('xo && ava') + avaPass(), errors: jsErrors },
    { cmd: 'npx ava', narrow: 'npx ava test.js', repeat: 'npx ava test.js --serial --verbose', fail: avaFail, pass: () => avaPass(), errors: jsErrors },
  ];
}

const readOf = (c: Change, content = c.old): Step => ({ read: c.file, start: Math.max(1, c.line - 2), content: `${'\n'.repeat(0)}${content}` });
const editOf = (c: Change): Step => ({ edit: c.file, line: c.line, old: c.old, new: c.next });
const revertOf = (c: Change): Step => ({ edit: c.file, line: c.line, old: c.next, new: c.old });
const grepOf = (c: Change): Step => ({ grep: c.fn, path: c.lang === 'py' ? 'src' : '.', hits: [`${c.file}:${c.line}:${c.old.split('\n').find((l) => l.trim()) ?? c.fn}`, `${c.lang === 'py' ? pyTest(c) : 'test.js'}:42:    ${c.fn}(...)`] });
const task = (c: Change) => c.subject.replace(/\s*\(#\d+\)$/, '');
const otherFile = (c: Change) => (c.lang === 'py' ? c.file.replace(/[^/]+\.py$/, 'encoding.py') : 'index.d.ts');
const otherEdit = (c: Change): Step => ({ edit: otherFile(c), line: 12, old: c.lang === 'py' ? 'def want_bytes(s, encoding="utf-8", errors="strict"):' : 'export type Options = {', new: c.lang === 'py' ? 'def want_bytes(s: str | bytes, encoding: str = "utf-8", errors: str = "strict") -> bytes:' : 'export type Options = Readonly<{' });

type Scenario = (c: Change, r: Runner, e: string[]) => { steps: Step[]; outcome: CorpusSession['truth']['outcome']; conventions?: number; opposite?: CorpusSession['truth']['opposite'] };

/** What would claim the opposite of the outcome: a dead end when it passed, a fix when the check ended red, either when nothing ran. */
const OPPOSITE: Record<CorpusSession['truth']['outcome'], CorpusSession['truth']['opposite']> = { passing: ['dead_end'], failing: ['fix'], unverified: ['fix', 'dead_end'] };

/** How a session can go around a change; the outcome each ends with. */
const SCENARIOS: Record<string, Scenario> = {
  // Failing run, look, change, the same run passes.
  fix: (c, r, e) => ({ steps: [{ prompt: `${task(c)}: the tests fail` }, { bash: r.cmd, exit: 1, out: r.fail(c, e[0]!) }, readOf(c), editOf(c), { bash: r.cmd, out: r.pass() }, { stop: `Fixed ${c.fn} in ${c.file}; the suite passes.` }], outcome: 'passing' }),
  // The narrowed run fails, the rerun repeats or filters it: the same check.
  'repeat-args': (c, r, e) => ({ steps: [{ prompt: `fix the flaky ${c.fn} test` }, { bash: r.narrow, exit: 1, out: r.fail(c, e[1]!) }, grepOf(c), editOf(c), { bash: r.repeat, out: r.pass() }, { stop: `${c.fn} is stable now; it passed repeatedly.` }], outcome: 'passing' }),
  // A filtered failing run, then the whole suite passes.
  'filter-then-all': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: r.narrow, exit: 1, out: r.fail(c, e[2]!) }, readOf(c), editOf(c), { bash: r.cmd, out: r.pass() }, { stop: 'Done; the full suite passes.' }], outcome: 'passing' }),
  // Piped through tail: exit 0 with the failure in stdout, then fixed.
  'piped-fixed': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: `${r.cmd} 2>&1 | tail -25`, out: r.fail(c, e[0]!) }, readOf(c), editOf(c), { bash: `${r.cmd} 2>&1 | tail -25`, out: r.pass() }, { stop: 'Fixed.' }], outcome: 'passing' }),
  // Piped, and still failing at the end.
  'piped-failing': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: `${r.cmd} 2>&1 | tail -25`, out: r.fail(c, e[0]!) }, editOf(c), { bash: `${r.cmd} 2>&1 | tee /tmp/test.log | tail -25`, out: r.fail(c, e[3]!) }, { stop: `I could not get ${c.fn} to pass yet; the error changed to ${e[3]!.split(':')[0]}.` }], outcome: 'failing' }),
  // Tried a change, still failing, reverted it, gave up.
  'dead-end': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: r.narrow, exit: 1, out: r.fail(c, e[0]!) }, readOf(c), editOf(c), { bash: r.narrow, exit: 1, out: r.fail(c, e[0]!) }, revertOf(c), { stop: `Reverted my change to ${c.file}; the failure is elsewhere.` }], outcome: 'failing' }),
  // A wrong change, reverted, then the right one in two files.
  'revert-then-fix': (c, r, e) => ({
    steps: [{ prompt: task(c) }, { bash: r.cmd, exit: 1, out: r.fail(c, e[0]!) }, otherEdit(c), { bash: r.cmd, exit: 1, out: r.fail(c, e[1]!) }, { edit: otherFile(c), line: 12, old: (otherEdit(c) as { new: string }).new, new: (otherEdit(c) as { old: string }).old }, editOf(c), { bash: r.cmd, out: r.pass() }, { stop: 'The first attempt was wrong and is reverted; the fix is in the second change.' }],
    outcome: 'passing',
  }),
  // Several files changed, narrowed run and full run pass.
  'multi-file': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: r.cmd, exit: 1, out: r.fail(c, e[2]!) }, grepOf(c), editOf(c), otherEdit(c), { write: c.lang === 'py' ? 'CHANGES.rst' : 'readme.md', content: `- ${task(c)}\n` }, { bash: r.narrow, out: r.pass() }, { bash: r.cmd, out: r.pass() }, { stop: 'Changed three files; all tests pass.' }], outcome: 'passing' }),
  // The narrowed test passes, but the full run still fails elsewhere at the end.
  'narrow-pass-full-fails': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: r.narrow, exit: 1, out: r.fail(c, e[0]!) }, editOf(c), { bash: r.narrow, out: r.pass() }, { bash: r.cmd, exit: 1, out: r.fail({ ...c, fn: `${c.fn}_legacy` }, e[1]!) }, { stop: `${c.fn} passes; one legacy test still fails.` }], outcome: 'failing', opposite: ['dead_end'] }),
  // Passing, then a repeated run shows it is flaky, fixed.
  flaky: (c, r, e) => ({ steps: [{ prompt: `${c.fn} fails sometimes in CI` }, { bash: r.narrow, out: r.pass() }, { bash: r.repeat, exit: 1, out: r.fail(c, e[0]!) }, readOf(c), editOf(c), { bash: r.repeat, out: r.pass() }, { stop: 'It was order-dependent; fixed.' }], outcome: 'passing' }),
  // Only reading: no check was run.
  explore: (c) => ({ steps: [{ prompt: `explain how ${c.fn} works` }, grepOf(c), readOf(c), { stop: `${c.fn} lives in ${c.file}; it is called from the tests and the public API.` }], outcome: 'unverified' }),
  // A change without running anything.
  'edit-unchecked': (c) => ({ steps: [{ prompt: task(c) }, readOf(c), editOf(c), { stop: `Changed ${c.file}; I did not run the tests.` }], outcome: 'unverified' }),
  // The agent searched its memory first (memflow's own tools), then fixed it.
  'memory-first': (c, r, e) => ({
    steps: [
      { prompt: task(c) },
      { toolsearch: 'select:mcp__memflow__search,mcp__memflow__timeline' },
      { mcp: 'mcp__memflow__search', input: { query: `${c.fn} test failure` }, out: `1 result: [fix] ${c.fn} …` },
      { bash: r.cmd, exit: 1, out: r.fail(c, e[1]!) },
      editOf(c),
      { bash: r.cmd, out: r.pass() },
      { mcp: 'mcp__memflow__remember', input: { text: `${c.fn} needs bytes` }, out: 'remembered' },
      { stop: 'Fixed, and noted for next time.' },
    ],
    outcome: 'passing',
  }),
  // A task phrased as a requirement ("must"), and a rule someone states for the project.
  'task-and-rule': (c, r, e) => ({
    steps: [{ prompt: `${c.fn} must reject empty input. From now on, always run ${r.cmd} before committing.` }, { bash: r.cmd, exit: 1, out: r.fail(c, e[3]!) }, editOf(c), { bash: r.cmd, out: r.pass() }, { stop: `${c.fn} rejects empty input now.` }],
    outcome: 'passing',
    conventions: 1,
  }),
  // Tests pass, but the linter still fails at the end.
  'lint-left': (c, r, e) => ({
    steps: [{ prompt: task(c) }, { bash: r.cmd, exit: 1, out: r.fail(c, e[0]!) }, editOf(c), { bash: r.cmd, out: r.pass() }, c.lang === 'py' ? { bash: 'ruff check src', exit: 1, out: `${c.file}:${c.line}:5: F841 Local variable \`value\` is assigned to but never used\nFound 1 error.\n[*] 1 fixable with the \`--fix\` option.` } : { bash: 'npx xo', exit: 1, out: `\n  index.js:${c.line}:3\n  ✖  ${c.line}:3  Unexpected console statement.  no-console\n\n  1 error` }, { stop: 'Tests pass; one lint error is left.' }],
    outcome: 'failing',
    opposite: ['dead_end'],
  }),
  // Fixed, then broken again by a last change, ending red.
  'fixed-then-broken': (c, r, e) => ({ steps: [{ prompt: task(c) }, { bash: r.cmd, exit: 1, out: r.fail(c, e[0]!) }, editOf(c), { bash: r.cmd, out: r.pass() }, otherEdit(c), { bash: r.cmd, exit: 1, out: r.fail(c, e[2]!) }, { stop: 'My last refactor broke it again; still failing.' }], outcome: 'failing' }),
};

function main(): void {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1]! : CORPUS_FILE;
  const dirs = args.filter((a, i) => a !== '--out' && !(outAt >= 0 && i === outAt + 1));
  if (dirs.length < 2) throw new Error('usage: summaries-corpus <python repo git dir> <javascript repo git dir> [--out file]');
  const name = (d: string) => d.replace(/\/repo$/, '').replace(/^.*\//, '').replace('+', '/');
  const changes = [...changesOf(dirs[0]!, name(dirs[0]!), 'py', 90), ...changesOf(dirs[1]!, name(dirs[1]!), 'js', 40)];
  const names = Object.keys(SCENARIOS);
  const sessions: CorpusSession[] = [REFUND_SESSION];
  changes.forEach((c, i) => {
    const scenario = names[i % names.length]!;
    const rs = runners(c);
    const r = rs[Math.floor(i / names.length) % rs.length]!;
    const made = SCENARIOS[scenario]!(c, r, r.errors(c));
    sessions.push({
      id: `${c.lang}-${String(i + 1).padStart(3, '0')}-${scenario}`,
      source: c.source,
      scenario,
      cwd: c.lang === 'py' ? '/home/dev/itsdangerous' : '/home/dev/slugify',
      steps: made.steps,
      truth: { outcome: made.outcome, conventions: made.conventions ?? 0, opposite: made.opposite ?? OPPOSITE[made.outcome] },
    });
  });
  fs.writeFileSync(out, `${JSON.stringify({ generatedBy: 'bench/summaries-corpus.ts', sources: dirs.map(name), sessions }, null, 0)}\n`);
  const by = (k: string) => sessions.filter((s) => s.truth.outcome === k).length;
  console.log(`${sessions.length} sessions (${by('passing')} passing, ${by('failing')} failing, ${by('unverified')} unverified) -> ${out} (${fs.statSync(out).size} bytes)`);
}

main();
