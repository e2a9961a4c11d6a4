/** Admin sessions: opaque token in an HttpOnly cookie, state in memory (Redis in production). */
import { randomBytes } from 'node:crypto';

export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_COOKIE = 'sr_session';

export interface Session {
  token: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  roles: string[];
}

export class SessionExpired extends Error {
  constructor(readonly reason: 'idle' | 'absolute' | 'unknown') {
    super(`session expired (${reason})`);
    this.name = 'SessionExpired';
  }
}

export interface RequestInfo {
  cookie?: string;
  /** Set by the dashboard's auto-refresh: X-Background: 1 */
  background?: boolean;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(userId: string, roles: string[]): Session {
    const t = this.now();
    const s: Session = { token: randomBytes(32).toString('base64url'), userId, createdAt: t, lastSeenAt: t, roles };
    this.sessions.set(s.token, s);
    return s;
  }

  /** The session of a request; refreshes its idle timer. */
  touchSession(req: RequestInfo): Session {
    const s = req.cookie ? this.sessions.get(req.cookie) : undefined;
    if (!s) throw new SessionExpired('unknown');
    const t = this.now();
    if (t - s.lastSeenAt > SESSION_IDLE_MS) {
      this.sessions.delete(s.token);
      throw new SessionExpired('idle');
    }
    s.lastSeenAt = t;
    return s;
  }

  destroy(token: string): void {
    this.sessions.delete(token);
  }

  destroyAllOf(userId: string): number {
    let n = 0;
    for (const [token, s] of this.sessions) {
      if (s.userId === userId) {
        this.sessions.delete(token);
        n++;
      }
    }
    return n;
  }
}

export function cookieHeader(s: Session, secure = true): string {
  return `${SESSION_COOKIE}=${s.token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
