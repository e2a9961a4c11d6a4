/**
 * Foreign-currency price lists: the shop's EUR prices converted with the ECB reference rates
 * (fetched daily) for the storefronts that sell in CHF, GBP, USD, JPY, SEK or HUF.
 */
import { minorDigits } from './money.js';

export const BASE_CURRENCY = 'EUR';
export const ECB_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml';
/** A rate file older than this is not used; the storefront shows EUR instead. */
export const MAX_RATE_AGE_MS = 4 * 24 * 60 * 60 * 1000;

export interface RateTable {
  date: Date;
  /** 1 EUR = rates[currency] units of currency */
  rates: Record<string, number>;
}

/** Parse the ECB daily XML (<Cube currency="USD" rate="1.0837"/>). */
export function parseEcbXml(xml: string): RateTable {
  const date = /time=['"](\d{4}-\d\d-\d\d)['"]/.exec(xml)?.[1];
  if (!date) throw new Error('ECB file without a date');
  const rates: Record<string, number> = {};
  for (const m of xml.matchAll(/currency=['"]([A-Z]{3})['"]\s+rate=['"]([\d.]+)['"]/g)) {
    if (m[1] && m[2]) rates[m[1]] = Number(m[2]);
  }
  return { date: new Date(`${date}T16:00:00+01:00`), rates };
}

export function rateFor(table: RateTable, currency: string, now = new Date()): number | undefined {
  if (now.getTime() - table.date.getTime() > MAX_RATE_AGE_MS) return undefined;
  if (currency === BASE_CURRENCY) return 1;
  return table.rates[currency];
}

/** An amount in `from`'s minor units converted to `to`'s minor units at `rate`. */
export function convertMinor(amountMinor: number, from: string, to: string, rate: number): number {
  if (!Number.isInteger(amountMinor)) throw new Error(`minor units must be an integer, got ${amountMinor}`);
  if (from === to) return amountMinor;
  minorDigits(from);
  minorDigits(to);
  return Math.trunc(amountMinor * rate);
}

/** The whole price list of one storefront. */
export function convertPriceList(prices: Map<string, number>, table: RateTable, to: string, now = new Date()): Map<string, number> | undefined {
  const rate = rateFor(table, to, now);
  if (rate === undefined) return undefined;
  const out = new Map<string, number>();
  for (const [sku, minor] of prices) out.set(sku, convertMinor(minor, BASE_CURRENCY, to, rate));
  return out;
}
