/**
 * A person changes a rule they stated earlier, in a later session, in so many words ("change the rule then: …"), and
 * names no code: the earlier statement (read as a note: "Right, 5 in a row and 30 s.", on the agent's FailureThreshold)
 * is retired by it, and the push at the code hands the new rule, not the old one. Through the real stack: the hook
 * route, the worker's offline summary and merge (activities/summarize/learning-merge.ts `amendable`), GET /v1/context
 * for=file as the relay asks it.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { newTenant, uniqueName } from './helpers/env.js';
import { chatSession, hooksIn } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

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
