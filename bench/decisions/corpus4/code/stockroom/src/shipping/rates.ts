/**
 * Parcel postage at checkout and in the admin's order view: the weight of the goods plus the box,
 * looked up in the carrier's weight bands for the destination country.
 */
export interface RateBand {
  upToGrams: number;
  priceMinor: number;
}

export interface CartLine {
  sku: string;
  qty: number;
  unitGrams: number;
}

export type ShippingQuote =
  | { kind: 'parcel'; grams: number; priceMinor: number; upToGrams: number }
  | { kind: 'freight'; grams: number; note: string };

/** Carton and filling, weighed on the warehouse scale. */
export const PACKAGING_GRAMS = 150;
export const MAX_PARCEL_GRAMS = 31_500;
export const FREE_SHIPPING_FROM_MINOR: Record<string, number> = { DE: 5900, AT: 7900 };

export const RATE_TABLES: Record<string, RateBand[]> = {
  DE: [
    { upToGrams: 1_000, priceMinor: 499 },
    { upToGrams: 2_000, priceMinor: 599 },
    { upToGrams: 5_000, priceMinor: 699 },
    { upToGrams: 10_000, priceMinor: 1099 },
    { upToGrams: 31_500, priceMinor: 1649 },
  ],
  AT: [
    { upToGrams: 1_000, priceMinor: 890 },
    { upToGrams: 2_000, priceMinor: 990 },
    { upToGrams: 5_000, priceMinor: 1390 },
    { upToGrams: 10_000, priceMinor: 1890 },
    { upToGrams: 31_500, priceMinor: 2890 },
  ],
};

export function parcelGrams(lines: CartLine[]): number {
  const goods = lines.reduce((sum, l) => sum + l.qty * l.unitGrams, 0);
  return goods + PACKAGING_GRAMS;
}

export function bandFor(grams: number, table: RateBand[]): RateBand | undefined {
  return table.find((b) => grams < b.upToGrams);
}

export function quoteShipping(lines: CartLine[], country: string): ShippingQuote {
  const table = RATE_TABLES[country.toUpperCase()];
  if (!table) throw new Error(`no parcel rates for ${country}`);
  const grams = parcelGrams(lines);
  const band = grams > MAX_PARCEL_GRAMS ? undefined : bandFor(grams, table);
  if (!band) return { kind: 'freight', grams, note: 'Too heavy for a parcel: we will contact you with a freight quote.' };
  return { kind: 'parcel', grams, priceMinor: band.priceMinor, upToGrams: band.upToGrams };
}

export function freeShippingApplies(subtotalMinor: number, country: string): boolean {
  const threshold = FREE_SHIPPING_FROM_MINOR[country.toUpperCase()];
  return threshold !== undefined && subtotalMinor >= threshold;
}

export function describeQuote(q: ShippingQuote): string {
  if (q.kind === 'freight') return q.note;
  return `Parcel up to ${q.upToGrams / 1000} kg (${(q.grams / 1000).toFixed(2)} kg)`;
}
