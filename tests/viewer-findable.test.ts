/**
 * Sessions people can find, and a viewer they keep open: real Chromium against the real API, worker,
 * PostgreSQL, Temporal and Weaviate, each check at desktop (1366×850) and phone (390×844) size, with
 * axe-core finding no violation of moderate impact or worse on every view. A person finds a session
 * among 1,000 by what it was about in two interactions (type words of its first prompt, open it).
 * Live cards and the sessions table name sessions by title with the first prompt in view, new
 * sessions join the table live, the project filter suggests projects and says when none matches,
 * an agent filter is there, a quiet active session says why it is still active; Edits read as
 * diffs, search snippets are readable with the query's words marked, hybrid search does not return
 * unrelated records, the query and every view's state are in the URL, a refused query shows its
 * error alone (from a URL or in the page), semantic search too has a relevance floor; Usage and
 * Learnings say what to do when empty, Usage's chart labels are whole; Admin fills "Last used", audits
 * sign-ins and refreshes its audit list; a disabled button looks disabled; on a phone the header is
 * compact and wide tables say they scroll; an unknown route says "not found".
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildViewer } from '../viewer/build.js';
import { launchBrowser } from './helpers/browser.js';
import { axeViolations, screenshotsIn, signedInPage } from './helpers/viewer-page.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { postHook, replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';
import type { Delivery } from './fixtures/claude-sessions.js';

/** The axe-core impacts that fail a view here. */
const MODERATE_OR_WORSE = ['moderate', 'serious', 'critical'];

const stack = withTestStack('viewer-findable', { config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined }), api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 30 * 60_000 } } });
const { prisma } = stack;
const outDir = path.resolve('test-output', 'viewer-findable');

const SIZES = { desktop: { width: 1366, height: 850 }, phone: { width: 390, height: 844 } } as const;
type Size = keyof typeof SIZES;

let browser: Browser;
let a: Awaited<ReturnType<typeof newTenant>>;
/** A tenant whose summaries were written by a model: usage to chart. */
let u: Awaited<ReturnType<typeof newTenant>>;
const usageProjects = [uniqueName('payments-api'), uniqueName('payments-web'), uniqueName('notifications-service-worker')];
const contexts: BrowserContext[] = [];
const api = uniqueName('payments-api');
const web = uniqueName('payments-web');
const fixId = crypto.randomUUID();
const busyId = crypto.randomUUID();
const ROOT = `/home/dev/${api}`;
const FIX_PROMPT = 'fix the flaky refund test';
const BUSY_PROMPT = 'migrate the checkout form to the new validation library';
/** The session to find among 1,000. */
const needleId = crypto.randomUUID();
const NEEDLE_PROMPT = 'why does the invoice PDF render the VAT line twice for Belgian customers';

/** The realistic session of the report: a failing test, a search, two edits, the test passing, Claude's answer. */
function refundSession(sessionId: string, root: string): Delivery[] {
  const common = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: root };
  let n = 0;
  const tool = (tool_name: string, tool_input: Record<string, unknown>, tool_response: Record<string, unknown>): Delivery => ({
    event: 'post-tool-use',
    body: { ...common, hook_event_name: 'PostToolUse', tool_name, tool_input, tool_response, tool_use_id: `toolu_${sessionId.slice(0, 8)}_${++n}` },
  });
  return [
    { event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup' } },
    { event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt: FIX_PROMPT } },
    tool('Bash', { command: 'npm test -- test/refunds.test.ts' }, { stdout: '✖ partial refund keeps the fee\nAssertionError: expected 12.35 to equal 12.34\n1 failing', stderr: '', interrupted: false }),
    tool('Grep', { pattern: 'roundCents', path: 'src' }, { stdout: 'src/refunds.ts:14:  return roundCents(amount * rate);' }),
    tool('Edit', { file_path: `${root}/src/refunds.ts`, old_string: '  return roundCents(amount * rate);', new_string: '  const fee = Math.round(amount * rate * 100);\n  return (amount * 100 - fee) / 100;' }, { filePath: `${root}/src/refunds.ts` }),
    tool('Edit', { file_path: `${root}/test/refunds.test.ts`, old_string: "  await sleep(10);\n  assert.equal(refund(12.5), 12.34);", new_string: '  assert.equal(refund(12.5), 12.34);' }, { filePath: `${root}/test/refunds.test.ts` }),
    tool('Bash', { command: 'npm test -- test/refunds.test.ts --repeat 20' }, { stdout: '20 passing', stderr: '', interrupted: false }),
    { event: 'stop', body: { ...common, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'The refund test was flaky because of a timing sleep and a rounding error; both are fixed and it passed 20 times in a row.' } },
    { event: 'session-end', body: { ...common, hook_event_name: 'SessionEnd', reason: 'exit' } },
  ];
}

/** A running session whose first prompt is followed by more than 8 items. */
function busySession(sessionId: string, root: string): Delivery[] {
  const common = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: root };
  const tools = Array.from({ length: 10 }, (_, i): Delivery => ({
    event: 'post-tool-use',
    body: { ...common, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: `${root}/src/form/field-${i}.tsx` }, tool_response: { content: `export const Field${i} = () => null;` }, tool_use_id: `toolu_${sessionId.slice(0, 8)}_${i}` },
  }));
  return [
    { event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup' } },
    { event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt: BUSY_PROMPT } },
    ...tools,
  ];
}

const PROMPT_WORDS = ['rename', 'flaky', 'refactor', 'upgrade', 'cache', 'login', 'retry', 'webhook', 'pagination', 'timezone', 'export', 'search', 'billing', 'email', 'queue', 'auth'];

/** 1,000 earlier sessions in 20 projects, as rows (what the API lists; their events are not needed to list them). */
async function thousandSessions(): Promise<void> {
  const projects = await Promise.all(
    Array.from({ length: 20 }, (_, i) => prisma.project.create({ data: { tenantId: a.tenantId, name: uniqueName(i < 10 ? `svc-${i}` : `app-${i}`) }, select: { id: true } })),
  );
  await prisma.$executeRawUnsafe(
    `WITH s AS (
       INSERT INTO sessions (tenant_id, project_id, agent_session_id, status, started_at, ended_at, last_event_at, event_count, updated_at)
       SELECT $1::uuid, ($2::uuid[])[1 + g % 20], gen_random_uuid()::text, 'completed', now() - make_interval(mins => 60 + g), now() - make_interval(mins => 30 + g), now() - make_interval(mins => 30 + g), 5 + g % 40, now()
         FROM generate_series(1, 999) g
       RETURNING id, project_id, started_at)
     INSERT INTO prompts (tenant_id, project_id, session_id, ordinal, text, token_count, created_at)
     SELECT $1::uuid, s.project_id, s.id, 1, 'please ' || ($3::text[])[1 + (extract(epoch FROM s.started_at)::bigint % 16)] || ' the ' || ($3::text[])[1 + ((extract(epoch FROM s.started_at)::bigint / 60) % 16)] || ' module and run the tests', 12, s.started_at FROM s`,
    a.tenantId,
    projects.map((p) => p.id),
    PROMPT_WORDS,
  );
  const s = await prisma.session.create({
    data: { tenantId: a.tenantId, projectId: projects[7]!.id, agentSessionId: needleId, status: 'completed', startedAt: new Date(Date.now() - 500 * 60_000), endedAt: new Date(Date.now() - 490 * 60_000), eventCount: 23 },
  });
  await prisma.prompt.create({ data: { tenantId: a.tenantId, projectId: projects[7]!.id, sessionId: s.id, ordinal: 1, text: NEEDLE_PROMPT, tokenCount: 18 } });
}

/** Model-written summaries of three projects over the last 30 days, and the tenant's daily token counts. */
async function usageData(): Promise<void> {
  u = await newTenant(prisma, 'admin');
  for (const [i, name] of usageProjects.entries()) {
    const p = await prisma.project.create({ data: { tenantId: u.tenantId, name }, select: { id: true } });
    const s = await prisma.session.create({ data: { tenantId: u.tenantId, projectId: p.id, agentSessionId: crypto.randomUUID(), status: 'completed', startedAt: new Date(Date.now() - 3_600_000), endedAt: new Date(), eventCount: 12 } });
    await prisma.summary.create({
      data: { tenantId: u.tenantId, projectId: p.id, sessionId: s.id, kind: 'final', title: `work in ${name}`, text: `work in ${name}`, model: 'claude-haiku-4-5', tokensIn: 4000 * (i + 1), tokensOut: 600 * (i + 1), costUsd: 0.004 * (i + 1), fromSequence: 1, toSequence: 12, observationCount: 12 },
    });
  }
  for (let d = 0; d < 30; d++) {
    const day = new Date(Date.now() - d * 86_400_000);
    await prisma.tokenUsage.create({ data: { tenantId: u.tenantId, day: new Date(`${day.toISOString().slice(0, 10)}T00:00:00Z`), tokensIn: BigInt(3000 + d * 150), tokensOut: BigInt(500 + d * 20), costUsd: 0.003 + d * 0.0001, requests: 2 + (d % 5) } });
  }
}

async function signedIn(size: Size, hash = '#/live', key = a.key): Promise<Page> {
  return signedInPage(browser, contexts, `${stack.api.url}/ui${hash}`, key, SIZES[size]);
}

const shot = screenshotsIn(outDir);

before(async () => {
  await buildViewer();
  await stack.ready;
  a = await newTenant(prisma, 'admin');
  await thousandSessions();
  await usageData();
  await replay(stack.api.url, a.key, refundSession(fixId, ROOT));
  await sessionResult(stack.temporal, prisma, a.tenantId, fixId);
  await replay(stack.api.url, a.key, busySession(busyId, `/home/dev/${web}`));
  browser = await launchBrowser();
});

// The pages are closed before the stack stops: a page still polling the API while it shuts down
// made it call Temporal over a closed connection ("Channel has been shut down", after the tests).
stack.beforeStop(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
});

for (const size of ['desktop', 'phone'] as const) {
  test(`${size}: a session among 1,000 is found by what it was about in 2 interactions`, async () => {
    const page = await signedIn(size);
    const box = page.getByRole('searchbox', { name: 'Find a session' });
    await box.waitFor();
    let interactions = 0;
    await box.fill('VAT line twice'); // 1: type words of its first prompt
    interactions += 1;
    const link = page.locator(`tr[data-session="${needleId}"] a`);
    await link.waitFor({ timeout: 10_000 });
    // The session may be on the unfiltered first page too: wait for the filtered answer to replace it.
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 1, undefined, { timeout: 10_000 }).catch(() => undefined);
    assert.equal(await page.locator('table.list tbody tr').count(), 1, 'only the session asked about is listed');
    assert.equal((await link.textContent())?.trim(), NEEDLE_PROMPT.length > 120 ? `${NEEDLE_PROMPT.slice(0, 119)}…` : NEEDLE_PROMPT, 'named by its first prompt, not its id');
    // click() scrolls the row into view itself, and retries when a live update re-renders the table.
    await link.click(); // 2: open it
    interactions += 1;
    await page.getByRole('heading', { level: 1, name: NEEDLE_PROMPT }).waitFor();
    assert.ok(interactions <= 2, `${interactions} interactions`);
    assert.match(page.url(), new RegExp(`#/sessions/${needleId}`));
    // The filter was in the URL: back returns to it, reload keeps it.
    await page.goBack();
    await page.locator(`tr[data-session="${needleId}"]`).waitFor();
    assert.equal(await box.inputValue(), 'VAT line twice');
    assert.deepEqual(await axeViolations(page, `live filtered (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: Live names sessions by title with the first prompt in view, says why a quiet session is active; the table adds new sessions live`, async () => {
    // The running session has been quiet for 12 minutes.
    await prisma.session.updateMany({ where: { tenantId: a.tenantId, agentSessionId: busyId }, data: { lastEventAt: new Date(Date.now() - 12 * 60_000) } });
    const page = await signedIn(size);
    const card = page.locator(`li.card[data-session="${busyId}"]`);
    await card.waitFor({ timeout: 10_000 });
    assert.equal((await card.locator('h2 a').textContent())?.trim(), BUSY_PROMPT, 'the card is named by the first prompt');
    assert.ok((await card.locator('.timeline .item').count()) <= 8, 'the card shows its latest items');
    assert.equal(await card.locator('.kind-prompt').count(), 0, 'the prompt itself scrolled out of the latest items…');
    assert.match((await card.locator('.idle-hint').textContent()) ?? '', /quiet for 1\d min: stays active until the idle timeout closes it/);
    const fix = page.locator(`li.card[data-session="${fixId}"]`);
    await fix.waitFor();
    assert.doesNotMatch((await fix.locator('h2 a').textContent()) ?? '', /^[0-9a-f]{8}-/, 'a finished session is named by its title');

    // A session that starts now joins the "All sessions" table without a reload.
    const fresh = crypto.randomUUID();
    const prompt = `add a retry budget to the payout webhook (${size})`;
    const common = { session_id: fresh, transcript_path: `/tmp/${fresh}.jsonl`, cwd: `/home/dev/${web}` };
    await postHook(stack.api.url, a.key, { event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup' } });
    await postHook(stack.api.url, a.key, { event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt } });
    const row = page.locator(`table.list tr[data-session="${fresh}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.waitForFunction((p) => document.querySelector(`table.list tr[data-session="${p.id}"] a`)?.textContent?.trim() === p.prompt, { id: fresh, prompt });
    await shot(page, `live-${size}.png`);
    assert.deepEqual(await axeViolations(page, `live (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: the project filter suggests projects, matches a part of the name and says when none matches; an agent filter`, async () => {
    const page = await signedIn(size);
    const project = page.getByRole('combobox', { name: 'Project' });
    await project.fill('payments');
    // The suggestions come from GET /v1/projects, read once the field is on the page: on a loaded
    // machine the answer can come after the typing (CI read an empty list once). Wait for it.
    await page.waitForFunction(() => document.querySelectorAll('#session-projects-list option').length >= 2, undefined, { timeout: 15_000 }).catch(() => undefined);
    const options = await page.locator('#session-projects-list option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(options.includes(api) && options.includes(web), `suggested: ${options.join(', ')}`);
    await page.locator(`tr[data-session="${fixId}"]`).waitFor();
    await page.locator(`tr[data-session="${busyId}"]`).waitFor();
    // The filtered page replaces the unfiltered one once its answer is in: wait for it, then check.
    await page.waitForFunction(() => {
      const cells = Array.from(document.querySelectorAll('table.list tbody tr td:nth-child(2)'), (td) => td.textContent ?? '');
      return cells.length > 0 && cells.every((c) => c.includes('payments'));
    }, undefined, { timeout: 15_000 }).catch(() => undefined);
    const projects = await page.locator('table.list tbody tr td:nth-child(2)').allTextContents();
    assert.ok(projects.length > 0 && projects.every((p) => p.includes('payments')), projects.join(', '));
    await project.fill('zeppelin');
    await page.getByText('No project matches “zeppelin”').waitFor();
    await page.getByText('No session matches these filters.').waitFor();
    const agents = await page.getByRole('combobox', { name: 'Agent' }).locator('option').allTextContents();
    assert.deepEqual(agents, ['all agents', 'claude-code']);
    assert.deepEqual(await axeViolations(page, `live project filter (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: the session view shows Edits as diffs, no literal \\n, the title as its heading`, async () => {
    const page = await signedIn(size, `#/sessions/${fixId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.locator('ol.timeline[data-done="true"]').waitFor();
    const edits = page.locator('.kind-tool').filter({ hasText: 'Edit' });
    assert.equal(await edits.count(), 2);
    await edits.first().locator('summary').click();
    const diff = edits.first().locator('.diff');
    await diff.waitFor();
    assert.deepEqual(await diff.locator('.del').allTextContents().then((t) => t.map((l) => l.replace(/^-removed: /, '').trim())), ['return roundCents(amount * rate);']);
    assert.equal(await diff.locator('.add').count(), 2, 'each added line on its own');
    const text = (await page.locator('ol.timeline').textContent()) ?? '';
    assert.ok(!text.includes('\\n'), 'no escaped newline is shown');
    assert.ok(!text.includes('"old_string"'), 'no raw JSON');
    await edits.nth(1).locator('summary').click();
    // The memory shown is right: the last run passed, so nothing says it is still failing; citations
    // carry real line ranges or none (never path:0–0).
    const whole = (await page.locator('main').textContent()) ?? '';
    assert.match(whole, /Outcome: passing/);
    assert.doesNotMatch(whole, /Still failing|:0–0/);
    if (size === 'desktop') {
      await page.locator('.diff').first().scrollIntoViewIfNeeded();
      await shot(page, 'session-desktop.png');
      await page.screenshot({ path: path.join(outDir, 'session-desktop-full.png'), fullPage: true });
    }
    assert.deepEqual(await axeViolations(page, `session (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: search keeps its query in the URL, marks the matched words in readable snippets, returns no unrelated records; a refused query shows its error alone`, async () => {
    const page = await signedIn(size, '#/search');
    await page.getByRole('searchbox', { name: 'Query' }).fill('refund rounding test');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('search-count').waitFor();
    assert.match(page.url(), /#\/search\?q=refund\+rounding\+test/);
    const results = page.locator('li.result');
    assert.ok((await results.count()) > 0);
    const titles = await results.locator('strong').allTextContents();
    assert.ok(!titles.some((t) => /^Session (started|ended)/.test(t)), `hybrid search returned unrelated records: ${titles.join(' | ')}`);
    assert.ok((await page.locator('li.result mark').count()) > 0, 'matched words are marked');
    const snippets = (await results.locator('.snippet').allTextContents()).join('\n');
    assert.ok(!/[{}]|\\n|"\w+":/.test(snippets), `snippets read as text: ${snippets.slice(0, 300)}`);
    assert.ok(!(await page.locator('li.result').allTextContents()).some((t) => /score -/.test(t)), 'no negative score');
    // The URL is the state: reload shows the same answer.
    await page.reload();
    await page.getByTestId('search-count').waitFor();
    assert.equal(await page.getByRole('searchbox', { name: 'Query' }).inputValue(), 'refund rounding test');
    assert.ok((await page.locator('li.result').count()) > 0);
    assert.deepEqual(await axeViolations(page, `search (${size})`, MODERATE_OR_WORSE), []);
    // Semantic search has the same relevance floor: not every record down to "Session started".
    await page.getByRole('combobox', { name: 'Mode' }).selectOption('semantic');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => /· semantic ·/.test(document.querySelector('[data-testid="search-count"]')?.textContent ?? ''));
    assert.match(page.url(), /mode=semantic/);
    const semantic = await page.locator('li.result strong').allTextContents();
    assert.ok(semantic.length > 0, 'semantic search finds the refund session');
    assert.ok(!semantic.some((t) => /^Session (started|ended)/.test(t)), `semantic search returned unrelated records: ${semantic.join(' | ')}`);
    // A query refused in the page (dates the wrong way round) shows its error, and the previous results go.
    await page.getByLabel('Since').fill('2026-11-20');
    await page.getByLabel('Until').fill('2026-11-10');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /later than since/);
    assert.equal(await page.locator('li.result').count(), 0, 'no results under the error');
    assert.equal(await page.getByTestId('search-count').count(), 0, 'no count of the previous answer');
    // A refused query (an invalid mode from a hand-edited URL) shows its error and no old results.
    await page.goto(`${stack.api.url}/ui#/search?q=refund&mode=fuzzy`);
    await page.reload();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /mode/);
    assert.equal(await page.locator('li.result').count(), 0);
  });

  test(`${size}: Usage and Learnings say what to do when empty, without cut labels`, async () => {
    const page = await signedIn(size, '#/usage');
    await page.getByTestId('usage-empty').waitFor();
    assert.match((await page.getByTestId('usage-empty').textContent()) ?? '', /No usage yet/);
    // The model-usage charts; the context handed to agents (real receipts of the tenant's sessions) has its own section.
    assert.equal(await page.locator('section[aria-labelledby="usage-h"] > figure.chart').count(), 0, 'no empty grey charts');
    assert.deepEqual(await axeViolations(page, `usage (${size})`, MODERATE_OR_WORSE), []);
    await page.goto(`${stack.api.url}/ui#/learnings?project=${web}`);
    await page.getByTestId('learnings-empty').waitFor();
    assert.match((await page.getByTestId('learnings-empty').textContent()) ?? '', /offline summarizer extracts few or none.*ANTHROPIC_API_KEY.*memflow remember/s);
    assert.deepEqual(await axeViolations(page, `learnings (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: Usage with model calls: charts whose labels are whole and inside the chart`, async () => {
    const page = await signedIn(size, '#/usage', u.key);
    await page.locator('figure.chart').first().waitFor();
    assert.equal(await page.getByTestId('usage-empty').count(), 0);
    assert.equal(await page.locator('figure.chart').count(), 3, 'tokens and cost per day, tokens per project');
    const cut = await page.locator('figure.chart svg').evaluateAll((svgs) =>
      svgs.flatMap((svg) => {
        const box = svg.getBoundingClientRect();
        return Array.from(svg.querySelectorAll('text.axis'))
          .map((t) => ({ text: t.textContent ?? '', r: t.getBoundingClientRect() }))
          .filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5)
          .map(({ text }) => text);
      }),
    );
    assert.deepEqual(cut, [], 'labels cut at the chart edge');
    const projectLabels = await page.locator('figure.chart', { hasText: 'Tokens per project' }).locator('text.axis').allTextContents();
    for (const name of usageProjects) assert.ok(projectLabels.includes(name), `${name} whole among ${projectLabels.join(', ')}`);
    await shot(page, `usage-${size}.png`);
    assert.deepEqual(await axeViolations(page, `usage with data (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: Admin fills "Last used", audits sign-ins, refreshes its audit list after an action; a disabled button looks disabled; tables say they scroll`, async () => {
    const page = await signedIn(size, '#/admin');
    const keysTable = page.getByRole('region', { name: /^API keys/ });
    // The key this page signed in with (sign-in and every request write its last use).
    const mine = keysTable.locator('tbody tr', { hasText: 'active (this session)' });
    await mine.waitFor();
    const lastUsed = await mine.locator('td').last().textContent();
    assert.ok(lastUsed && lastUsed !== 'never' && lastUsed !== '—', `last used: ${lastUsed}`);
    const audit = page.getByRole('region', { name: /^Audit log/ });
    await audit.getByText('viewer.signin').first().waitFor();
    const label = `ci-${size}-${crypto.randomUUID().slice(0, 6)}`;
    await page.getByRole('textbox', { name: 'Label' }).fill(label);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'I have copied it' }).waitFor();
    await audit.getByText('key.create').first().waitFor({ timeout: 10_000 });
    // The new key's Revoke button is reachable (the State column comes second).
    const revoke = keysTable.locator('tr', { hasText: label }).getByRole('button', { name: /^Revoke / });
    await revoke.scrollIntoViewIfNeeded();
    assert.ok(await revoke.isVisible(), 'Revoke is reachable');
    const erase = page.getByRole('button', { name: /^Erase .* everywhere$/ });
    assert.equal(await erase.isDisabled(), true);
    const style = await erase.evaluate((b) => ({ border: getComputedStyle(b).borderStyle, color: getComputedStyle(b).color }));
    const enabled = await page.getByRole('button', { name: 'Create key' }).evaluate((b) => ({ border: getComputedStyle(b).borderStyle, color: getComputedStyle(b).color }));
    assert.equal(style.border, 'dashed');
    assert.notEqual(style.color, enabled.color, 'a disabled button is greyed');
    if (size === 'phone') {
      const header = await page.locator('header.top').boundingBox();
      assert.ok(header && header.height <= 0.1 * SIZES.phone.height, `the header takes ${header?.height}px of ${SIZES.phone.height}`);
      assert.ok((await page.locator('.scroll-hint').count()) > 0, 'wide tables say that they scroll');
    }
    await shot(page, `admin-${size}.png`);
    assert.deepEqual(await axeViolations(page, `admin (${size})`, MODERATE_OR_WORSE), []);
  });

  test(`${size}: an unknown route says "not found"`, async () => {
    const page = await signedIn(size, '#/no-such-view');
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: /^Live/ }).count(), 0, 'not Live');
    assert.deepEqual(await axeViolations(page, `not found (${size})`, MODERATE_OR_WORSE), []);
  });
}
