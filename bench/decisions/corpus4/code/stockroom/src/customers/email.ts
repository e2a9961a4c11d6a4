/**
 * Customer e-mail addresses: the address is what we send order mails to; the lookup key is what
 * sign-up, login and the guest-checkout "do you have an account?" check compare.
 */

export interface CustomerRecord {
  id: string;
  email: string;
  emailKey: string;
  createdAt: Date;
}

const PLAUSIBLE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
export const EMAIL_MAX = 254;

export function isPlausibleAddress(address: string): boolean {
  const a = address.trim();
  return a.length <= EMAIL_MAX && PLAUSIBLE.test(a);
}

/** The key customers are unique by and looked up with. */
export function emailKey(address: string): string {
  const a = address.trim();
  const at = a.lastIndexOf('@');
  if (at < 0) return a;
  return `${a.slice(0, at)}@${a.slice(at + 1).toLowerCase()}`;
}

/** The address as stored and mailed to. */
export function storedAddress(address: string): string {
  return address.trim();
}

export function findByEmail(customers: CustomerRecord[], address: string): CustomerRecord | undefined {
  const key = emailKey(address);
  return customers.find((c) => c.emailKey === key);
}

export function newRecord(id: string, address: string, now = new Date()): CustomerRecord {
  if (!isPlausibleAddress(address)) throw new Error(`not an e-mail address: ${address}`);
  return { id, email: storedAddress(address), emailKey: emailKey(address), createdAt: now };
}

/** a***@example.org for the support screens. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0] ?? ''}***${address.slice(at)}`;
}

/** Records that would be one customer under the current key (for the merge report). */
export function duplicates(customers: CustomerRecord[]): CustomerRecord[][] {
  const groups = new Map<string, CustomerRecord[]>();
  for (const c of customers) {
    const key = emailKey(c.email);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}
