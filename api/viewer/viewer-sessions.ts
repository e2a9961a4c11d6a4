/**
 * The web viewer's sign-in sessions: the API key is posted once, hashed, and exchanged for a random
 * session id kept in an HttpOnly, SameSite=Strict cookie. The store keeps only the key's sha256, so
 * every request re-checks the key (a revoked key's session stops on its next request). Sessions are
 * short-lived (idle and absolute limits) and live in this API process's memory: signing in again is
 * the cost of a restart, and behind a load balancer the viewer needs sticky sessions.
 */
import crypto from 'node:crypto';

export const SESSION_COOKIE = 'memflow_session';
/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 30 * 60_000;
/** ...and at the latest this long after sign-in. */
export const SESSION_MAX_MS = 8 * 60 * 60_000;
/** Bound on the sessions one process keeps (the oldest are dropped first). */
const MAX_SESSIONS = 10_000;

export interface CookieSession {
  keyHash: string;
  /** Sent by the viewer as `x-csrf-token` on every state-changing request. */
  csrf: string;
  createdAt: number;
  seenAt: number;
}

export class ViewerSessions {
  private readonly byId = new Map<string, CookieSession>();

  constructor(private readonly now: () => number = Date.now) {}

  create(keyHash: string): { id: string; session: CookieSession } {
    this.sweep();
    while (this.byId.size >= MAX_SESSIONS) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
    const id = crypto.randomBytes(32).toString('base64url');
    const t = this.now();
    const session = { keyHash, csrf: crypto.randomBytes(24).toString('base64url'), createdAt: t, seenAt: t };
    this.byId.set(id, session);
    return { id, session };
  }

  /** The live session of an id (sliding its idle limit), or undefined when unknown or expired. */
  touch(id: string): CookieSession | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.seenAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) {
      this.byId.delete(id);
      return undefined;
    }
    s.seenAt = t;
    return s;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.byId) if (t - s.seenAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) this.byId.delete(id);
  }
}

/** The value of one cookie in a Cookie header (no dependency for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, scoped to the whole origin (/ui and /v1). */
export function sessionCookie(id: string, opts: { secure: boolean }): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_MS / 1000}${opts.secure ? '; Secure' : ''}`;
}

export const clearedSessionCookie = (opts: { secure: boolean }) => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${opts.secure ? '; Secure' : ''}`;

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
