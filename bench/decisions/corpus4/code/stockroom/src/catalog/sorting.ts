/**
 * Order of products on category pages and in the admin's product list: by name, price, newest or
 * stock; pinned products always first. Also the A–Z jump index above long categories.
 */
export interface CatalogItem {
  sku: string;
  name: string;
  priceMinor: number;
  createdAt: Date;
  stock: number;
  pinned?: boolean;
}

export interface ShopInfo {
  code: string;
  locale: string;
  currency: string;
}

export type SortKey = 'name' | 'price-asc' | 'price-desc' | 'newest' | 'stock';
export const SORT_KEYS: readonly SortKey[] = ['name', 'price-asc', 'price-desc', 'newest', 'stock'];
export const DEFAULT_SORT: SortKey = 'name';

export function parseSortKey(raw: unknown): SortKey {
  return typeof raw === 'string' && (SORT_KEYS as readonly string[]).includes(raw) ? (raw as SortKey) : DEFAULT_SORT;
}

const bySku = (a: CatalogItem, b: CatalogItem): number => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/** Name order for the shop; equal names fall back to the SKU so pages don't reshuffle. */
export function compareNames(a: CatalogItem, b: CatalogItem, _shop: ShopInfo): number {
  return a.name.localeCompare(b.name) || bySku(a, b);
}

export function sortCatalog(items: CatalogItem[], key: SortKey, shop: ShopInfo): CatalogItem[] {
  const cmp: Record<SortKey, (a: CatalogItem, b: CatalogItem) => number> = {
    name: (a, b) => compareNames(a, b, shop),
    'price-asc': (a, b) => a.priceMinor - b.priceMinor || compareNames(a, b, shop),
    'price-desc': (a, b) => b.priceMinor - a.priceMinor || compareNames(a, b, shop),
    newest: (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || bySku(a, b),
    stock: (a, b) => b.stock - a.stock || compareNames(a, b, shop),
  };
  return [...items].sort((a, b) => Number(Boolean(b.pinned)) - Number(Boolean(a.pinned)) || cmp[key](a, b));
}

/** First letters for the jump index, in display order. */
export function initials(items: CatalogItem[], shop: ShopInfo): string[] {
  const seen = new Set<string>();
  for (const item of sortCatalog(items, 'name', shop)) {
    const first = item.name.trim().charAt(0).toLocaleUpperCase(shop.locale);
    if (first) seen.add(/\d/.test(first) ? '#' : first);
  }
  return [...seen];
}

export function pageOf(items: CatalogItem[], page: number, perPage = 24): CatalogItem[] {
  const start = Math.max(0, (page - 1) * perPage);
  return items.slice(start, start + perPage);
}
