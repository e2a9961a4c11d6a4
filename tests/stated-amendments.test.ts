/**
 * A person changes a rule they stated earlier, in a later session, in so many words ("change the rule then: …"), and
 * names no code: the earlier statement (read as a note: "Right, 5 in a row and 30 s.", on the agent's FailureThreshold)
 * is retired by it, and the push at the code hands the new rule, not the old one. Through the real stack: the hook
 * route, the worker's offline summary and merge (activities/summarize/learning-merge.ts `amendable`), GET /v1/context
 * for=file as the relay asks it. And one in another language that sets the same constant (`THUMB_WIDTH`, which the agent's
 * turn after the earlier rule named) retires it by that code (common/rules/rule-scope.ts `sameCodeVersions`). And a later
 * session's edit that renames the function a rule is anchored to moves the rule's anchor to the new name
 * (activities/summarize/anchor-renames.ts). And a rule that names a header reaches the file that spells it in a string
 * literal (common/code/code-names.ts `keys`).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { newTenant, uniqueName } from './helpers/env.js';
import crypto from 'node:crypto';
import { chatSession, hooksIn, openSession, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';
import { CodeReader } from '../common/code/code-names.js';
import { mentionsAnyOrPhrase, phrasesAmong } from '../common/code/code-words.js';
import { anchorsOf } from '../cli/relay/code-anchors.js';
import type { CodeLanguage } from '../common/code/code-language.js';

const stack = withTestStack('stated-amend', {
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, call } = stack;
const project = uniqueName('logshed');
const cwd = `/tmp/memflow-amend/${project}`;
let tenant: Awaited<ReturnType<typeof newTenant>>;

before(async () => {
  await stack.ready;
  tenant = await newTenant(prisma, 'member');
});

/** A session of [prompt, the agent's answer] turns, summarized. */
const session = (turns: [string, string][]) => chatSession(hooksIn(stack.api.url, tenant.key, cwd), stack.temporal, prisma, tenant.tenantId, turns);

/**
 * A module read as the relay reads it at a file touch (cli/relay/code-anchors.ts): the project's anchor index (which must
 * hold `indexed`, else `told`), the scan before a parse (`scanned`: what it must find), then the anchors of the parse's
 * names; `anchorsOfOther` reads another file's code against the same index.
 */
async function readAsTheRelay(language: CodeLanguage, module: string, indexed: string, told: string, scanned: string) {
  const index = (await call(tenant.key, 'GET', `/v1/context/files?project=${project}`)).body as { identifiers: string[] };
  const identifiers = new Set(index.identifiers);
  assert.ok(identifiers.has(indexed), told);
  assert.ok(mentionsAnyOrPhrase(module, identifiers, phrasesAmong(identifiers)), scanned);
  const anchorsOfCode = async (code: string) => anchorsOf({ language, names: await new CodeReader().names(language, code) }, identifiers);
  return { anchors: await anchorsOfCode(module), anchorsOfOther: anchorsOfCode };
}

test('"change the rule then: …" in a later session retires the earlier statement it changes, and the push at the code hands the new rule', async () => {
  await session([
    ["when the collector is down we retry every batch forever and the logs fill with 'push failed'. what can we do?", 'A circuit breaker in front of the sink: it opens after FailureThreshold = 5 consecutive failures, keeps batches in the spool while open, and half-opens after OpenFor = 30 s to let one probe through.'],
    ['Right, 5 in a row and 30 s.', 'Done in internal/breaker; the sink asks Allow() before a push.'],
  ]);
  const old = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, body: { contains: '5 in a row' } } });
  assert.ok(old && old.status === 'active' && old.anchors.includes('id:failurethreshold'), `the assent is kept with the proposal it agrees to, at its code: ${JSON.stringify(old)}`);

  await session([
    ["the breaker never opened during Friday's incident: the collector failed about every other request, so the consecutive count kept resetting.", 'Right, any success resets the count. A failure-rate window would catch it.'],
    ['change the rule then: open the breaker when more than half of the last 20 pushes failed. the 30 s before a probe stays.', 'OK: a ring of the last 20 outcomes.'],
  ]);
  const rule = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, kind: { in: ['decision', 'convention'] }, body: { contains: 'half of the last 20' } } });
  assert.ok(rule, 'the amendment is stored as a rule');
  const retired = await prisma.learning.findUniqueOrThrow({ where: { id: old.id } });
  assert.equal(retired.status, 'superseded', 'the earlier statement is retired');
  assert.equal(retired.supersededById, rule.id);
  assert.ok(rule.anchors.includes('id:failurethreshold'), `the amendment is about the code of what it changed: ${rule.anchors.join(' ')}`);

  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=internal/breaker/breaker.go&anchors=failurethreshold,openfor`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const pushed = (res.body as { context: string }).context;
  assert.match(pushed, /more than half of the last 20 pushes failed/);
  assert.doesNotMatch(pushed, /5 in a row/, 'the retired statement is not handed over');
});

test("a later statement in another language that sets the same constant retires the earlier one, found by the code the agent's next turn named", async () => {
  // The English rule names no constant; the agent's next turn does (THUMB_WIDTH = 320): the rule is anchored to it.
  await session([
    ['the digest mails are 2.4 MB each now, people on mobile complain. where does that come from?', 'Mostly images: digest.py inlines the original entry images. Generating thumbnails once in a new thumbs.py would cut most of it.'],
    ['yes do that. thumbnails are 320 px wide, JPEG quality 80, and never enlarge small images.', 'Done: feedhop/thumbs.py with THUMB_WIDTH = 320 and JPEG_QUALITY = 80; scaled_size leaves narrower images alone.'],
  ]);
  const old = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, kind: { in: ['decision', 'convention'] }, body: { contains: '320 px wide' } } });
  assert.ok(old && old.anchors.includes('id:thumb_width'), `anchored to what the agent's next turn named: ${JSON.stringify(old?.anchors)}`);

  // The French amendment shares almost no words with it: the constant is what the two share.
  await session([
    ['Salut, le build de la CI échoue sur test_store depuis ce matin, tu peux regarder ?', "C'est la migration 0012 ; j'ai ajouté une valeur par défaut et la CI repasse."],
    ["Merci. Autre chose : les vignettes sont floues sur les écrans retina. On passe THUMB_WIDTH à 480 px ; la qualité JPEG reste à 80 et on n'agrandit toujours pas les petites images.", "D'accord, je régénère les vignettes cette nuit."],
  ]);
  const rule = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, status: 'active', body: { contains: 'THUMB_WIDTH à 480' } } });
  assert.ok(rule, 'the amendment is stored');
  const retired = await prisma.learning.findUniqueOrThrow({ where: { id: old.id } });
  assert.equal(retired.status, 'superseded', 'the earlier rule is retired');
  assert.equal(retired.supersededById, rule.id);

  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=feedhop/thumbs.py&anchors=thumb_width,jpeg_quality,scaled_size`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const pushed = (res.body as { context: string }).context;
  assert.match(pushed, /480 px/);
  assert.doesNotMatch(pushed, /320 px wide/, 'the retired rule is not handed over');
});

test('a later session that renames the function a rule is anchored to takes the rule along: the push at the renamed function hands it', async () => {
  await session([
    ['worker-2 hung for a day: a partner sent Retry-After: 86400 and we slept on it. where is that read?', 'In feedhop/backoff.py: parse_retry_after turns the header into seconds, and next_delay sleeps on it as it is.'],
    ['Rule for parse_retry_after: whatever the header says, never wait more than 6 hours — cap it there, always.', 'Done: parse_retry_after caps at 6 * 3600.'],
  ]);
  const rule = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, status: 'active', body: { contains: 'never wait more than 6 hours' } } });
  assert.ok(rule && rule.anchors.includes('id:parse_retry_after'), `anchored to the function it names: ${JSON.stringify(rule?.anchors)}`);

  // Another session renames the function (the definition and its one use, in one Edit), and says nothing of the rule.
  const post = hooksIn(stack.api.url, tenant.key, cwd);
  const sid = `s-${crypto.randomUUID()}`;
  await post('session-start', { session_id: sid, hook_event_name: 'SessionStart', source: 'startup' });
  await post('user-prompt-submit', { session_id: sid, hook_event_name: 'UserPromptSubmit', prompt: 'rename parse_retry_after to parse_retry_header, it reads more than Retry-After now' });
  const old_string = 'def parse_retry_after(value):\n    seconds = int(value)\n    return min(seconds, 6 * 3600)\n\n\ndelay = parse_retry_after(header)';
  await post('post-tool-use', {
    session_id: sid,
    hook_event_name: 'PostToolUse',
    tool_name: 'Edit',
    tool_use_id: `toolu_${crypto.randomBytes(6).toString('hex')}`,
    tool_input: { file_path: `${cwd}/feedhop/backoff.py`, old_string, new_string: old_string.replaceAll('parse_retry_after', 'parse_retry_header') },
    tool_response: { filePath: `${cwd}/feedhop/backoff.py`, oldString: old_string, newString: old_string.replaceAll('parse_retry_after', 'parse_retry_header') },
  });
  await post('stop', { session_id: sid, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Renamed it in feedhop/backoff.py.' });
  await post('session-end', { session_id: sid, hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(stack.temporal, prisma, tenant.tenantId, sid, 90_000);

  const moved = await prisma.learning.findUniqueOrThrow({ where: { id: rule.id } });
  assert.equal(moved.status, 'active');
  assert.ok(moved.anchors.includes('id:parse_retry_header') && !moved.anchors.includes('id:parse_retry_after'), `the anchor follows the rename: ${moved.anchors.join(' ')}`);
  assert.ok(rule.scope.includes('parse_retry_after') && moved.scope.includes('parse_retry_header') && !moved.scope.includes('parse_retry_after'), `so does its scope: ${rule.scope.join(' ')} -> ${moved.scope.join(' ')}`);
  assert.equal(new Set(moved.anchors).size, moved.anchors.length, 'each anchor once');
  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=feedhop/backoff.py&anchors=parse_retry_header`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match((res.body as { context: string }).context, /never wait more than 6 hours/, 'handed at the renamed function');
});

test('a rule said in plain words ("business days") reaches the file that defines the code they name (`isBusinessDay`), as the relay reads it', async () => {
  await session([
    ["An order came in at 14:30 from Vienna, the shop promised dispatch today, the warehouse only ships the next day. Who's wrong?", 'The shop. The estimate compares the order time with the cut-off in UTC and skips only weekends.'],
    ["The cut-off is 14:00 in the warehouse's own time zone, and the days we count are business days in the warehouse's country: no weekends, no public holidays.", 'Understood, both dates will skip weekends and that country\'s holidays.'],
  ]);
  const stated = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, status: 'active', body: { contains: "warehouse's own time zone" } } });
  assert.ok(stated, 'the statement is kept');
  assert.ok(stated.anchors.includes('w:business_day'), `the plain words are a phrase anchor: ${stated.anchors.join(' ')}`);

  // The relay's side: the project's anchors, and what a real parse of the module gives.
  const module = "export const CUTOFF_HOUR = 14;\nexport function isWeekend(d: Date): boolean { return d.getUTCDay() % 6 === 0; }\nexport function isBusinessDay(d: Date, country: string): boolean { return !isWeekend(d) && !holidaysOf(country).includes(d.toISOString().slice(0, 10)); }\nexport function holidaysOf(country: string): string[] { return []; }\n";
  const { anchors, anchorsOfOther } = await readAsTheRelay('typescript', module, 'business_day', 'the relay is told the phrase', 'the scan before a parse finds the phrase in a compound name');
  assert.ok(anchors.includes('business_day'), `the parse gives the phrase: ${anchors.join(',')}`);

  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=src/dates.ts&anchors=${anchors.join(',')}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match((res.body as { context: string }).context, /14:00 in the warehouse's own time zone/);
  // A file that defines nothing holding the phrase gets nothing from it.
  assert.deepEqual(await anchorsOfOther('export function shipLabel(order: string): string { return order; }\n'), []);
});

test('a rule that names a header the code spells (`X-Logshed-Tenant`) reaches the file whose string literal holds it, as the relay reads it', async () => {
  await session([
    ['Two customers see each other\'s lines in the collector since Monday. How does the collector know whose line it is?', 'By the tenant header each push carries; the shipper fills it from the input\'s config.'],
    ['the shipper sends X-Logshed-Tenant on every push, always the tenant of the input the lines came from, never a default: a line whose input has no tenant is refused before it is sent.', 'OK, the push refuses a batch whose input has no tenant.'],
  ]);
  const stated = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, status: 'active', body: { contains: 'X-Logshed-Tenant on every push' } } });
  assert.ok(stated, 'the statement is kept');
  assert.ok(stated.anchors.includes('id:x-logshed-tenant'), `the header is an anchor: ${stated.anchors.join(' ')}`);

  // The module names no function the statement named: it spells the header in a constant.
  const module = 'package push\n\nimport "net/http"\n\nconst tenantHeader = "X-Logshed-Tenant"\n\nfunc Send(req *http.Request, tenant string) {\n\treq.Header.Set(tenantHeader, tenant)\n}\n';
  const { anchors, anchorsOfOther } = await readAsTheRelay('go', module, 'x-logshed-tenant', 'the relay is told the header', 'the scan before a parse finds the hyphenated key');
  assert.deepEqual(anchors, ['x-logshed-tenant'], 'the parse gives the key its literal spells');

  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=internal/push/push.go&anchors=${anchors.join(',')}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match((res.body as { context: string }).context, /X-Logshed-Tenant on every push/);
  // A file that spells another header gets nothing from it.
  assert.deepEqual(await anchorsOfOther('package health\n\nconst cacheHeader = "X-Logshed-Cache"\n'), []);
});

test('a later statement that calls the code by its words ("the gift card question") and says it changes retires the earlier one, in whichever order the two sessions are summarized', async () => {
  const post = hooksIn(stack.api.url, tenant.key, cwd);
  // The earlier session's statement is made, but its session is summarized only after the later one's.
  const early = await openSession(post, [
    ["we're launching gift cards next month. what's missing?", "issue and redeem exist in src/giftcards.ts; the expiry isn't decided yet, it's a TODO."],
    ["gift cards expire 12 months after purchase, GIFT_CARD_VALIDITY_MONTHS = 12, and an expired card's balance is forfeited, no grace period.", 'Done: expiryOf adds GIFT_CARD_VALIDITY_MONTHS to the purchase date and redeem refuses an expired card.'],
  ]);

  await session([
    ['the supplier CSV from Hanse Papier fails to import, line 212 has a semicolon inside quotes', 'csvImport splits on semicolons before it handles quotes; I switched it to a parser with quote handling.'],
    ['thanks. oh, and legal came back on the gift card question: in Germany a voucher has to stay valid three years, counted from the end of the year it was bought in. so a card bought any time in 2026 is good until Dec 31, 2029. no more 12-month expiry.', 'Understood. Cards already sold get the new date too?'],
  ]);
  const later = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, status: 'active', body: { contains: 'good until Dec 31, 2029' } } });
  assert.ok(later, 'the later statement is kept');

  await post('session-end', { session_id: early, hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(stack.temporal, prisma, tenant.tenantId, early, 90_000);
  const earlier = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, body: { contains: 'no grace period' } } });
  assert.ok(earlier, 'the earlier statement is kept, as history');
  assert.ok(earlier.validFrom < later.validFrom, 'stated before the later one');
  assert.equal(earlier.status, 'superseded', `stored as the older version: ${JSON.stringify({ status: earlier.status, anchors: earlier.anchors, later: later.anchors })}`);
  assert.equal(earlier.supersededById, later.id);

  const res = await call(tenant.key, 'GET', `/v1/context?project=${project}&for=file&path=src/giftcards.ts&anchors=gift_card_validity_months,gift_card,card_validity,validity_month`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const pushed = (res.body as { context: string }).context;
  assert.match(pushed, /good until Dec 31, 2029/);
  assert.doesNotMatch(pushed, /no grace period/, 'the retired statement is not handed over');
});

test('"change the rule then: …" retires the note it changes also when the note\'s session is summarized after it', async () => {
  const other = uniqueName('logshed');
  const otherCwd = `/tmp/memflow-amend/${other}`;
  const post = hooksIn(stack.api.url, tenant.key, otherCwd);
  // The earlier session's assent is made, but its session is summarized only after the amendment's.
  const early = await openSession(post, [
    ["when the collector is down we retry every batch forever and the logs fill with 'push failed'. what can we do?", 'A circuit breaker in front of the sink: it opens after FailureThreshold = 5 consecutive failures, keeps batches in the spool while open, and half-opens after OpenFor = 30 s to let one probe through.'],
    ['Right, 5 in a row and 30 s.', 'Done in internal/breaker; the sink asks Allow() before a push.'],
  ]);

  await chatSession(post, stack.temporal, prisma, tenant.tenantId, [
    ["the breaker never opened during Friday's incident: the collector failed about every other request, so the consecutive count kept resetting.", 'Right, any success resets the count. A failure-rate window would catch it.'],
    ['change the rule then: open the breaker when more than half of the last 20 pushes failed. the 30 s before a probe stays.', 'OK: a ring of the last 20 outcomes.'],
  ]);
  const rule = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, project: { name: other }, status: 'active', kind: { in: ['decision', 'convention'] }, body: { contains: 'half of the last 20' } } });
  assert.ok(rule, 'the amendment is stored as a rule');

  await post('session-end', { session_id: early, hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(stack.temporal, prisma, tenant.tenantId, early, 90_000);
  const old = await prisma.learning.findFirst({ where: { tenantId: tenant.tenantId, project: { name: other }, body: { contains: '5 in a row' } } });
  assert.ok(old, 'the assent is kept, as history');
  assert.ok(old.validFrom < rule.validFrom, 'stated before the amendment');
  assert.equal(old.status, 'superseded', `stored as the older version: ${JSON.stringify({ kind: old.kind, status: old.status, anchors: old.anchors })}`);
  assert.equal(old.supersededById, rule.id);

  const res = await call(tenant.key, 'GET', `/v1/context?project=${other}&for=file&path=internal/breaker/breaker.go&anchors=failurethreshold,openfor`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const pushed = (res.body as { context: string }).context;
  assert.match(pushed, /more than half of the last 20 pushes failed/, 'the amendment took over the code of what it changed');
  assert.doesNotMatch(pushed, /5 in a row/, 'the retired statement is not handed over');
});
