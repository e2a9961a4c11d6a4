/**
 * What a command run says about the work (common/rules/check-runs.ts, check-output.ts, check-outcomes.ts): which
 * check it is across arguments that repeat or filter it, whether its output shows a failure
 * although it exited 0, its decisive error line, and how a session's checks ended. No servers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuns, finalRuns, sessionOutcome, type ObservationLine } from '../../common/rules/check-outcomes.js';
import { decisiveErrorLine, outputShowsFailure } from '../../common/rules/check-output.js';
import { checkRunOf } from '../../common/rules/check-runs.js';
import { isSelfActivity } from '../../common/rules/self-activity.js';

const key = (c: string) => checkRunOf(c)?.key;

test('a check is named by its runner: arguments that repeat, filter or pipe it do not make another check', () => {
  assert.equal(key('npm test -- test/refunds.test.ts'), key('npm test -- test/refunds.test.ts --repeat 20'));
  assert.equal(key('python3 -m unittest tests.test_tax'), key('python3 -m unittest'));
  assert.equal(key('pytest -k negative -x tests/test_tax.py'), key('cd api && pytest 2>&1 | tail -30'));
  assert.equal(key('python -m pytest tests/'), 'pytest');
  assert.equal(key('go test ./... -run TestRefund -count=1'), key('go test ./pkg/refunds'));
  assert.equal(key('npx jest -t "rounds half cents"'), key('npx jest'));
  assert.equal(key('npx vitest run test/a.test.ts'), key('npx vitest'));
  assert.equal(key('CI=1 timeout 120 cargo test refund'), key('cargo test'));
  assert.notEqual(key('npm test'), key('npm run lint'));
  assert.notEqual(key('python repro.py'), key('python other.py'));
  for (const look of ['ls -la', 'git status', 'git diff | head', 'cat x | grep err', 'cd src']) assert.equal(checkRunOf(look), undefined, look);
});

test('a failing test piped through tail (exit 0) shows its failure; a passing run with "error" in a test name does not', () => {
  const pytest = 'tests/test_tax.py::test_error_handling PASSED\n=================== 1 failed, 3 passed in 0.2s ===================';
  assert.equal(outputShowsFailure(pytest), true);
  assert.equal(outputShowsFailure('tests/test_tax.py::test_error_handling PASSED\n==== 4 passed in 0.2s ===='), false);
  assert.equal(outputShowsFailure('Ran 4 tests in 0.01s\n\nFAILED (failures=1)'), true);
  assert.equal(outputShowsFailure('....\nRan 4 tests in 0.01s\n\nOK'), false);
  assert.equal(outputShowsFailure('--- FAIL: TestRefund (0.00s)\nFAIL\tshop/refunds\t0.01s'), true);
  assert.equal(outputShowsFailure('ok  \tshop/refunds\t0.01s'), false);
  assert.equal(outputShowsFailure('test result: FAILED. 3 passed; 1 failed'), true);
  assert.equal(outputShowsFailure('Tests:       1 failed, 11 passed, 12 total'), true);
  assert.equal(outputShowsFailure('  1 test failed'), true);
  assert.equal(outputShowsFailure('Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'), true);
});

test('the decisive error line is the assertion or error message, never the traceback header or the exit code', () => {
  const unittest = 'F\n======\nFAIL: test_negative (tests.test_tax.TaxTest)\n------\nTraceback (most recent call last):\n  File "tests/test_tax.py", line 9\nAssertionError: ValueError not raised\n\nRan 1 test\n\nFAILED (failures=1)';
  assert.equal(decisiveErrorLine(`Exit code 1\n${unittest}`), 'AssertionError: ValueError not raised');
  assert.equal(decisiveErrorLine('E       assert 249 == 250\nE        +  where 249 = split(499)\n\ntests/test_refund.py:12: AssertionError'), 'assert 249 == 250');
  assert.equal(decisiveErrorLine('  ● refunds › rounds\n\n    expect(received).toBe(expected)\n\n    Expected: 250\n    Received: 249'), 'Expected: 250, Received: 249');
  assert.equal(decisiveErrorLine("src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'."), "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.");
  assert.equal(decisiveErrorLine('    refunds_test.go:42: split(499) = 249, want 250\n--- FAIL: TestSplit (0.00s)\nFAIL'), 'refunds_test.go:42: split(499) = 249, want 250');
  assert.equal(decisiveErrorLine('Exit code 1'), undefined);
  assert.equal(decisiveErrorLine('Command exited with non-zero status code 1'), undefined);
});

test("a session's outcome is each check's last run; a narrowed pass does not settle another test's failure", () => {
  let seq = 0;
  const bash = (command: string, out: string, failed = false): ObservationLine => ({ sequence: ++seq, kind: 'tool', toolName: 'Bash', title: `${failed ? 'FAILED ' : ''}Bash: ${command}`, text: `${JSON.stringify({ command })}\n---\n${failed ? `failed: Exit code 1\n${out}` : out}` });
  const red = 'FAILED tests/test_tax.py::test_negative - AssertionError: no error\n==== 1 failed, 9 passed ====';
  const green = '==== 10 passed ====';
  // Failing filtered run, then the whole suite passes: passing.
  assert.equal(sessionOutcome(checkRuns([bash('pytest tests/test_tax.py', red, true), bash('pytest', green)])), 'passing');
  // The whole suite fails on another test; the narrowed run of the fixed one passes: still failing.
  const other = 'FAILED tests/test_invoice.py::test_total - AssertionError: 3 != 2\n==== 1 failed, 9 passed ====';
  const runs = checkRuns([bash('pytest', other, true), bash('pytest tests/test_tax.py', green)]);
  assert.equal(sessionOutcome(runs), 'failing');
  assert.equal(finalRuns(runs).length, 2);
  // Passing, then a repeated run of the same test fails: failing (the last run of that check failed).
  assert.equal(sessionOutcome(checkRuns([bash('npm test -- a.test.ts', 'Tests: 3 passed'), bash('npm test -- a.test.ts --repeat 20 | tail -5', 'Tests: 1 failed, 59 passed')])), 'failing');
  // Nothing but looking around: unverified.
  assert.equal(sessionOutcome(checkRuns([bash('ls', 'a b'), bash('git status', 'clean')])), 'unverified');
});

test("memflow's own tool calls are self-activity", () => {
  assert.equal(isSelfActivity('mcp__memflow__search'), true);
  assert.equal(isSelfActivity('ToolSearch', 'select:mcp__memflow__search,mcp__memflow__timeline'), true);
  assert.equal(isSelfActivity('ToolSearch', 'select:mcp__github__create_issue'), false);
  assert.equal(isSelfActivity('Bash', 'memflow search x'), false);
});
