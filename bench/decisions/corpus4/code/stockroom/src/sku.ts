/** SKUs: normalizing what suppliers, scanners and the admin UI type, and building variant SKUs. */

const ALLOWED = /^[A-Z0-9][A-Z0-9._-]{0,39}$/i;

/** The stored form of a SKU, used as the key of products, stock rows and price lists. */
export function normalizeSku(raw: string | number): string {
  const text = String(raw).trim().replace(/\s+/g, '');
  if (/^\d+$/.test(text)) return String(Number(text));
  return text;
}

export function isValidSku(raw: string): boolean {
  return ALLOWED.test(normalizeSku(raw));
}

/** Variant SKU: base + option codes, e.g. TSHIRT-01 + { size: 'L', color: 'BLK' } -> TSHIRT-01-L-BLK. */
export function variantSku(base: string, options: Record<string, string>): string {
  const codes = Object.keys(options)
    .sort()
    .map((k) => (options[k] ?? '').trim().toUpperCase().replace(/[^A-Z0-9]/g, ''));
  return [normalizeSku(base), ...codes].join('-');
}

export function baseOf(sku: string, optionCount: number): string {
  const parts = sku.split('-');
  return parts.slice(0, Math.max(1, parts.length - optionCount)).join('-');
}

/** Group a supplier price list by SKU, last row wins. */
export function indexBySku<T extends { sku: string | number }>(rows: T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) map.set(normalizeSku(row.sku), row);
  return map;
}

/** Differences between two SKU lists (admin "compare with supplier" screen). */
export function diffSkus(ours: string[], theirs: string[]): { missing: string[]; extra: string[] } {
  const a = new Set(ours.map((s) => normalizeSku(s)));
  const b = new Set(theirs.map((s) => normalizeSku(s)));
  return {
    missing: [...b].filter((s) => !a.has(s)).sort(),
    extra: [...a].filter((s) => !b.has(s)).sort(),
  };
}
