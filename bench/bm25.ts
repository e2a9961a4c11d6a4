/**
 * Keyword search alone, for a benchmark's difficulty figure: MiniSearch (BM25+ over words, no
 * fuzziness, no prefixes) over the documents, each query's ranking of their ids, best first.
 */
import MiniSearch from 'minisearch';

export function bm25Ranks(docs: readonly { id: string; text: string }[], queries: readonly string[]): string[][] {
  const index = new MiniSearch<{ id: string; text: string }>({ fields: ['text'], storeFields: [] });
  index.addAll([...docs]);
  return queries.map((q) => index.search(q, { combineWith: 'OR', fuzzy: false, prefix: false }).map((r) => String(r.id)));
}
