/**
 * Brute-force protection for the admin login (POST /admin/login): failed attempts are counted,
 * and after too many the login is refused for a while, even with the right password.
 */

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 30 * 60 * 1000;
/** Failures older than this are forgotten, so typos spread over a week never add up. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

interface Attempts {
  failures: number[];
  lockedUntil: number;
}

export interface LockStatus {
  locked: boolean;
  until?: Date;
}

export function normalizeAccount(account: string): string {
  return account.trim().toLowerCase();
}

export class LoginLockout {
  private readonly byKey = new Map<string, Attempts>();

  private keyFor(account: string, _ip: string): string {
    return normalizeAccount(account);
  }

  private entry(key: string): Attempts {
    let e = this.byKey.get(key);
    if (!e) {
      e = { failures: [], lockedUntil: 0 };
      this.byKey.set(key, e);
    }
    return e;
  }

  recordFailure(account: string, ip: string, now = Date.now()): LockStatus {
    const e = this.entry(this.keyFor(account, ip));
    e.failures = e.failures.filter((t) => now - t < FAILURE_WINDOW_MS);
    e.failures.push(now);
    if (e.failures.length >= MAX_FAILED_LOGINS) {
      e.lockedUntil = now + LOCKOUT_MS;
      e.failures = [];
    }
    return this.status(account, ip, now);
  }

  recordSuccess(account: string, ip: string): void {
    this.byKey.delete(this.keyFor(account, ip));
  }

  status(account: string, ip: string, now = Date.now()): LockStatus {
    const e = this.byKey.get(this.keyFor(account, ip));
    if (!e || e.lockedUntil <= now) return { locked: false };
    return { locked: true, until: new Date(e.lockedUntil) };
  }

  isLocked(account: string, ip: string, now = Date.now()): boolean {
    return this.status(account, ip, now).locked;
  }

  /** The owner's "unlock" button on the staff page. */
  unlock(account: string): number {
    const prefix = normalizeAccount(account);
    let n = 0;
    for (const key of [...this.byKey.keys()]) {
      if (key === prefix || key.startsWith(`${prefix}|`)) {
        this.byKey.delete(key);
        n++;
      }
    }
    return n;
  }
}

export function lockMessage(status: LockStatus, locale = 'de-DE'): string {
  if (!status.locked || !status.until) return '';
  const time = status.until.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  return `Zu viele Fehlversuche. Anmeldung wieder möglich ab ${time}.`;
}
