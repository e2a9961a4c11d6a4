/** Opaque cursors and limits shared by the list routes. */
import { HttpError } from './errors.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export function parseLimit(raw: unknown, fallback = DEFAULT_LIMIT): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new HttpError(400, 'invalid_query', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

export const encodeCursor = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

export function decodeCursor(raw: unknown): unknown[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8'));
    if (Array.isArray(parts)) return parts;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'invalid_query', 'cursor: not a cursor returned by this API');
}
