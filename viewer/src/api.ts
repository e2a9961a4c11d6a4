/**
 * The viewer's one door to the API: same-origin fetches that carry the session cookie (never the API
 * key, which the browser does not keep), the CSRF token on every state-changing request, and the
 * API's error shape turned into ApiError — the shared client core (clients/core.ts). Answer types are
 * those of messages/api-v1.ts. The viewer does not parse answers with the zod schemas as
 * clients/api.ts does: zod would be most of the bundle (its classic build minifies to ~440 KiB).
 */
import { ApiError, fetchTransport, query, send, type Method } from '../../clients/core.js';
import type { LearningRecord, LearningRevision, LearningSource, ViewerSession } from '../../messages/api-v1.js';
import type { TrustTier } from '../../messages/record-types-v1.js';

export type { AuditItem, BackupView, Citation, ContextAnswer, LiveItem, LiveSession, MemoryRecord, Page, ProjectItem, SearchAnswer, SearchHit, SessionItem, SessionMemories, TimelineItem } from '../../messages/api-v1.js';
export type { ParkedView } from '../../messages/workflows-v1/session.js';

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

/** A learning's provenance: how far to trust it and what it rests on (fields of the learning record). */
export type Provenance = Pick<Learning, 'trust' | 'outcome' | 'flags' | 'staleCount' | 'checkedAt' | 'gitBranch' | 'gitCommit' | 'onDefaultBranch' | 'citations' | 'writtenBy' | 'appliesWhen'>;
export type Learning = LearningRecord;
export type Source = LearningSource;
export type Revision = LearningRevision;
export type Trust = TrustTier;

