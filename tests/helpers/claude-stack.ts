/**
 * The real Claude Code against a scripted Messages API, with memflow installed in its repository
 * (`memflow install`: hooks through a local relay) and the test stack's API and worker on a task
 * queue of their own. Registers the file's `before` and `after`; what they start is read from the
 * returned object once `before` has run.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createTemporalClient } from '../../common/server/temporal-connection.js';
import { closedPort } from '../fixtures/cli-run.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './app.js';
import { ClaudeHarness } from './claude-cli.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './env.js';
import { ScriptedClaude } from './scripted-claude.js';

export interface InstalledClaude {
  prisma: ReturnType<typeof testPrisma>;
  temporal: ReturnType<typeof createTemporalClient>;
  model: ScriptedClaude;
  /** Set by `before`. */
  tenant: Awaited<ReturnType<typeof newTenant>>;
  h: ClaudeHarness;
}

/** `queue` names the task queue (made unique) and `repo` the repository Claude Code works in. */
export function installedClaude(queue: string, repo: string): InstalledClaude {
  const config = { ...testConfig({ TEMPORAL_TASK_QUEUE: uniqueName(queue) }), ANTHROPIC_API_KEY: undefined };
  const prisma = testPrisma();
  const temporal = createTemporalClient(config);
  const model = new ScriptedClaude();
  let api: TestApi | undefined;
  let worker: TestWorker | undefined;
  const stack = { prisma, temporal, model } as InstalledClaude;

  before(async () => {
    stack.tenant = await newTenant(prisma);
    api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } });
    worker = await startTestWorker(config, prisma);
    await model.start();
    stack.h = await ClaudeHarness.create({ model, apiUrl: api.url, key: stack.tenant.key, relayPort: await closedPort(), repoName: uniqueName(repo) });
    const r = await stack.h.memflow(['install']);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await stack.h?.stopRelay().catch(() => undefined);
    await model.close();
    await api?.close();
    await worker?.stop();
    await temporal.connection.close();
    await prisma.$disconnect();
  });

  return stack;
}
