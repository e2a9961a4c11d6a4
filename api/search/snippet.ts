/**
 * A short excerpt of a record for the compact search index: the window around the first place the
 * query's words occur (prefix match, a cheap stand-in for stemming), or the start of the text.
 * Cheaper than ts_headline, which re-parses every document, and it works for records found only
 * by their vectors.
 */
export const SNIPPET_CHARS = 200;

const STOP = new Set(['the', 'and', 'for', 'with', 'was', 'what', 'why', 'how', 'did', 'does', 'our', 'that', 'this', 'from', 'when', 'where', 'which', 'who']);

function queryStems(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? [])].filter((w) => !STOP.has(w)).map((w) => w.slice(0, Math.max(3, Math.min(w.length, 5))));
}

export function makeSnippet(text: string, query: string, max = SNIPPET_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const lower = flat.toLowerCase();
  let at = -1;
  for (const stem of queryStems(query)) {
    const i = lower.search(new RegExp(`(^|[^\\p{L}\\p{N}_])${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u'));
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  // Start a little before the hit, on a word boundary, so the hit reads in context.
  let start = at < 0 ? 0 : Math.max(0, at - Math.floor(max / 4));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space >= 0 && space < start + 20 ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + max);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + max / 2) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
