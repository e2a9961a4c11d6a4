/**
 * Receipts tell the truth (docs/push.md, "Only what the agent got"; api/context/context-receipt.ts), on
 * the real API and PostgreSQL: a push the relay asks for with X-Memflow-Receipt: on-delivery is an offer
 * until the relay says it handed it over, and no receipt at all when it never does (a push past the
 * relay's budget); a receipt names the agent's session id, so "already pushed" holds before memflow
 * knows the session; the relay's reads count in the hooks' rate-limit bucket, not the key's general one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientEnv, runCli, tempDir } from './fixtures/cli-run.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const prisma = testPrisma();
let api: TestApi;
let tenant: Awaited<ReturnType<typeof newTenant>>;
let limited: TestApi;

before(async () => {
  tenant = await newTenant(prisma);
  api = await startTestApi(testConfig(), prisma);
  // A key whose general budget is 2 requests a minute: the relay's reads must not spend it.
  limited = await startTestApi(testConfig({ MEMFLOW_RATE_LIMIT_PER_MINUTE: '2' }), prisma);
});
after(async () => {
  await api?.close();
  await limited?.close();
  await prisma.$disconnect();
});

const RULE = 'We decided retries are capped at 7: never change MAX_ATTEMPTS in payclient/retry.py.';

async function remember(project: string): Promise<void> {
  const home = await tempDir('receipts-home');
  const r = await runCli(['remember', RULE, '--kind', 'decision', '--project', project], { env: await clientEnv(home, tenant.key, api.url) });
  assert.equal(r.code, 0, r.stderr);
}

const filePush = (base: string, project: string, session: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/context?for=file&path=${encodeURIComponent('payclient/retry.py')}&project=${project}&channel=file_touch&session=${session}`, { headers: { authorization: `Bearer ${tenant.key}`, ...headers } });

test('an offered push is a receipt only once the relay says it was handed over; an offer never confirmed is none', async () => {
  const project = uniqueName('rcpt');
  await remember(project);
  const receipts = () => prisma.contextReceipt.findMany({ where: { tenantId: tenant.tenantId, project: { name: project }, channel: 'file_touch' }, include: { items: true } });

  // Past the budget: the relay never confirms, so nothing says the agent got it, and it is not "already pushed".
  const late = (await (await filePush(api.url, project, 'agent-late', { 'x-memflow-receipt': 'on-delivery' })).json()) as { context: string; receipt?: string };
  assert.match(late.context, /capped at 7/);
  assert.ok(late.receipt, 'an offer to confirm');
  assert.equal((await receipts()).length, 0, 'no receipt for an offer nobody confirmed');
  const again = (await (await filePush(api.url, project, 'agent-late', { 'x-memflow-receipt': 'on-delivery' })).json()) as { context: string };
  assert.match(again.context, /capped at 7/, 'not handed over: pushed again at the next touch');

  // In time: the relay confirms, the receipt is written once, with the agent's session id; the next push knows it.
  const onTime = (await (await filePush(api.url, project, 'agent-1', { 'x-memflow-receipt': 'on-delivery' })).json()) as { receipt: string };
  const confirm = () => fetch(`${api.url}/v1/context/receipts/${onTime.receipt}/delivered`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` } });
  assert.equal((await confirm()).status, 204);
  assert.equal((await confirm()).status, 404, 'confirmed once');
  const written = await receipts();
  assert.equal(written.length, 1);
  assert.equal(written[0]!.agentSessionId, 'agent-1');
  assert.equal(written[0]!.sessionId, null, 'memflow does not know the session yet');
  const next = (await (await filePush(api.url, project, 'agent-1')).json()) as { context: string };
  assert.equal(next.context, '', 'already pushed to this session, before its SessionStart was delivered');

  // Another tenant cannot confirm it; a malformed id is a 400.
  const other = await newTenant(prisma);
  const foreign = (await (await filePush(api.url, project, 'agent-2', { 'x-memflow-receipt': 'on-delivery' })).json()) as { receipt: string };
  assert.equal((await fetch(`${api.url}/v1/context/receipts/${foreign.receipt}/delivered`, { method: 'POST', headers: { authorization: `Bearer ${other.key}` } })).status, 404);
  assert.equal((await fetch(`${api.url}/v1/context/receipts/nope/delivered`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` } })).status, 400);
  // Without the header (the CLI, a client without the relay): the receipt is written at once, as before.
  await filePush(api.url, project, 'agent-3');
  assert.equal((await receipts()).filter((r) => r.agentSessionId === 'agent-3').length, 1);

  // Offered before memflow knew the session, confirmed after its start was delivered: the receipt names the session.
  const offered = (await (await filePush(api.url, project, 'agent-5', { 'x-memflow-receipt': 'on-delivery' })).json()) as { receipt: string };
  const projectRow = await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.tenantId, name: project } });
  const session = await prisma.session.create({ data: { tenantId: tenant.tenantId, projectId: projectRow.id, agentSessionId: 'agent-5' } });
  assert.equal((await fetch(`${api.url}/v1/context/receipts/${offered.receipt}/delivered`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` } })).status, 204);
  assert.deepEqual((await receipts()).filter((r) => r.agentSessionId === 'agent-5').map((r) => r.sessionId), [session.id]);
});

test('an offer is written behind its answer: a confirmation sent the moment the answer arrives finds it', async () => {
  const project = uniqueName('rcpt-fast');
  await remember(project);
  const confirmed = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const offered = (await (await filePush(api.url, project, `agent-fast-${i}`, { 'x-memflow-receipt': 'on-delivery' })).json()) as { receipt: string };
      return (await fetch(`${api.url}/v1/context/receipts/${offered.receipt}/delivered`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` } })).status;
    }),
  );
  assert.deepEqual(confirmed, Array.from({ length: 12 }, () => 204));
  const written = await prisma.contextReceipt.count({ where: { tenantId: tenant.tenantId, project: { name: project }, channel: 'file_touch' } });
  assert.equal(written, 12, 'one receipt per confirmed offer');
});

test("the relay's reads for the hooks count in the hooks' budget, not the key's general one", async () => {
  const project = uniqueName('rl');
  for (let i = 0; i < 6; i++) {
    const r = await filePush(limited.url, project, `s${i}`);
    assert.equal(r.status, 200, `file push ${i}`);
    const names = await fetch(`${limited.url}/v1/context/files?project=${project}`, { headers: { authorization: `Bearer ${tenant.key}` } });
    assert.equal(names.status, 200, `file names ${i}`);
  }
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/v1/context?project=${project}`, { headers: { authorization: `Bearer ${tenant.key}` } })).status);
  assert.deepEqual(statuses, [200, 200, 429], "a person's reads still meet the general budget");
});
