/**
 * What the capture fault files share: tests/capture-faults.test.ts (faults of the file's own: its
 * worker process, its API, its proxy to PostgreSQL; it runs beside other files) and
 * tests/capture-faults-temporal.test.ts (restarts the stack's Temporal, so it runs in the
 * one-at-a-time tier). A tenant, the API's tuning and redispatch, a working directory per session,
 * and the check that a session completed with every event stored once.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createTemporalClient } from '../../common/server/temporal-connection.js';
import type { buildSession } from '../fixtures/claude-sessions.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './env.js';
import { assertStoredOnce, sessionResult } from './sessions.js';

export function captureFaults() {
  const prisma = testPrisma();
  const temporal = createTemporalClient(testConfig());
  let tenant: Awaited<ReturnType<typeof newTenant>> | undefined;
  before(async () => {
    tenant = await newTenant(prisma);
  });
  after(async () => {
    await temporal.connection.close();
    await prisma.$disconnect();
  });
  const fixture = {
    prisma,
    temporal,
    tuning: { flushDelayMs: 50, idleTimeoutMs: 300_000 },
    redispatch: { graceMs: 500, intervalMs: 300 },
    /** The file's tenant (made in its `before`). */
    get tenant() {
      assert.ok(tenant, 'the tenant is made before the first test');
      return tenant;
    },
    /** A working directory no other session has. */
    cwd: () => `/nonexistent/${uniqueName('faults')}`,
    /** The session ended: its workflow completed and every event is stored exactly once. */
    async assertCompletedOnce(s: ReturnType<typeof buildSession>): Promise<void> {
      const result = await sessionResult(temporal.client, prisma, fixture.tenant.tenantId, s.sessionId);
      assert.equal(result.status, 'completed');
      await assertStoredOnce(prisma, fixture.tenant.tenantId, s);
    },
  };
  return fixture;
}
