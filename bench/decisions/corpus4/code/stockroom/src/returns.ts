/**
 * Returns: whether an order line may still be sent back, and the refund it earns. The admin's
 * "accept return" button and the customer's return form both ask isReturnable first.
 */
import type { Money } from './money.js';
import { money } from './money.js';

export const RETURN_WINDOW_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ReturnableLine {
  sku: string;
  qty: number;
  paid: Money;
  deliveredAt: Date | null;
  finalSale?: boolean;
  opened?: boolean;
}

export type ReturnVerdict = { ok: true; until: Date } | { ok: false; reason: 'not-delivered' | 'final-sale' | 'window-closed' };

export function returnDeadline(deliveredAt: Date): Date {
  return new Date(deliveredAt.getTime() + RETURN_WINDOW_DAYS * DAY_MS);
}

export function isReturnable(line: ReturnableLine, now = new Date()): ReturnVerdict {
  if (line.finalSale) return { ok: false, reason: 'final-sale' };
  if (!line.deliveredAt) return { ok: false, reason: 'not-delivered' };
  const until = returnDeadline(line.deliveredAt);
  return now <= until ? { ok: true, until } : { ok: false, reason: 'window-closed' };
}

/** Opened hygiene articles and software are refunded at 0; everything else in full. */
export function refundFor(line: ReturnableLine, qty: number, hygieneOrSoftware: boolean): Money {
  if (qty <= 0 || qty > line.qty) throw new RangeError(`can return 1..${line.qty} of ${line.sku}`);
  if (hygieneOrSoftware && line.opened) return money(0, line.paid.currency);
  return money(Math.round((line.paid.minor * qty) / line.qty), line.paid.currency);
}
