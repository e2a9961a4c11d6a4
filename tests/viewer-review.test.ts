/**
 * The viewer's review and attribution (issue 51), in headless Chromium (Debian's) against the real
 * API, worker, PostgreSQL, Temporal and Weaviate: a maintainer who is a person (Rita) signs in with
 * her key; learnings an extractor wrote into a project under review wait in the Review view, marked
 * pending with their age; she approves one and edits one there; the Learnings view then says
 * "approved by" and "edited by" her on their cards (and who did each revision in the history), and
 * the Search view lists the one still waiting marked "pending review", beside the approved one with
 * its approver. Agents are given none of what waits: GET /v1/context is asked as the control.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApiKey } from '../common/server/tenants.js';
import { buildViewer } from '../viewer/build.js';
import { launchBrowser } from './helpers/browser.js';
import { axeViolations, screenshotsIn, signedInPage } from './helpers/viewer-page.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';

const SERIOUS_OR_WORSE = ['serious', 'critical'];
const stack = withTestStack('viewer-review', { config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined }) });
const { prisma, call } = stack;
const shot = screenshotsIn(path.resolve('test-output', 'viewer'));
const project = uniqueName('governed');
const RITA = 'Rita Reviewer <rita@example.com>';

let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: Awaited<ReturnType<typeof newTenant>>;
let rita: { key: string; keyId: string };
/** Extracted learnings, held as pending by the project's review policy. */
const learnings = {
  approve: { title: 'Quokka cache keys carry the tenant id', body: 'Quokka cache keys carry the tenant id, or two tenants share a cached page.' },
  edit: { title: 'Wombat migrations run before the seed', body: 'Wombat migrations run before the seed script, never after.' },
  wait: { title: 'Numbat retries back off exponentially', body: 'Numbat retries back off exponentially from 200 ms, at most five times.' },
};
const ids: Record<keyof typeof learnings, string> = { approve: '', edit: '', wait: '' };

before(async () => {
  await buildViewer();
  await stack.ready;
  admin = await newTenant(prisma, 'admin');
  const person = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Rita Reviewer', email: 'rita@example.com', role: 'maintainer' } });
  rita = await createApiKey(prisma, admin.name, { role: 'maintainer', label: 'rita laptop', personId: person.id });
  const set = await call(admin.key, 'PUT', `/v1/projects/${project}/review-policy`, { policy: 'review' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const p = await prisma.project.findFirstOrThrow({ where: { tenantId: admin.tenantId, name: project } });
  // Written as any extractor writes them (origin extracted, active): the database holds them.
  for (const [name, l] of Object.entries(learnings) as [keyof typeof learnings, { title: string; body: string }][]) {
    const row = await prisma.learning.create({ data: { tenantId: admin.tenantId, projectId: p.id, kind: 'convention', title: l.title, body: l.body, fingerprint: crypto.randomBytes(32).toString('hex') } });
    assert.equal(row.status, 'pending');
    await prisma.learningRevision.create({ data: { learningId: row.id, revision: 1, kind: row.kind, title: row.title, body: row.body, confidence: row.confidence, status: row.status, strength: row.strength, reason: 'created', changedBy: 'session-workflow' } });
    ids[name] = row.id;
  }
  browser = await launchBrowser();
});

stack.beforeStop(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
});

const signedIn = (key: string): Promise<Page> => signedInPage(browser, contexts, `${stack.api.url}/ui`, key, { width: 1280, height: 800 });

test("the Session view marks a summary a pending learning was drawn from as held (agents are not given it)", async () => {
  const p = await prisma.project.findFirstOrThrow({ where: { tenantId: admin.tenantId, name: project } });
  const agentSessionId = `s-${crypto.randomUUID()}`;
  const session = await prisma.session.create({ data: { tenantId: admin.tenantId, projectId: p.id, agentSessionId } });
  const summary = await prisma.summary.create({
    data: { tenantId: admin.tenantId, projectId: p.id, sessionId: session.id, kind: 'final', title: 'Numbat retry tuning', text: 'Tuned the numbat retries.', fromSequence: 1, toSequence: 9 },
  });
  await prisma.learningSource.create({ data: { learningId: ids.wait, summaryId: summary.id } });
  const page = await signedIn(admin.key);
  await page.goto(`${stack.api.url}/ui#/sessions/${agentSessionId}`);
  const held = page.getByTestId('summary-held');
  await held.waitFor();
  assert.equal(await held.textContent(), 'held: learning pending review');
  assert.deepEqual(await axeViolations(page, 'session (held summary)', SERIOUS_OR_WORSE), []);
  // What an agent is handed has none of it.
  const context = await call(admin.key, 'GET', `/v1/context?project=${project}&tokens=4000`);
  assert.ok(!String(context.body.context).includes('Numbat retry tuning'), 'the held summary is not in the context');
});

test('the Review view marks what waits; Rita approves one and edits one there', async () => {
  const page = await signedIn(rita.key);
  await page.getByTestId('review-badge').getByText('3 waiting for review').waitFor();
  await page.goto(`${stack.api.url}/ui#/review`);
  for (const id of Object.values(ids)) await page.locator(`li[data-review="${id}"]`).getByText(/^pending \d+[smhd]/).waitFor();

  await page.locator(`li[data-review="${ids.approve}"]`).getByRole('button', { name: 'Approve', exact: true }).click();
  await page.locator(`li[data-review="${ids.approve}"]`).waitFor({ state: 'detached' });

  const card = page.locator(`li[data-review="${ids.edit}"]`);
  await card.getByRole('button', { name: 'Edit' }).click();
  await card.getByLabel('Title').fill('Wombat migrations run first');
  await card.getByLabel('Text').fill('Wombat migrations run before the seed script (reviewed).');
  await card.getByRole('button', { name: 'Save and approve' }).click();
  await card.waitFor({ state: 'detached' });
  await page.locator(`li[data-review="${ids.wait}"]`).waitFor();
  assert.deepEqual(await axeViolations(page, 'review', SERIOUS_OR_WORSE), []);

  const stored = await prisma.learning.findMany({ where: { id: { in: Object.values(ids) } }, select: { id: true, status: true } });
  assert.deepEqual(Object.fromEntries(stored.map((l) => [l.id, l.status])), { [ids.approve]: 'active', [ids.edit]: 'active', [ids.wait]: 'pending' });
});

test('the Learnings view says who approved and who edited, and who made each revision', async () => {
  const page = await signedIn(admin.key);
  await page.goto(`${stack.api.url}/ui#/learnings?project=${project}`);
  const approved = page.locator(`li.learning[data-learning="${ids.approve}"]`);
  const edited = page.locator(`li.learning[data-learning="${ids.edit}"]`);
  await approved.getByTestId('attribution').waitFor();
  assert.match((await approved.getByTestId('attribution').textContent()) ?? '', new RegExp(`approved by ${RITA} \\S`), 'approved by her, with the time');
  const editedBy = (await edited.getByTestId('attribution').textContent()) ?? '';
  assert.match(editedBy, new RegExp(`edited by ${RITA}`));
  assert.doesNotMatch(editedBy, /approved by/, 'an edit is its approval: said once');
  await edited.getByText('Wombat migrations run first').waitFor();
  assert.equal(await page.locator(`li.learning[data-learning="${ids.wait}"]`).count(), 0, 'the active list leaves what waits out');

  await approved.getByRole('button', { name: 'History' }).click();
  const byRita = approved.locator('ol.history > li').filter({ hasText: `by ${RITA}` });
  await byRita.first().waitFor();
  assert.match((await byRita.first().textContent()) ?? '', /^rev 2\s*active.*reason: approved$/s, 'the approval, by her');
  assert.deepEqual(await axeViolations(page, 'learnings (attribution)', SERIOUS_OR_WORSE), []);
  await shot(page, 'learnings-attribution-1280x800.png');

  await page.getByLabel('Status').selectOption('pending');
  const waiting = page.locator(`li.learning[data-learning="${ids.wait}"] .badge.status-pending`);
  await waiting.waitFor();
  assert.equal(await waiting.textContent(), 'pending');
});

test("the Search view lists what waits, marked pending review, and the approved one with its approver; agents' context has none of it", async () => {
  const page = await signedIn(admin.key);
  await page.goto(`${stack.api.url}/ui#/search`);
  await page.getByLabel('Query').fill('Numbat retries Quokka cache keys');
  await page.getByLabel('Mode').selectOption('keyword');
  await page.getByLabel('Project').first().fill(project);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const results = page.locator('li.result');
  await results.first().waitFor();
  const pending = results.filter({ hasText: learnings.wait.title });
  await pending.locator('.badge.status-pending').waitFor();
  assert.equal(await pending.locator('.badge.status-pending').textContent(), 'pending review');
  const approved = results.filter({ hasText: learnings.approve.title });
  await approved.getByTestId('attribution').waitFor();
  assert.equal(await approved.getByTestId('attribution').textContent(), ` · approved by ${RITA}`);
  assert.equal(await approved.getByText('pending review').count(), 0, 'the approved one is not marked pending');
  assert.deepEqual(await axeViolations(page, 'search (pending)', SERIOUS_OR_WORSE), []);
  await shot(page, 'search-pending-1280x800.png');

  // The control: what an agent is handed of the project has the approved learning, and not what waits.
  const context = await call(admin.key, 'GET', `/v1/context?project=${project}&tokens=4000`);
  assert.equal(context.status, 200);
  assert.ok(context.body.items.includes(ids.approve) && !context.body.items.includes(ids.wait), JSON.stringify(context.body.items));
  assert.ok(!String(context.body.context).includes(learnings.wait.title));
});

test('a maintainer whose key is limited to the project (or to two) works there without naming it: the badge, the Review view, Learnings and Live', async () => {
  const person = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Sam Scoped', email: 'sam@example.com', role: 'maintainer' } });
  const sam = await createApiKey(prisma, admin.name, { role: 'maintainer', label: 'sam laptop', personId: person.id, projects: [project] });
  // A key limited to two projects: every page asks for the projects it may see, none refuses.
  const two = await createApiKey(prisma, admin.name, { role: 'maintainer', label: 'sam two projects', personId: person.id, projects: [project, uniqueName('other')] });
  const wide = await signedIn(two.key);
  await wide.getByTestId('review-badge').getByText('1 waiting for review').waitFor();
  for (const [view, shown] of [
    ['review', wide.locator(`li[data-review="${ids.wait}"]`)],
    ['learnings', wide.locator(`li.learning[data-learning="${ids.approve}"]`)],
    ['live', wide.locator('.badge.conn-live')],
  ] as const) {
    await wide.goto(`${stack.api.url}/ui#/${view}`);
    await shown.waitFor();
    assert.equal(await wide.locator('p.error[role="alert"]').count(), 0, `${view} (two projects): no refusal`);
  }
  const page = await signedIn(sam.key);
  await page.getByTestId('review-badge').getByText('1 waiting for review').waitFor();
  await page.goto(`${stack.api.url}/ui#/review`);
  const waiting = page.locator(`li[data-review="${ids.wait}"]`);
  await waiting.getByText(/^pending \d+[smhd]/).waitFor();
  assert.equal(await page.locator('p.error[role="alert"]').count(), 0, 'no "name one" refusal');
  await waiting.getByRole('button', { name: 'Approve', exact: true }).click();
  await waiting.waitFor({ state: 'detached' });
  assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: ids.wait } })).status, 'active', 'approved by the scoped maintainer');
  const session = await prisma.session.findFirstOrThrow({ where: { tenantId: admin.tenantId, project: { name: project } } });
  await page.goto(`${stack.api.url}/ui#/sessions/${session.agentSessionId}`);
  await page.locator('summary', { hasText: 'Numbat retry tuning' }).first().waitFor();
  assert.equal(await page.getByTestId('summary-held').count(), 0, 'approved: the summary is served again, no longer marked held');

  await page.goto(`${stack.api.url}/ui#/learnings`);
  await page.locator(`li.learning[data-learning="${ids.wait}"]`).waitFor();
  assert.equal(await page.locator('p.error[role="alert"]').count(), 0, 'Learnings: no refusal');
  await page.goto(`${stack.api.url}/ui#/live`);
  await page.locator('.badge.conn-live').waitFor();
  assert.equal(await page.locator('p.error[role="alert"]').count(), 0, 'Live: no refusal');
  assert.deepEqual(await axeViolations(page, 'live (scoped key)', SERIOUS_OR_WORSE), []);

  // The API behind it: counts cut to the key's project; another project named is still refused.
  const counts = await call(sam.key, 'GET', '/v1/review/counts');
  assert.equal(counts.status, 200, JSON.stringify(counts.body));
  assert.deepEqual(counts.body.projects.map((p: { project: string }) => p.project), [project]);
  const elsewhere = await call(sam.key, 'GET', `/v1/review/counts?project=${uniqueName('other')}`);
  assert.equal(elsewhere.status, 403);
});
