/** VAT on an order: rates per product tax class and destination country. */
import { type Money, money } from './money.js';
import type { PricedLine } from './pricing.js';

export type TaxClass = 'standard' | 'reduced' | 'zero';

const RATES: Record<string, Record<TaxClass, number>> = {
  DE: { standard: 19, reduced: 7, zero: 0 },
  AT: { standard: 20, reduced: 10, zero: 0 },
  FR: { standard: 20, reduced: 5.5, zero: 0 },
  NL: { standard: 21, reduced: 9, zero: 0 },
};

export interface TaxedLine extends PricedLine {
  rate: number;
  tax: Money;
}

export interface TaxSummary {
  lines: TaxedLine[];
  byRate: Map<number, { net: Money; tax: Money }>;
  totalTax: Money;
}

export function rateFor(country: string, taxClass: TaxClass): number {
  const table = RATES[country.toUpperCase()];
  if (!table) throw new Error(`no VAT table for ${country}`);
  return table[taxClass];
}

function roundHalfUp(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Tax of every line and the per-rate summary printed at the bottom of the invoice. */
export function computeTax(lines: (PricedLine & { taxClass: TaxClass })[], country: string): TaxSummary {
  const currency = lines[0]?.net.currency ?? 'EUR';
  const taxed: TaxedLine[] = lines.map((line) => {
    const rate = rateFor(country, line.taxClass);
    return { ...line, rate, tax: money(roundHalfUp((line.net.minor * rate) / 100), currency) };
  });
  const byRate = new Map<number, { net: Money; tax: Money }>();
  for (const line of taxed) {
    const entry = byRate.get(line.rate) ?? { net: money(0, currency), tax: money(0, currency) };
    entry.net = money(entry.net.minor + line.net.minor, currency);
    entry.tax = money(entry.tax.minor + line.tax.minor, currency);
    byRate.set(line.rate, entry);
  }
  const totalTax = money(taxed.reduce((s, l) => s + l.tax.minor, 0), currency);
  return { lines: taxed, byRate, totalTax };
}

export function isReverseCharge(sellerCountry: string, buyerCountry: string, buyerVatId?: string): boolean {
  return sellerCountry !== buyerCountry && Boolean(buyerVatId && /^[A-Z]{2}[0-9A-Z]{8,12}$/.test(buyerVatId));
}
