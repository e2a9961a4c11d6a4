/**
 * Catch-up for events stored without their timeline item (written by an API from before batched
 * capture, which left that to the session workflow): the sweeper (redispatch.ts) hands their sessions
 * here, and one transaction turns their events into items, in batches, and records what each
 * session's workflow is owed (outbox.ts); the dispatcher signals it after the commit. (The session
 * workflow also catches up on them before it summarizes or closes.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { captureSessions } from '../../common/server/capture-store.js';
import type { PrismaClient } from '../../common/server/db.js';
import type { Logger } from '../../common/server/logger.js';
import type { Dispatcher } from './dispatch.js';
import { recordOwed } from './outbox.js';

export interface Materializer {
  /** Sessions with events just acknowledged (or found unprocessed): processed soon. */
  touch(sessionIds: Iterable<string>): void;
  /** Resolves when nothing is waiting or being processed. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface MaterializerOptions {
  prisma: PrismaClient;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Most sessions in one transaction. */
  maxSessions?: number;
  /** Most events in one transaction. */
  maxEvents?: number;
}

/** After a failed transaction (PostgreSQL away), wait this long before trying its sessions again. */
const RETRY_MS = 1000;

export function createMaterializer(opts: MaterializerOptions): Materializer {
  const maxSessions = opts.maxSessions ?? 400;
  const maxEvents = opts.maxEvents ?? 2000;
  const dirty = new Set<string>();
  let loop: Promise<void> | undefined;
  let closed = false;

  const once = async (): Promise<void> => {
    const ids = [...dirty].slice(0, maxSessions);
    for (const id of ids) dirty.delete(id);
    try {
      const captured = await opts.prisma.$transaction(
        async (tx) => {
          const done = await captureSessions(tx, ids, maxEvents);
          await recordOwed(tx, done);
          return done;
        },
        { timeout: 30_000, maxWait: 10_000 },
      );
      for (const c of captured) if (c.more) dirty.add(c.sessionId);
      opts.dispatcher.captured(captured);
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, sessions: ids.length }, 'capturing acknowledged events failed; retrying');
      await sleep(RETRY_MS);
      if (!closed) for (const id of ids) dirty.add(id);
    }
  };

  const start = () => {
    if (loop || closed) return;
    loop = (async () => {
      while (dirty.size > 0 && !closed) await once();
    })().finally(() => {
      loop = undefined;
      if (dirty.size > 0 && !closed) start();
    });
  };

  return {
    touch(sessionIds) {
      for (const id of sessionIds) dirty.add(id);
      start();
    },
    async drain() {
      while (loop) await loop;
    },
    async close() {
      await this.drain();
      closed = true;
    },
  };
}
