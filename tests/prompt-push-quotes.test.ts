/**
 * The per-prompt push quotes a person's earlier words that read like a rule no rule was taken from
 * (api/context/prompt-push.ts, observations.rule_like set when the session is summarized), through
 * the real stack: the hook route, the worker's summary, PostgreSQL's partial index, the receipt.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, test } from 'node:test';
import { termsReadFor, warmProjectRules } from '../api/context/prompt-push.js';
import { createPgPool } from '../common/server/pg.js';
import { waitUntil } from '../infra/wait-until.js';
import { newTenant, testConfig, uniqueName } from './helpers/env.js';
import { chatSession, hooksIn } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('prompt-quotes', {
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, call } = stack;
const project = uniqueName('ledgerly');
const cwd = `/tmp/memflow-quotes/${project}`;
let tenant: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  await stack.ready;
  tenant = await newTenant(prisma, 'member');
});

const post = (event: string, body: Record<string, unknown>) => hooksIn(stack.api.url, tenant.key, cwd)(event, body);
/** A whole session of prompts (each answered), summarized. */
const session = (prompts: string[]) => chatSession(post, stack.temporal, prisma, tenant.tenantId, prompts.map((p) => [p, 'Understood.']));

// Reads like a rule in words the detector does not take for one, and names no code: quoted later as said. The same words
// naming code (amount_cents, format_money) are a note, pushed only at that code (tests/unit/prompt-push.test.ts).
const SAID = 'ok so in the ledger, the amount goes into the CSV export. the money formatter formats it once at the end. the totals row just sums the cents.';
const NAMED = 'ok so in the ledger, amount_cents goes into the CSV export. format_money formats it once at the end. the totals row just sums the cents.';
const REQUEST = 'Fix the flaky webhook retry test in tests/test_webhooks.py and tell me what broke.';

test("a person's earlier words that read like a rule reach a later task that bears on them, quoted as said, once; naming code, they are a note at it", async () => {
  const first = await session([SAID, REQUEST]);
  const marked = await prisma.observation.findMany({ where: { tenantId: tenant.tenantId, kind: 'prompt', session: { agentSessionId: first } }, orderBy: { sequence: 'asc' }, select: { text: true, ruleLike: true } });
  assert.deepEqual(
    marked.map((o) => [o.text, o.ruleLike]),
    [
      [SAID, true],
      [REQUEST, false],
    ],
  );
  assert.equal(await prisma.learning.count({ where: { tenantId: tenant.tenantId, kind: { in: ['decision', 'convention'] } } }), 0, 'no rule was taken from it');
  const named = await session([NAMED]);
  const note = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, kind: 'note' } });
  assert.ok(note && note.anchors.includes('id:format_money'), `the words naming code are a note anchored to it: ${JSON.stringify(note)}`);
  assert.equal((await prisma.observation.findFirstOrThrow({ where: { tenantId: tenant.tenantId, kind: 'prompt', session: { agentSessionId: named } } })).ruleLike, false, 'a note is not quoted with prompts as well');

  const sid = `s-${crypto.randomUUID()}`;
  await post('session-start', { session_id: sid, hook_event_name: 'SessionStart', source: 'startup' });
  const task = 'Invoices exported to the accountant show amounts like 19.989999 — the CSV export looks broken.';
  const out = await post('user-prompt-submit', { session_id: sid, hook_event_name: 'UserPromptSubmit', prompt: task });
  const pushed = (out.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '';
  assert.match(pushed, /\[said by a person, \d{4}-\d{2}-\d{2}, in an earlier session; not recorded as a rule\] "ok so in the ledger, the amount goes into the CSV export/);
  assert.doesNotMatch(pushed, /format_money/, 'a note is never pushed with a prompt');
  assert.doesNotMatch(pushed, /flaky webhook/, 'a request is never quoted');

  // Explain says why, as an observation item; the same session is not handed it again. The prompt's receipt is written
  // just after the answer, not waited for by it: on a busy machine the explain below could come first.
  await waitUntil(async () => (await prisma.contextReceipt.count({ where: { tenantId: tenant.tenantId, channel: 'user_prompt', session: { agentSessionId: sid } } })) > 0, { what: "the prompt push's receipt", timeoutMs: 10_000, intervalMs: 20 });
  const explained = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=prompt&explain=true&session=${sid}&q=${encodeURIComponent(`${task} Still broken.`)}`);
  assert.equal(explained.status, 200, JSON.stringify(explained.body));
  const items = (explained.body as { explain?: { type: string; included: boolean; reason: string }[] }).explain ?? [];
  const quote = items.find((i) => i.type === 'observation');
  assert.ok(quote, JSON.stringify(items));
  assert.equal(quote.included, false);
  assert.match(quote.reason, /already pushed to this session/);

  // A prompt that shares nothing telling with it gets nothing.
  const other = await post('user-prompt-submit', { session_id: `s-${crypto.randomUUID()}`, hook_event_name: 'UserPromptSubmit', prompt: 'Add a /healthz endpoint that returns the build SHA.' });
  assert.deepEqual(other, {});
});

test('the rules of the recently active projects are read ahead when an API starts (warmProjectRules), not by their first prompt', async () => {
  // The project has sessions (the tests above); rules stated now have not been read by any push yet.
  const rules = [];
  for (const text of [`Settlement batches close at 22:00 Europe/Berlin and never later (${uniqueName('cutoff')}).`, `Refund exports are signed with the finance key only (${uniqueName('signing')}).`]) {
    const stated = await call(tenant.key, 'POST', '/v1/memories', { text, kind: 'decision', project });
    assert.equal(stated.status, 201, JSON.stringify(stated.body));
    rules.push(await prisma.learning.findFirstOrThrow({ where: { tenantId: tenant.tenantId, body: { contains: text } }, select: { kind: true, title: true, body: true, scope: true } }));
  }
  const [older, newer] = rules as [(typeof rules)[0], (typeof rules)[0]];
  assert.equal(termsReadFor(project, older), false, 'no push has read it');
  assert.equal(termsReadFor(project, newer), false, 'no push has read it');
  const pool = createPgPool(testConfig().DATABASE_URL, 1);
  try {
    // Per project, only the rules its push reads (its last stated): with a window of one, the newer alone.
    // Every project of the test database (other files' projects may be more recent than this one).
    assert.ok((await warmProjectRules(pool, { projects: 100_000, perProject: 1 })) >= 1);
    assert.equal(termsReadFor(project, newer), true, 'read ahead, as the push will read it');
    assert.equal(termsReadFor(project, older), false, 'outside the window the push reads: not read');
    assert.ok((await warmProjectRules(pool, { projects: 100_000 })) >= 2);
  } finally {
    await pool.end();
  }
  assert.equal(termsReadFor(project, older), true, 'read ahead with the push\'s own window');
});
