import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { failureLines, tapFailures } from '../helpers/tap-failures.js';

// A report node 20's test runner wrote: a failing test in a nested suite, a failing top-level
// test, a passing one and a test file that crashed before its tests ran.
const tap = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'failures.tap'), 'utf8');

test('the failed tests of a TAP report: leaves with their suites, where they are and the first line of their error', () => {
  assert.deepEqual(tapFailures(tap), [
    { name: 'outer suite › inner › fails here', location: '/repo/tests/a.test.mjs:6:5', error: "it's wrong" },
    { name: 'top fails', location: '/repo/tests/a.test.mjs:9:1', error: 'boom' },
    { name: '/repo/tests/b.test.mjs', location: '/repo/tests/b.test.mjs:1:1', error: 'test failed' },
  ]);
});

test('a report without failures has none; the lines name the file from tests/ and say how many were left out', () => {
  assert.deepEqual(tapFailures('TAP version 13\n# Subtest: a\nok 1 - a\n  ---\n  duration_ms: 1\n  ...\n1..1\n'), []);
  const lines = failureLines(tapFailures(tap), 2);
  assert.deepEqual(lines, [
    "  ✖ outer suite › inner › fails here (tests/a.test.mjs:6:5)\n    it's wrong",
    '  ✖ top fails (tests/a.test.mjs:9:1)\n    boom',
    '  … and 1 more',
  ]);
});
