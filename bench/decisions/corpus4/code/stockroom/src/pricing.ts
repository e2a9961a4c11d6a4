/** Line prices after discounts (campaign codes, volume tiers, customer-group prices, loyalty). */
import { type Money, multiply } from './money.js';

export type DiscountKind = 'campaign' | 'volume' | 'group' | 'loyalty';

export interface Discount {
  kind: DiscountKind;
  code?: string;
  /** Percent off, 0-100. */
  percent: number;
  minQty?: number;
  validUntil?: Date;
}

export interface PricedLine {
  sku: string;
  qty: number;
  unit: Money;
  net: Money;
  applied: Discount[];
}

export function isApplicable(d: Discount, qty: number, now: Date): boolean {
  if (d.percent <= 0 || d.percent > 100) return false;
  if (d.minQty !== undefined && qty < d.minQty) return false;
  if (d.validUntil !== undefined && d.validUntil.getTime() < now.getTime()) return false;
  return true;
}

/** Net line price for `qty` of `unit` after every applicable discount. */
export function applyDiscounts(sku: string, unit: Money, qty: number, discounts: Discount[], now = new Date()): PricedLine {
  const applicable = discounts.filter((d) => isApplicable(d, qty, now));
  let net = multiply(unit, qty);
  for (const d of applicable) {
    net = multiply(net, 1 - d.percent / 100);
  }
  return { sku, qty, unit, net, applied: applicable };
}

/** Volume tiers from the product sheet: [{ minQty: 10, percent: 5 }, { minQty: 50, percent: 12 }]. */
export function volumeDiscount(tiers: { minQty: number; percent: number }[], qty: number): Discount | undefined {
  const tier = [...tiers].sort((a, b) => b.minQty - a.minQty).find((t) => qty >= t.minQty);
  return tier ? { kind: 'volume', percent: tier.percent, minQty: tier.minQty } : undefined;
}

export function describeDiscounts(line: PricedLine): string {
  if (line.applied.length === 0) return '';
  return line.applied.map((d) => (d.code ? `${d.code} -${d.percent}%` : `${d.kind} -${d.percent}%`)).join(', ');
}
