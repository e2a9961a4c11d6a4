/**
 * What a check's output says: whether it shows a failure even though the run exited 0 (a test piped
 * through `tail`), and the one line that says why it failed. Which commands are checks is
 * check-runs.ts.
 *
 * Pure functions: the summarizer, the start context and the capture path use them alike.
 */
import { checkRunOf } from './check-runs.js';

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
