/** Replaying fixture sessions through the real API and checking what they left behind. */
import assert from 'node:assert/strict';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../common/server/db.js';
import { waitUntil } from '../../infra/wait-until.js';
import { sessionWorkflowId, type SessionResult } from '../../messages/workflows-v1/session.js';
import type { Delivery, FixtureSession } from '../fixtures/claude-sessions.js';

export async function postHook(apiUrl: string, key: string, d: Delivery): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${apiUrl}/v1/hooks/${d.event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(d.body),
  });
  return { status: res.status, body: await res.json() };
}

/** Posts deliveries in order, asserting each is acknowledged. */
export async function replay(apiUrl: string, key: string, deliveries: Delivery[]): Promise<void> {
  for (const d of deliveries) {
    const res = await postHook(apiUrl, key, d);
    assert.equal(res.status, 200, `${d.event}: ${JSON.stringify(res.body)}`);
  }
}

/**
 * The result of the session's workflow run that processed its session-end. Neither the session's row
 * nor its workflow may exist yet (a relay delivers the hooks after acknowledging them; the start signal
 * can still be on its way from the redispatcher), so this waits for both.
 */
export async function sessionResult(client: Client, prisma: PrismaClient, tenantId: string, agentSessionId: string, timeoutMs = 60_000): Promise<SessionResult> {
  const projectId = async () => (await prisma.session.findFirst({ where: { tenantId, agentSessionId }, select: { projectId: true } }))?.projectId;
  await waitUntil(async () => (await projectId()) !== undefined, { what: `the row of session ${agentSessionId}`, timeoutMs, intervalMs: 200 });
  const handle = client.workflow.getHandle(sessionWorkflowId(tenantId, (await projectId())!, agentSessionId));
  await waitUntil(
    async () => {
      try {
        await handle.describe();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    { what: `workflow of session ${agentSessionId}`, timeoutMs, intervalMs: 200 },
  );
  return handle.result();
}

/** Every distinct delivery stored once, each tool call one observation, the session completed. */
export async function assertStoredOnce(prisma: PrismaClient, tenantId: string, s: FixtureSession): Promise<void> {
  const row = await prisma.session.findFirstOrThrow({ where: { tenantId, agentSessionId: s.sessionId } });
  assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id } }), s.deliveries.length, 'events stored once');
  assert.equal(await prisma.hookEvent.count({ where: { sessionId: row.id, processedAt: null } }), 0, 'every event processed');
  const tools = await prisma.observation.findMany({ where: { sessionId: row.id, kind: 'tool' }, select: { toolUseId: true } });
  assert.deepEqual(tools.map((t) => t.toolUseId).sort(), [...s.toolUseIds].sort(), 'each tool call once');
  const others = await prisma.observation.count({ where: { sessionId: row.id, NOT: { kind: 'tool' } } });
  // A tool call's events (pre-tool-use, post-tool-use, post-tool-use-failure) are its one observation.
  assert.equal(others, s.deliveries.filter((d) => !/-tool-use(-failure)?$/.test(d.event)).length, 'one item per non-tool event');
  assert.equal(row.status, 'completed');
}
