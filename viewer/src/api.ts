/**
 * The viewer's one door to the API: same-origin fetches that carry the session cookie (never the API
 * key, which the browser does not keep), the CSRF token on every state-changing request, and the
 * API's error shape turned into ApiError. Answer shapes are those of GET /openapi.json.
 */
import type { Citation, SessionItem } from '../../messages/api/v1.js';

export type { AuditItem, BackupView, Citation, Page, SearchAnswer, SearchHit, SessionItem, TimelineItem } from '../../messages/api/v1.js';

export interface Me {
  tenant: string;
  role: 'admin' | 'member';
  keyId: string;
  csrf: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
let unauthorized: (message: string) => void = () => undefined;

export function setSession(me: Me | null, onUnauthorized?: (message: string) => void): void {
  csrf = me?.csrf ?? '';
  if (onUnauthorized) unauthorized = onUnauthorized;
}

export const signedOut = (message: string) => unauthorized(message);

export async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(url, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) {
    const err = new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? `HTTP ${res.status}`);
    if (res.status === 401 && !url.startsWith('/ui/session')) unauthorized(err.message);
    throw err;
  }
  return data as T;
}

/** A query string of the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

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
  kind: string;
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

/** A learning's provenance (issue 19): how far to trust it and what it rests on. */
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

export type MemoryRecord = Record<string, unknown> & { id: string; type: 'observation' | 'summary' | 'learning' };

