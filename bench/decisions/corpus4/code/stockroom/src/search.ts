/** Product search in the admin: tokenized, accent-insensitive, ranked by field. */

export interface Product {
  sku: string;
  name: string;
  brand?: string;
  tags: string[];
}

export interface Hit {
  product: Product;
  score: number;
}

const FIELD_WEIGHT = { sku: 10, name: 4, brand: 2, tag: 1 } as const;

export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function tokens(text: string): string[] {
  return fold(text)
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

function fieldScore(queryTokens: string[], fieldTokens: string[], weight: number): number {
  let score = 0;
  for (const q of queryTokens) {
    if (fieldTokens.includes(q)) score += weight * 2;
    else if (fieldTokens.some((t) => t.startsWith(q))) score += weight;
  }
  return score;
}

export function searchProducts(products: Product[], query: string, limit = 20): Hit[] {
  const q = tokens(query);
  if (q.length === 0) return [];
  const hits: Hit[] = [];
  for (const product of products) {
    const score =
      fieldScore(q, tokens(product.sku), FIELD_WEIGHT.sku) +
      fieldScore(q, tokens(product.name), FIELD_WEIGHT.name) +
      fieldScore(q, tokens(product.brand ?? ''), FIELD_WEIGHT.brand) +
      fieldScore(q, product.tags.flatMap(tokens), FIELD_WEIGHT.tag);
    if (score > 0) hits.push({ product, score });
  }
  return hits.sort((a, b) => b.score - a.score || a.product.name.localeCompare(b.product.name)).slice(0, limit);
}

export function highlight(text: string, query: string): string {
  const q = new Set(tokens(query));
  return text
    .split(/(\s+)/)
    .map((word) => (q.has(fold(word).replace(/[^a-z0-9]/g, '')) ? `<mark>${word}</mark>` : word))
    .join('');
}
