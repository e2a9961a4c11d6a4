/**
 * Product URLs: /p/<slug>. A slug is made from the product's name when the product is created;
 * the storefront looks products up by it, and old slugs of merged products redirect.
 */

export const SLUG_MAX = 80;
const RESERVED = new Set(['new', 'edit', 'search', 'cart', 'admin', 'api']);

export interface SlugIndex {
  has(slug: string): boolean;
}

export function slugify(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, '');
  return slug || 'produkt';
}

/** slugify(name), then -2, -3, ... until it is free (and not a reserved route). */
export function uniqueSlug(name: string, taken: SlugIndex): string {
  const base = slugify(name);
  if (!taken.has(base) && !RESERVED.has(base)) return base;
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base.slice(0, SLUG_MAX - String(n).length - 1)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free slug for ${name}`);
}

export function isValidSlug(slug: string): boolean {
  return slug.length > 0 && slug.length <= SLUG_MAX && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) && !RESERVED.has(slug);
}

/** Redirect table entries for products merged into another one. */
export function redirectsFor(merged: { slug: string }[], target: { slug: string }): Map<string, string> {
  const table = new Map<string, string>();
  for (const m of merged) if (m.slug !== target.slug) table.set(`/p/${m.slug}`, `/p/${target.slug}`);
  return table;
}

export function productPath(slug: string, variant?: string): string {
  return variant ? `/p/${slug}?v=${encodeURIComponent(variant)}` : `/p/${slug}`;
}
