/**
 * Turns stored hook events that have no timeline item yet into items (observations, prompts), for
 * many sessions in one transaction. Only an API from before batched capture (2026-11-23) stored
 * such events: today's ingest statement (api/capture/ingest-sql.ts) stores each event with its item.
 * What is left of that catch-up calls this: the persistEvents activity (session runs from before
 * no-stop-catch-up-v1, workflows/capture/session-generations.ts, and the close's first activity);
 * it goes when those runs are gone (docs/CONTRIBUTING.md). Per-session advisory locks, taken in one
 * order, let one transaction at a time turn a session's events into items, oldest first, and every
 * write is idempotent: events are marked processed in the transaction that stores their items, tool
 * calls merge on (session, tool_use_id), other items are unique on (session, sequence), prompts are
 * numbered under the lock.
 */
import type { Tx } from './db.js';
import { countTokens } from '../rules/tokens.js';
import { TOOL_RESULT_EVENTS, type HookEventName } from '../../messages/hooks-v1.js';
import { renderEvent } from '../rules/observation.js';
import type { CaptureProgress } from '../../messages/capture-v1.js';

export type CaptureTx = Tx;
type StoredEvent = Awaited<ReturnType<CaptureTx['hookEvent']['findMany']>>[number];
type Rendered = NonNullable<ReturnType<typeof renderEvent>>;

/**
 * Observation token counts (what batch summaries are triggered by) on the capture path: the same
 * count as budgets and prompts (common/rules/tokens.ts: cl100k_base in plain JavaScript; tiktoken's
 * WebAssembly cost 0.2–0.4 ms per KiB, which at 2,000 events/s is more than this machine's CPU).
 */
export const captureTokens = (text: string): number => countTokens(text);

/** Prisma Client names hook_event_name values with underscores (the database keeps the route names). */
export const fromDbEvent = (e: string) => e.replace(/_/g, '-') as HookEventName;

/** What one transaction did to one session: its counts (events turned into items now, their tokens, ...). */
export interface SessionCapture extends CaptureProgress {
  sessionId: string;
  tenantId: string;
  projectId: string;
  agentSessionId: string;
  /** Ids of the events processed now. */
  eventIds: string[];
  eventCount: number;
  /** Unprocessed events remain beyond this call's limit. */
  more: boolean;
}

const STOPS: ReadonlySet<HookEventName> = new Set(['stop']);
const COMPACTS: ReadonlySet<HookEventName> = new Set(['pre-compact', 'post-compact']);

/** Advisory locks of the given sessions, in one order (no deadlock between two batches). */
async function lockSessions(tx: CaptureTx, sessionIds: string[]): Promise<void> {
  const sorted = [...new Set(sessionIds)].sort();
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended(id::text, 20261123)) FROM unnest($1::uuid[]) AS id ORDER BY id`, sorted);
}

/**
 * Processes up to `limit` unprocessed events of the given sessions (oldest first per session) inside
 * the caller's transaction. Returns one entry per session that has a row.
 */
export async function captureSessions(tx: CaptureTx, sessionIds: string[], limit: number): Promise<SessionCapture[]> {
  if (sessionIds.length === 0) return [];
  await lockSessions(tx, sessionIds);
  const events = await tx.hookEvent.findMany({
    where: { sessionId: { in: sessionIds }, processedAt: null },
    orderBy: [{ sessionId: 'asc' }, { sequence: 'asc' }],
    take: limit + 1,
  });
  const batch = events.slice(0, limit);
  const moreFor = new Set(events.slice(limit).map((e) => e.sessionId));
  const sessions = await tx.session.findMany({
    where: { id: { in: sessionIds } },
    select: { id: true, tenantId: true, projectId: true, agentSessionId: true, eventCount: true },
  });
  const tokensBySession = batch.length > 0 ? await storeItems(tx, batch) : new Map<string, number>();
  if (batch.length > 0) {
    await tx.hookEvent.updateMany({ where: { id: { in: batch.map((e) => e.id) } }, data: { processedAt: new Date() } });
  }
  const bySession = new Map<string, StoredEvent[]>();
  for (const ev of batch) bySession.set(ev.sessionId, [...(bySession.get(ev.sessionId) ?? []), ev]);
  return sessions.map((s) => {
    const evs = bySession.get(s.id) ?? [];
    const count = (set: ReadonlySet<HookEventName>) => evs.filter((e) => set.has(fromDbEvent(e.event))).length;
    return {
      sessionId: s.id,
      tenantId: s.tenantId,
      projectId: s.projectId,
      agentSessionId: s.agentSessionId,
      events: evs.length,
      tokens: tokensBySession.get(s.id) ?? 0,
      starts: evs.filter((e) => e.event === 'session_start').length,
      stops: count(STOPS),
      ends: evs.filter((e) => e.event === 'session_end').length,
      compacts: count(COMPACTS),
      throughSequence: evs.length > 0 ? evs[evs.length - 1]!.sequence : 0,
      eventIds: evs.map((e) => e.id),
      eventCount: s.eventCount,
      more: moreFor.has(s.id),
    };
  });
}

/**
 * The items of a batch of events (any number of sessions) as a handful of set-based writes: tool
 * calls merged by tool_use_id (a call and its result are one observation, also when they arrive in
 * different batches), every other event one observation unique by its sequence, prompts numbered
 * after those already stored. Returns the observation tokens added per session.
 */
async function storeItems(tx: CaptureTx, batch: StoredEvent[]): Promise<Map<string, number>> {
  // Events with no timeline item (notifications, future events) are kept only as raw events.
  const items = batch.flatMap((ev) => {
    const r = renderEvent(fromDbEvent(ev.event), ev.payload as Record<string, unknown>);
    return r ? [{ ev, r }] : [];
  });
  const row = (ev: StoredEvent, r: Rendered) => ({
    tenantId: ev.tenantId,
    projectId: ev.projectId,
    sessionId: ev.sessionId,
    kind: r.kind,
    title: r.title,
    text: r.text,
    toolName: r.toolName ?? null,
    tokenCount: captureTokens(`${r.title}\n${r.text}`),
    createdAt: ev.occurredAt ?? ev.receivedAt,
  });
  const tokens = new Map<string, number>();
  const addTokens = (sessionId: string, n: number) => tokens.set(sessionId, (tokens.get(sessionId) ?? 0) + n);

  // Tool calls of this batch, grouped by (session, tool_use_id), merged with what earlier batches stored.
  const callKey = (sessionId: string, toolUseId: string) => `${sessionId}\u0000${toolUseId}`;
  const calls = new Map<string, { ev: StoredEvent; r: Rendered }[]>();
  for (const it of items) {
    if (it.r.kind === 'tool' && it.r.toolUseId) {
      const k = callKey(it.ev.sessionId, it.r.toolUseId);
      calls.set(k, [...(calls.get(k) ?? []), it]);
    }
  }
  const toolUseIds = [...new Set([...calls.values()].map((g) => g[0]!.r.toolUseId!))];
  const existing = toolUseIds.length
    ? await tx.observation.findMany({ where: { sessionId: { in: [...new Set(batch.map((e) => e.sessionId))] }, toolUseId: { in: toolUseIds } } })
    : [];
  const existingByCall = new Map(existing.map((o) => [callKey(o.sessionId, o.toolUseId!), o]));
  const creates: (ReturnType<typeof row> & { sequence: number; toolUseId: string | null; sourceEventIds: string[] })[] = [];
  const isResult = (g: { ev: StoredEvent }) => TOOL_RESULT_EVENTS.has(fromDbEvent(g.ev.event));
  for (const [k, group] of calls) {
    // The result (post-tool-use, or post-tool-use-failure) carries the input too, so its rendering wins.
    const best = group.find(isResult) ?? group[0]!;
    const sequence = Math.min(...group.map((g) => g.ev.sequence));
    const ids = group.map((g) => g.ev.id);
    const old = existingByCall.get(k);
    const merged = row(best.ev, best.r);
    if (!old) {
      creates.push({ ...merged, sequence, toolUseId: best.r.toolUseId!, sourceEventIds: ids });
      continue;
    }
    const hasResult = isResult(best);
    if (hasResult) addTokens(best.ev.sessionId, Math.max(0, merged.tokenCount - old.tokenCount));
    await tx.observation.update({
      where: { id: old.id },
      data: {
        sequence: Math.min(old.sequence, sequence),
        ...(hasResult ? { title: merged.title, text: merged.text, tokenCount: merged.tokenCount } : {}),
        sourceEventIds: [...new Set([...old.sourceEventIds, ...ids])],
      },
    });
  }
  for (const { ev, r } of items) {
    if (r.kind === 'tool' && r.toolUseId) continue;
    creates.push({ ...row(ev, r), sequence: ev.sequence, toolUseId: null, sourceEventIds: [ev.id] });
  }
  for (const c of creates) addTokens(c.sessionId, c.tokenCount);
  if (creates.length > 0) {
    // (session, sequence) and (session, tool_use_id) are unique: a repeated batch adds nothing.
    await tx.observation.createMany({ data: creates, skipDuplicates: true });
  }

  const prompts = items.filter((it) => it.r.kind === 'prompt');
  if (prompts.length > 0) {
    const sessionsWithPrompts = [...new Set(prompts.map((p) => p.ev.sessionId))];
    const before = await tx.prompt.groupBy({ by: ['sessionId'], where: { sessionId: { in: sessionsWithPrompts } }, _count: { _all: true } });
    const next = new Map(before.map((b) => [b.sessionId, b._count._all]));
    await tx.prompt.createMany({
      data: prompts.map(({ ev, r }) => {
        const ordinal = (next.get(ev.sessionId) ?? 0) + 1;
        next.set(ev.sessionId, ordinal);
        return {
          tenantId: ev.tenantId,
          projectId: ev.projectId,
          sessionId: ev.sessionId,
          ordinal,
          text: r.text,
          tokenCount: captureTokens(r.text),
          sourceEventId: ev.id,
          createdAt: ev.occurredAt ?? ev.receivedAt,
        };
      }),
    });
  }
  return tokens;
}
