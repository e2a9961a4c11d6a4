/** Replaying fixture sessions through the real API and checking what they left behind. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
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

/** Posting hook events as an agent working in `cwd` does: each one acknowledged (asserted), its answer returned. */
export function hooksIn(apiUrl: string, key: string, cwd: string): (event: string, body: Record<string, unknown>) => Promise<Record<string, unknown>> {
  return async (event, body) => {
    const res = await postHook(apiUrl, key, { event, body: { cwd, transcript_path: '/tmp/t.jsonl', ...body } } as Delivery);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Record<string, unknown>;
  };
}

/** A session of prompts, each answered by the agent (its Stop's message), through `post` (hooksIn), not ended yet; its id. */
export async function openSession(post: ReturnType<typeof hooksIn>, turns: [prompt: string, answer: string][]): Promise<string> {
  const sid = `s-${crypto.randomUUID()}`;
  await post('session-start', { session_id: sid, hook_event_name: 'SessionStart', source: 'startup' });
  for (const [prompt, answer] of turns) {
    await post('user-prompt-submit', { session_id: sid, hook_event_name: 'UserPromptSubmit', prompt });
    await post('stop', { session_id: sid, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: answer });
  }
  return sid;
}

/** A whole session of prompts, each answered by the agent (its Stop's message), through `post` (hooksIn), summarized; its id. */
export async function chatSession(post: ReturnType<typeof hooksIn>, client: Client, prisma: PrismaClient, tenantId: string, turns: [prompt: string, answer: string][]): Promise<string> {
  const sid = await openSession(post, turns);
  await post('session-end', { session_id: sid, hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(client, prisma, tenantId, sid, 90_000);
  return sid;
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
