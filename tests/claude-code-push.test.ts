/**
 * The real Claude Code CLI (pinned npm version) with memflow installed, against the real API,
 * worker, PostgreSQL, Temporal and Weaviate; the model is a scripted local Messages API, so what
 * memflow pushed is read from the requests Claude Code sends it.
 *
 * A decision the user states in a prompt of session 2 ("retries are capped at 7 — never change
 * MAX_ATTEMPTS") reaches the model in session 16, when its prompt touches retries, after 13 unrelated
 * sessions that never used it: pushed with the prompt (UserPromptSubmit's additionalContext), not
 * left to the agent's search. And a prompt that no memory bears on is pushed nothing. When the agent
 * first reads the file the decision names, the decision comes with that call (the Read's PostToolUse).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { installedClaude } from './helpers/claude-stack.js';
import { uniqueName } from './helpers/env.js';
import { requestText } from './helpers/scripted-claude.js';
import { sessionResult } from './helpers/sessions.js';
import { relayHealth } from '../cli/relay/lifecycle.js';
import { waitUntil } from '../infra/wait-until.js';

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

test('what was decided about a file reaches the model when it first reads that file (with the Read\'s PostToolUse), once, and nothing for a file no memory names', async () => {
  // The decision of the test above names payclient/retry.py; this session's prompt does not bear on it.
  const dir = path.join(stack.h.repo, 'payclient');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'retry.py'), 'MAX_ATTEMPTS = 7\n');
  await fs.writeFile(path.join(dir, 'currency.py'), 'CURRENCIES = ("EUR", "USD")\n');
  const prompt = `Tidy the import order in the two modules I point you at (${uniqueName('f')}).`;
  model.add({
    prompt,
    steps: [
      { tool: 'Read', input: { file_path: path.join(dir, 'currency.py') } },
      { tool: 'Read', input: { file_path: path.join(dir, 'retry.py') } },
      { tool: 'Read', input: { file_path: path.join(dir, 'retry.py') } },
      { text: 'Imports were already in order.' },
    ],
  });
  const run = await stack.h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  const requests = model.requestsOf(prompt).map((r) => requestText(r.body));
  assert.equal(requests.length, 4, 'one request per step');
  const header = /decided or learned about payclient\/retry\.py/g;
  assert.doesNotMatch(requests[0]!, header, 'nothing before a file is touched (the prompt bears on no memory)');
  assert.doesNotMatch(requests[1]!, /decided or learned about/, 'nothing for a file no memory names');
  assert.match(requests[2]!, /decided or learned about payclient\/retry\.py[^]*capped at 7/, 'the decision about the file, with the call that reads it');
  assert.equal(requests[3]!.match(header)?.length, 1, 'pushed once: reading the file again pushes nothing more');
  const receipts = await prisma.contextReceipt.findMany({ where: { tenantId: stack.tenant.tenantId, channel: 'file_touch' }, include: { items: true } });
  assert.equal(receipts.length, 1, 'one receipt for the one push (a file nothing names writes none)');
  assert.equal(receipts[0]!.items.length, 1);

  // The relay read the project's file names behind those answers: in the next session, the file no memory
  // names is answered without asking the API, and the file the decision names still gets it.
  const port = Number(stack.h.env.MEMFLOW_RELAY_PORT);
  const touches = async () => ((await relayHealth(port)) as { fileTouches?: { ruledOut: number; namesRead: number } }).fileTouches!;
  await waitUntil(async () => (await touches()).namesRead >= 1, { what: "the relay's file names read", timeoutMs: 10_000 });
  const ruledOut = (await touches()).ruledOut;
  const again = `Check the two modules once more (${uniqueName('f')}).`;
  model.add({
    prompt: again,
    steps: [
      { tool: 'Read', input: { file_path: path.join(dir, 'currency.py') } },
      { tool: 'Read', input: { file_path: path.join(dir, 'retry.py') } },
      { text: 'Still in order.' },
    ],
  });
  const run2 = await stack.h.headless(again);
  assert.equal(run2.code, 0, run2.stderr);
  const shown = model.requestsOf(again).map((r) => requestText(r.body));
  assert.doesNotMatch(shown[1]!, /decided or learned about/, 'nothing for the file no memory names');
  assert.match(shown[2]!, /decided or learned about payclient\/retry\.py[^]*capped at 7/, 'a new session gets the decision at its file again');
  assert.equal((await touches()).ruledOut, ruledOut + 1, 'currency.py was answered by the relay without asking the API');
});

test('a rule that names a function reaches the model in session 16 when the agent reads the file that defines it, a file its conversation never named', async () => {
  // Session 1 sets up; session 2 settles a rule about `settle_batch` and names no file; thirteen sessions about other things.
  await session(`Set up the settlement package ${uniqueName('s1')}.`, 'Created the settlement package.');
  const rule = 'Decline handling, we agreed with the acquirer: `settle_batch` must never retry a declined card — a decline is final.';
  const s2 = await session(rule, 'Understood: settle_batch leaves declined cards alone.');
  await sessionResult(temporal.client, prisma, stack.tenant.tenantId, s2, 120_000);
  const stored = await prisma.learning.findMany({ where: { tenantId: stack.tenant.tenantId, body: { contains: 'settle_batch' } } });
  assert.ok(stored.some((l) => l.anchors.includes('id:settle_batch')), `the rule is anchored to settle_batch: ${stored.map((l) => `${l.kind} ${l.anchors.join(',')}`).join(' | ')}`);
  for (const [i, prompt] of UNRELATED.entries()) await session(`${prompt} (${uniqueName(`v${i}`)})`, 'Done.');

  // Session 16: the agent reads a module the conversation never named; it defines settle_batch.
  const dir = path.join(stack.h.repo, 'payclient', 'settle');
  await fs.mkdir(dir, { recursive: true });
  const module = path.join(dir, 'batches.py');
  await fs.writeFile(module, ['"""Nightly settlement."""', 'from payclient.retry import MAX_ATTEMPTS', '', '', 'def settle_batch(batch, gateway):', '    for charge in batch:', '        gateway.capture(charge)', ''].join('\n'));
  const prompt = `Add a module docstring example to the nightly job (${uniqueName('t16')}).`;
  model.add({ prompt, steps: [{ tool: 'Read', input: { file_path: module } }, { text: 'Added the example.' }] });
  const run = await stack.h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  const requests = model.requestsOf(prompt).map((r) => requestText(r.body));
  assert.equal(requests.length, 2, 'one request per step');
  assert.doesNotMatch(requests[0]!, /settle_batch must never retry/, 'the prompt names none of it: nothing before the file is read');
  assert.match(requests[1]!, /payclient\/settle\/batches\.py[^]*settle_batch[^]*never retry a declined card/, 'the rule reaches the model with the read of the file that defines settle_batch');
});

test("a 2,000-line module nothing parsed yet: its Read is answered without waiting for the parse, and the rule reaches the model with the session's next tool call", async () => {
  // A generated copy of the settlement code, which git ignores: the relay's prewarm reads only what git lists, so the
  // first parse of this file is the agent's Read (~20–35 ms of tree-sitter, more than a Read waits for).
  await fs.writeFile(path.join(stack.h.repo, '.gitignore'), 'build/\n');
  const dir = path.join(stack.h.repo, 'build', 'lib', 'payclient', 'settle');
  await fs.mkdir(dir, { recursive: true });
  const module = path.join(dir, 'batches.py');
  const filler = Array.from({ length: 330 }, (_, i) => `def _line_${i}(charge):\n    """Formats line ${i}."""\n    amount = charge.amount * ${i}\n    return amount + 1\n\n`).join('');
  await fs.writeFile(module, `"""Nightly settlement (generated)."""\n\n${filler}def settle_batch(batch, gateway):\n    for charge in batch:\n        gateway.capture(charge)\n`);
  const port = Number(stack.h.env.MEMFLOW_RELAY_PORT);
  const handed = async () => ((await relayHealth(port)) as { fileTouches?: { handedLater?: number } }).fileTouches?.handedLater ?? 0;
  const before = await handed();
  const prompt = `Is the generated copy under build/lib out of date? (${uniqueName('t17')})`;
  // The model's next step after the Read: a shell command that takes a moment, as a model's turn does (long enough for the
  // parse and the API's answer on a machine busy with the rest of the suite).
  model.add({ prompt, steps: [{ tool: 'Read', input: { file_path: module } }, { tool: 'Bash', input: { command: 'sleep 3; ls build/lib/payclient/settle' } }, { text: 'It matches the source.' }] });
  const run = await stack.h.headless(prompt);
  assert.equal(run.code, 0, run.stderr);
  const requests = model.requestsOf(prompt).map((r) => requestText(r.body));
  assert.equal(requests.length, 3, 'one request per step');
  // (The start context holds the project's few decisions; the push at the code comes after the file's content.)
  assert.doesNotMatch(requests[1]!, /_line_329[^]*never retry a declined card/, 'the Read did not wait for the parse');
  assert.match(requests[2]!, /_line_329[^]*batches\.py[^]*settle_batch[^]*never retry a declined card/, 'the rule reaches the model with the next tool call, labelled with its file');
  assert.equal(await handed(), before + 1, 'handed by a later hook');
});
