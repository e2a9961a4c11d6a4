/**
 * The viewer names the model path that wrote a learning and shows when it applies (issue 69): real
 * Chromium against the real API and worker, whose summarizer is the real `claude`
 * (MEMFLOW_MODEL=claude-cli) against a scripted model server. A session replayed through the API is
 * summarized by the CLI; its learning, opened in the Learnings view, says "written by claude-cli:…"
 * and "applies when" with the phrases the model wrote; a learning of a session the CLI could not
 * summarize (garbage) says "written by offline" and has no "applies when". A scripted model is not a
 * model: nothing here says how good the phrases are.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { buildViewer } from '../viewer/build.js';
import { buildDebugSession } from './fixtures/debug-session.js';
import { launchBrowser } from './helpers/browser.js';
import { axeViolations, screenshotsIn, signedInPage } from './helpers/viewer-page.js';
import { newTenant } from './helpers/env.js';
import { ordersTotalFinalAnswer, workerClaude } from './helpers/worker-claude.js';
import { replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

// Before the stack (and its worker) starts: the CLI the worker runs inherits its environment.
const claude = workerClaude('claude-viewer-config');
const APPLIES_WHEN = ['order totals endpoint returns 500', 'checkout total blank for an empty cart'];
const TITLE = 'Orders total needs an empty list default for null orders';

const stack = withTestStack('viewer-written-by', {
  env: { MEMFLOW_MODEL: 'claude-cli', MEMFLOW_CLI_TIMEOUT_MS: '120000', MEMFLOW_CLI_BATCH_WAIT_MS: '0' },
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const contexts: BrowserContext[] = [];
let browser: Browser;
const shot = screenshotsIn(path.resolve('test-output', 'viewer-written-by'));

before(async () => {
  await buildViewer();
  await stack.ready;
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

const finalAnswer = (request: string) => ordersTotalFinalAnswer(request, { title: TITLE, appliesWhen: APPLIES_WHEN });

async function runSession(key: string, tenantId: string): Promise<void> {
  const session = buildDebugSession(crypto.randomUUID(), `/home/dev/shop-${crypto.randomBytes(3).toString('hex')}`);
  await replay(stack.api.url, key, session.deliveries);
  await sessionResult(stack.temporal, stack.prisma, tenantId, session.sessionId, 240_000);
}

test('a learning shows the model path that wrote it and when it applies; an offline one says offline', async () => {
  const t = await newTenant(stack.prisma);
  claude.answer = finalAnswer;
  await runSession(t.key, t.tenantId);
  const byCli = await stack.prisma.learning.findFirstOrThrow({ where: { tenantId: t.tenantId, title: TITLE } });
  // A session the CLI could not summarize (garbage): its summary and learnings are offline (a tenant of its own, so no
  // learning of it restates the CLI's).
  const o = await newTenant(stack.prisma);
  claude.answer = () => 'not JSON at all';
  await runSession(o.key, o.tenantId);
  const offline = await stack.prisma.learning.findFirstOrThrow({ where: { tenantId: o.tenantId, kind: 'fix' } });

  const page = await signedInPage(browser, contexts, `${stack.api.url}/ui`, t.key, { width: 1280, height: 800 });
  await page.goto(`${stack.api.url}/ui#/learnings`);
  const card = page.locator(`li.learning[data-learning="${byCli.id}"]`);
  await card.waitFor();
  await card.locator('details.provenance summary').click();
  const facts = (await card.locator('dl.provenance').textContent()) ?? '';
  assert.match(facts, /written byclaude-cli:\S+/, `the path is named: ${facts}`);
  assert.ok(facts.includes(`applies when${APPLIES_WHEN.join('; ')}`), `when it applies is shown: ${facts}`);
  assert.deepEqual(await axeViolations(page, 'learnings (written by)', ['serious', 'critical']), []);
  await shot(page, 'learning-written-by-1280x800.png');

  const offPage = await signedInPage(browser, contexts, `${stack.api.url}/ui`, o.key, { width: 1280, height: 800 });
  await offPage.goto(`${stack.api.url}/ui#/learnings`);
  const off = offPage.locator(`li.learning[data-learning="${offline.id}"]`);
  await off.waitFor();
  await off.locator('details.provenance summary').click();
  const offFacts = (await off.locator('dl.provenance').textContent()) ?? '';
  assert.match(offFacts, /written byoffline/, `an offline learning says so: ${offFacts}`);
  assert.ok(!offFacts.includes('applies when'), 'an offline learning has no "applies when"');
});
