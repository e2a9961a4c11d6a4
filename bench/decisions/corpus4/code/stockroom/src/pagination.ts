/** ?page= / ?limit= / ?cursor= parsing for list endpoints, and the Link header. */

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export class BadPageRequest extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'BadPageRequest';
  }
}

export interface PageRequest {
  limit: number;
  offset: number;
  cursor?: string;
}

function intParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadPageRequest(`${name} must be a non-negative integer`);
  return n;
}

export function parsePage(query: Record<string, unknown>): PageRequest {
  let limit = intParam(query.limit, 'limit') ?? DEFAULT_PAGE_SIZE;
  if (limit === 0) throw new BadPageRequest('limit must be at least 1');
  if (limit > MAX_PAGE_SIZE) limit = MAX_PAGE_SIZE;
  const page = intParam(query.page, 'page') ?? 1;
  if (page < 1) throw new BadPageRequest('page starts at 1');
  const cursor = typeof query.cursor === 'string' && query.cursor !== '' ? query.cursor : undefined;
  return { limit, offset: (page - 1) * limit, cursor };
}

export function encodeCursor(id: string, sortKey: string | number): string {
  return Buffer.from(JSON.stringify([id, sortKey])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string | number] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) return value as [string, string | number];
  } catch {
    // fall through
  }
  throw new BadPageRequest('cursor is not one we issued');
}

export function linkHeader(baseUrl: string, page: number, limit: number, total: number): string {
  const last = Math.max(1, Math.ceil(total / limit));
  const link = (p: number, rel: string) => `<${baseUrl}?page=${p}&limit=${limit}>; rel="${rel}"`;
  const parts = [link(1, 'first'), link(last, 'last')];
  if (page > 1) parts.push(link(page - 1, 'prev'));
  if (page < last) parts.push(link(page + 1, 'next'));
  return parts.join(', ');
}
