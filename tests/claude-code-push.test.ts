/**
 * The real Claude Code CLI (pinned npm version) with memflow installed, against the real API,
 * worker, PostgreSQL, Temporal and Weaviate; the model is a scripted local Messages API, so what
 * memflow pushed is read from the requests Claude Code sends it.
 *
 * A decision the user states in a prompt of session 2 ("retries are capped at 7 — never change
 * MAX_ATTEMPTS") reaches the model in session 16, when its prompt touches retries, after 13 unrelated
 * sessions that never used it: pushed with the prompt (UserPromptSubmit's additionalContext), not
 * left to the agent's search. And a prompt that no memory bears on is pushed nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installedClaude } from './helpers/claude-stack.js';
import { uniqueName } from './helpers/env.js';
import { requestText } from './helpers/scripted-claude.js';
import { sessionResult } from './helpers/sessions.js';

const stack = installedClaude('claude-push', 'payclient');
const { prisma, temporal, model } = stack;

/** One headless session answering `prompt` with `answer`; its session id. */
async function session(prompt: string, answer: string): Promise<string> {
  model.add({ prompt, steps: [{ text: answer }] });
  const run = await stack.h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  return stack.h.fired().filter((f) => f.hook_event_name === 'UserPromptSubmit').at(-1)!.session_id;
}

/** What the model was shown with the first request of the session that got `prompt`. */
function shownFor(prompt: string): string {
  const first = model.requestsOf(prompt)[0];
  assert.ok(first, `the session with "${prompt}" asked the model`);
  return requestText(first.body);
}

const UNRELATED = [
  'Add a CONTRIBUTING section about running the docs build locally.',
  'Rename the `fmt_amount` helper to `format_amount` everywhere.',
  'Why is the CI cache key different on macOS runners?',
  'Write a docstring for `parse_statement_line`.',
  'Bump the black formatter to the latest version and reformat.',
  'Explain what the `ledger_entries` view does.',
  'Add type hints to payclient/currency.py.',
  'List the CLI subcommands and what each one does.',
  'Make the README badges point at the new CI.',
  'Split the long test file test_statement.py into two.',
  'Show me where the HTTP session is created.',
  'Add a --verbose flag to the export command.',
  'Remove the unused `legacy_csv` module.',
];

test('a decision stated in session 2 is pushed with the prompt that touches it in session 16, after 13 unrelated sessions', async () => {
  await session(`Set up the project layout for the payment client ${uniqueName('s1')}.`, 'Created payclient/ with retry.py, currency.py and tests/.');
  const decision = 'We decided retries are capped at 7 — never change MAX_ATTEMPTS in payclient/retry.py.';
  const s2 = await session(`${decision} Now add a changelog entry for the retry module.`, 'Added the changelog entry for payclient/retry.py.');
  await sessionResult(temporal.client, prisma, stack.tenant.tenantId, s2, 120_000);
  const stored = await prisma.learning.findMany({ where: { tenantId: stack.tenant.tenantId, kind: 'decision' } });
  assert.ok(stored.some((l) => l.origin === 'user' && l.body.includes('capped at 7')), `the decision is stored in the user's words: ${stored.map((l) => l.title).join(' | ')}`);

  for (const [i, prompt] of UNRELATED.entries()) {
    const p = `${prompt} (${uniqueName(`u${i}`)})`;
    await session(p, 'Done.');
    // Nothing memory holds bears on these: nothing is pushed with them (the start context still has the rule).
    assert.doesNotMatch(shownFor(p), /bears on this prompt/, `nothing pushed with the unrelated prompt "${prompt}"`);
  }

  const task = `The nightly import gives up too early when the partner API is flaky — bump the retry limit to 20 (${uniqueName('t')}).`;
  await session(task, 'Checked the retry settings.');
  const shown = shownFor(task);
  assert.match(shown, /bears on this prompt[^]*capped at 7/, 'the decision reaches the model pushed with the prompt that touches it');
});
