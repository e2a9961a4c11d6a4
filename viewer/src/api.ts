/**
 * The viewer's one door to the API: same-origin fetches that carry the session cookie (never the API
 * key, which the browser does not keep), the CSRF token on every state-changing request, and the
 * API's error shape turned into ApiError — the shared client core (clients/core.ts). Answer types are
 * those of messages/api-v1.ts. The viewer does not parse answers with the zod schemas as
 * clients/api.ts does: zod would be most of the bundle (its classic build minifies to ~440 KiB).
 */
import { ApiError, fetchTransport, query, send, type Method } from '../../clients/core.js';
import type { Citation, SessionItem, TimelineItem, ViewerSession } from '../../messages/api-v1.js';
import type { RecordType } from '../../messages/record-types-v1.js';

export type { AuditItem, BackupView, Citation, Page, ProjectItem, SearchAnswer, SearchHit, SessionItem, TimelineItem } from '../../messages/api-v1.js';

/** Who is signed in (GET /ui/session): the tenant, the role, the person and when the sign-in ends. */
export type Me = ViewerSession;

export { ApiError };
export type { DerivationView } from '../../messages/rederive-api-v1.js';

/** Dispatched on window after every successful state-changing request. */
export const CHANGED_EVENT = 'memflow:changed';

const transport = fetchTransport('', { credentials: 'same-origin' });

let csrf = '';
let unauthorized: (message: string) => void = () => undefined;

export function setSession(me: Me | null, onUnauthorized?: (message: string) => void): void {
  csrf = me?.csrf ?? '';
  if (onUnauthorized) unauthorized = onUnauthorized;
}

export const signedOut = (message: string) => unauthorized(message);

/** One request; the JSON of a 2xx answer, else an ApiError whose message is the API's own words. */
export async function call<T>(method: Method, url: string, body?: unknown): Promise<T> {
  try {
    const { json } = await send(transport, { describe: 'the memflow API', headers: method !== 'GET' ? { 'x-csrf-token': csrf } : {} }, method, url, body);
    // Views that list what changes (the audit log) listen for this and read again.
    if (method !== 'GET') dispatchEvent(new CustomEvent(CHANGED_EVENT, { detail: { method, url } }));
    return json as T;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // The views show the message: the API's (or the browser's) words, without the status around them.
    const err = new ApiError(e.status, e.code, e.detail, e.detail, e.retryAfterSeconds);
    if (err.status === 401 && !url.startsWith('/ui/session')) unauthorized(err.message);
    throw err;
  }
}

/** A query string of the defined, non-empty values. */
export const qs = query;

export const enc = encodeURIComponent;

export interface Parked {
  reason: 'budget' | 'llm-auth';
  until: number;
}

export interface LiveSession extends SessionItem {
  parked: Parked | null;
  changedAt: string;
}

export interface LiveItem {
  id: string;
  kind: TimelineItem['kind'];
  toolName: string | null;
  toolUseId: string | null;
  createdAt: string;
  sequence: number;
  title: string;
  text: string;
  truncated: boolean;
}

export interface Source {
  observationId: string | null;
  summaryId: string | null;
  sessionId: string | null;
  evidence: string | null;
  createdAt: string;
}

export type Trust = 'user' | 'confirmed' | 'extracted' | 'agent';

/** A learning's provenance: how far to trust it and what it rests on. */
export interface Provenance {
  trust: Trust;
  outcome: 'confirmed' | 'refuted' | 'unverified' | string;
  flags: string[];
  staleCount: number;
  checkedAt: string | null;
  gitBranch: string | null;
  gitCommit: string | null;
  onDefaultBranch: boolean | null;
  citations: Citation[] | null;
}

export interface Learning extends Provenance {
  id: string;
  type: 'learning';
  project: string;
  kind: string;
  origin: string;
  tags: string[];
  title: string;
  body: string;
  confidence: number;
  strength: number;
  status: string;
  lastStatedAt: string | null;
  validFrom: string | null;
  validTo: string | null;
  supersededBy: string | null;
  tokenCount: number;
  createdAt: string;
  updatedAt: string;
  sources: Source[];
  history?: Revision[];
}

export interface Revision {
  revision: number;
  kind: string;
  title: string;
  body: string;
  confidence: number;
  status: string;
  strength: number;
  reason: string | null;
  note: string | null;
  changedBy: string | null;
  createdAt: string;
}

/** GET /v1/context: the start context, the items a client with the working tree can check, what was withheld. */
export interface ContextAnswer {
  context: string;
  tokens: number;
  items: string[];
  check?: { id: string; type: string; line: string; citations: Citation[]; gitBranch?: string | null; gitCommit?: string | null; onDefaultBranch?: boolean | null }[];
  withheld?: number;
}

export type MemoryRecord = Record<string, unknown> & { id: string; type: RecordType };

