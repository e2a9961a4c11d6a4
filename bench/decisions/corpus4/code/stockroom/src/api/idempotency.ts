/**
 * Idempotency-Key handling for the write routes the shop apps retry (POST /orders,
 * POST /orders/:id/pay): the first answer to a key is kept and replayed to a retry, so a
 * timed-out request that did go through is not executed twice.
 */
import { createHash } from 'node:crypto';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[A-Za-z0-9-]{16,128}$/;

export interface StoredResponse {
  bodyHash: string;
  status: number;
  body: unknown;
  storedAt: number;
}

export type Lookup =
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'conflict'; status: 422; error: string }
  | undefined;

export function hashBody(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
}

export function validKey(key: string | undefined): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key);
}

export class IdempotencyStore {
  private readonly entries = new Map<string, StoredResponse>();

  /** What to answer a request carrying `key` before running it; undefined = run it. */
  lookup(key: string, bodyHash: string, now = Date.now()): Lookup {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (now - hit.storedAt > IDEMPOTENCY_TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return { kind: 'replay', status: hit.status, body: hit.body };
  }

  /** Remember the answer the route gave. */
  save(key: string, bodyHash: string, status: number, body: unknown, now = Date.now()): void {
    this.entries.set(key, { bodyHash, status, body, storedAt: now });
  }

  /** Hourly sweep from the scheduler. */
  sweep(now = Date.now()): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (now - entry.storedAt > IDEMPOTENCY_TTL_MS) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Response header that tells the app it got a replay, not a fresh execution. */
export function replayHeaders(lookup: Lookup): Record<string, string> {
  return lookup?.kind === 'replay' ? { 'Idempotent-Replayed': 'true' } : {};
}
