/**
 * The redaction corpus end to end: every positive case of the redaction corpus is posted through the
 * hooks of the real API (half as prompts, half as tool output: a `.env` read, CLI output, …), the
 * session runs on the real worker with Claude replaced by the fake Messages API, and then no secret
 * of the corpus is found in PostgreSQL, Weaviate, the export, the API and worker logs, the session
 * workflow's Temporal history, or what was sent to the model.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../common/server/config.js';
import { connectWeaviate } from '../common/server/weaviate/client.js';
import { tenantCollection, type WeaviateClient } from '../common/server/weaviate/schema.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { RESCAN_TABLES } from '../messages/workflows-v1/redaction-rescan.js';
import { sessionWorkflowId } from '../messages/workflows-v1/session.js';
import type { Delivery } from './fixtures/claude-sessions.js';
import { CORPUS_SECRETS, POSITIVES } from './fixtures/redaction-corpus.js';
import { startTestApi, startTestWorker, workerLogLines, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { FakeAnthropic } from './helpers/fake-anthropic.js';
import { replay, sessionResult } from './helpers/sessions.js';

const fake = new FakeAnthropic();
const prisma = testPrisma();
const apiLogs: string[] = [];
let config: Config;
let api: TestApi;
let worker: TestWorker;
let connection: Connection;
let temporal: Client;
let weaviate: WeaviateClient;

before(async () => {
  await fake.start();
  config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueName('replay-redaction'),
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    ANTHROPIC_BASE_URL: fake.url,
    MEMFLOW_SUMMARY_MODEL: 'claude-haiku-4-5',
    MEMFLOW_FINAL_SUMMARY_MODEL: 'claude-sonnet-4-5',
    MEMFLOW_SUMMARY_BATCH_TOKENS: '800',
  });
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000, summaryBatchTokens: 800 }, logSink: apiLogs });
  worker = await startTestWorker(config, prisma);
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  weaviate = await connectWeaviate(config);
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await connection?.close();
  await weaviate?.close();
  await fake.stop();
  await prisma.$disconnect();
});

/** A session whose prompts and tool outputs are the corpus positives. */
function corpusSession(sessionId: string, cwd: string): Delivery[] {
  const common = { session_id: sessionId, transcript_path: `/home/dev/.claude/projects/x/${sessionId}.jsonl`, cwd, permission_mode: 'default' };
  const out: Delivery[] = [{ event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup' } }];
  POSITIVES.forEach((p, i) => {
    if (i % 2 === 0) {
      out.push({ event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt: p.text } });
      return;
    }
    const tool_use_id = `toolu_${sessionId.slice(0, 8)}_${String(i).padStart(3, '0')}`;
    const tool_input = { command: `cat notes-${i}.txt`, description: `Show ${p.family} notes` };
    out.push({ event: 'pre-tool-use', body: { ...common, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input, tool_use_id } });
    out.push({ event: 'post-tool-use', body: { ...common, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input, tool_response: { stdout: p.text, stderr: '', interrupted: false }, tool_use_id } });
  });
  out.push({ event: 'stop', body: { ...common, hook_event_name: 'Stop', stop_hook_active: false } });
  out.push({ event: 'session-end', body: { ...common, hook_event_name: 'SessionEnd', reason: 'logout' } });
  return out;
}

function secretsIn(where: string, text: string): string[] {
  const found = CORPUS_SECRETS.filter((s) => text.includes(s));
  if (found.length) console.log(`${where}: ${found.length} corpus secret(s) found (first chars: ${found.map((s) => s.slice(0, 6)).join(', ')})`);
  return found;
}

test('no secret of the corpus reaches PostgreSQL, Weaviate, the export, the logs, Temporal history or the model', async () => {
  const tenant = await newTenant(prisma, 'member');
  const project = uniqueName('corpus');
  const sessionId = crypto.randomUUID();
  await replay(api.url, tenant.key, corpusSession(sessionId, `/home/dev/${project}`));
  const result = await sessionResult(temporal, prisma, tenant.tenantId, sessionId, 180_000);
  assert.ok(result, 'the session finished');
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.tenantId, agentSessionId: sessionId } });
  assert.equal(row.status, 'completed');
  assert.ok(fake.requests.length > 0, 'the model was called');

  // PostgreSQL: every table holding the tenant's text, whole rows as text.
  let pg = '';
  for (const table of RESCAN_TABLES) {
    const scope = table.startsWith('learning_') ? 'learning_id IN (SELECT id FROM learnings WHERE tenant_id = $1::uuid)' : 'tenant_id = $1::uuid';
    const rows = await prisma.$queryRawUnsafe<{ t: string }[]>(`SELECT t::text AS t FROM "${table}" t WHERE ${scope}`, tenant.tenantId);
    pg += rows.map((r) => r.t).join('\n');
  }
  assert.ok(pg.includes('[redacted:secret-prose]') && pg.includes('use the password'), 'the prose around the secrets was stored');
  assert.ok((await prisma.summary.count({ where: { sessionId: row.id } })) > 0, 'summaries were written');

  // Weaviate: the tenant's objects of every record type.
  let vectors = '';
  for (const type of RECORD_TYPES) {
    try {
      const res = await tenantCollection(weaviate, type, tenant.tenantId).query.fetchObjects({ limit: 1000 });
      vectors += JSON.stringify(res.objects.map((o) => o.properties));
    } catch (err) {
      // A record type the session wrote nothing of (no learnings) has no Weaviate tenant yet.
      if (!/tenant not found|not found|could not find/i.test(String(err))) throw err;
    }
  }
  assert.ok(vectors.length > 100, 'Weaviate holds the session');

  const exported = await (await fetch(`${api.url}/v1/export?project=${project}`, { headers: { authorization: `Bearer ${tenant.key}` } })).text();
  assert.ok(exported.split('\n').length > POSITIVES.length / 2, 'the export has the session');

  const logs = [...apiLogs, ...workerLogLines()].join('\n');
  assert.ok(apiLogs.length > POSITIVES.length, 'API logs were captured');

  const history = await temporal.workflow.getHandle(sessionWorkflowId(tenant.tenantId, row.projectId, sessionId)).fetchHistory();
  const historyText = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
  const sentToModel = JSON.stringify(fake.requests.map((r) => r.body));

  const leaks = {
    postgres: secretsIn('PostgreSQL', pg),
    weaviate: secretsIn('Weaviate', vectors),
    export: secretsIn('export', exported),
    logs: secretsIn('logs', logs),
    temporalHistory: secretsIn('Temporal history', historyText),
    model: secretsIn('requests to the model', sentToModel),
  };
  console.log(`corpus replay: ${CORPUS_SECRETS.length} secrets checked in 6 places; leaks ${JSON.stringify(Object.fromEntries(Object.entries(leaks).map(([k, v]) => [k, v.length])))}`);
  assert.deepEqual(leaks, { postgres: [], weaviate: [], export: [], logs: [], temporalHistory: [], model: [] });
});
