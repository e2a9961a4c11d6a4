/**
 * What the next session is told about a fix, in the real Claude Code CLI (pinned npm version) with
 * memflow installed, against the real API, worker, PostgreSQL, Temporal and Weaviate; the model is a
 * scripted local Messages API, so what memflow handed over is read from the requests Claude Code
 * sends it.
 *
 * The fix rewrites a whole file with the Write tool, changing one line inside one function of
 * three: the next session's "What failed, and what fixed it" names that function, not every symbol
 * of the file (issue 47: "Fixed by changing payclient/retry.py (RetryError, backoff, retry_call)"
 * when one `except` line in `retry_call` changed).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installedClaude } from './helpers/claude-stack.js';
import { uniqueName } from './helpers/env.js';
import { requestText } from './helpers/scripted-claude.js';
import { sessionResult } from './helpers/sessions.js';

const stack = installedClaude('claude-handover', 'payclient');
const { prisma, temporal, model } = stack;

const retryModule = (handled: string) =>
  [
    'import time',
    '',
    '',
    'class RetryError(Exception):',
    '    """Raised when every attempt failed."""',
    '',
    '',
    'def backoff(attempt):',
    '    return min(30 * 2 ** attempt, 3600)',
    '',
    '',
    'def retry_call(fn, attempts=7):',
    '    for attempt in range(attempts):',
    '        try:',
    '            return fn()',
    `        except ${handled}:`,
    '            time.sleep(0)',
    '    raise RetryError(f"gave up after {attempts} attempts")',
    '',
  ].join('\n');

test('a whole file rewritten to change one line is told by the function that changed', { timeout: 600_000 }, async () => {
  fs.mkdirSync(path.join(stack.h.repo, 'payclient'), { recursive: true });
  fs.writeFileSync(path.join(stack.h.repo, 'payclient/retry.py'), retryModule('ValueError'));
  fs.writeFileSync(path.join(stack.h.repo, 'payclient/__init__.py'), '');
  fs.writeFileSync(
    path.join(stack.h.repo, 'check.sh'),
    'grep -q "except ConnectionError" payclient/retry.py || { echo "FAILED test_retry_on_connection_error: ConnectionError was not retried"; exit 1; }\necho "retry tests: 4 passed"\n',
  );
  const prompt = `the retry helper does not retry dropped connections ${uniqueName('p')}`;
  model.add({
    prompt,
    steps: [
      { tool: 'Bash', input: { command: 'bash check.sh', description: 'Run the retry tests' } },
      // The whole file, as an agent rewrites it: one line differs.
      { tool: 'Write', input: { file_path: path.join(stack.h.repo, 'payclient/retry.py'), content: retryModule('ConnectionError') } },
      { tool: 'Bash', input: { command: 'bash check.sh', description: 'Run the retry tests again' } },
      { text: 'retry_call now retries ConnectionError; bash check.sh passes: 4 passed.' },
    ],
  });
  const run = await stack.h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  assert.match(fs.readFileSync(path.join(stack.h.repo, 'payclient/retry.py'), 'utf8'), /except ConnectionError/);
  const sessionId = stack.h.fired().find((f) => f.hook_event_name === 'UserPromptSubmit' && f.prompt === prompt)!.session_id;
  await sessionResult(temporal.client, prisma, stack.tenant.tenantId, sessionId, 120_000);

  const next = `what happened to the retry helper last time ${uniqueName('q')}`;
  model.add({ prompt: next, steps: [{ text: 'I read the memory.' }] });
  const second = await stack.h.headless(next);
  assert.equal(second.code, 0, second.stderr);
  const first = model.requestsOf(next)[0];
  assert.ok(first, 'the next session asked the model');
  const shown = requestText(first.body);
  const story = shown.split('\n').find((l) => /FAILED Bash: bash check\.sh/.test(l)) ?? '';
  assert.match(story, /payclient\/retry\.py \(retry_call\)/, `the fix is told by the function it changed: ${story}`);
  assert.doesNotMatch(shown, /retry\.py \([^)]*(?:RetryError|backoff)/, 'not by every symbol of the rewritten file');
});
