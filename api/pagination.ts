/** Opaque cursors and limits shared by the list routes. */
import { HttpError } from './errors.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A keyset cursor of (timestamp, uuid), as the list routes hand them out; 400 for anything else. */
export function decodeTimeIdCursor(raw: unknown): { at: Date; id: string } | undefined {
  const parts = decodeCursor(raw);
  if (!parts) return undefined;
  const [time, id] = parts;
  const at = typeof time === 'string' ? new Date(time) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || typeof id !== 'string' || !UUID.test(id)) throw new HttpError(400, 'invalid_query', 'cursor: not a cursor returned by this API');
  return { at, id };
}
