/** Supplier CSV imports: price lists and stock counts, uploaded in the admin UI. */
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

import { toMinor } from '../money.js';
import { normalizeSku } from '../sku.js';

export interface ImportRow {
  sku: string;
  name: string;
  priceMinor: number;
  stock: number;
}

export interface RowError {
  line: number;
  message: string;
}

export interface ImportResult {
  imported: ImportRow[];
  errors: RowError[];
}

const REQUIRED = ['sku', 'name', 'price', 'stock'] as const;

/** Decode as UTF-8 unless it is not valid UTF-8 (Excel on Windows still saves Windows-1252). */
export function decode(buf: Buffer): string {
  const text = buf.toString('utf8');
  if (!text.includes('\uFFFD')) return text.replace(/^\uFEFF/, '');
  return iconv.decode(buf, 'win1252');
}

export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  for (const ch of headerLine) if (ch in counts) counts[ch as keyof typeof counts]++;
  return (Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0] as ',' | ';' | '\t');
}

function parseRow(rec: Record<string, string>, currency: string): ImportRow {
  const sku = normalizeSku(rec.sku ?? '');
  if (!sku) throw new Error('empty sku');
  const stock = Number(rec.stock);
  if (!Number.isInteger(stock) || stock < 0) throw new Error(`stock "${rec.stock}" is not a whole number`);
  return { sku, name: (rec.name ?? '').trim(), priceMinor: toMinor(rec.price ?? '', currency), stock };
}

/** Parse a supplier file. Rows that fail are reported in `errors`. */
export function importCsv(buf: Buffer, currency = 'EUR'): ImportResult {
  const text = decode(buf);
  const delimiter = detectDelimiter(text.split(/\r?\n/, 1)[0] ?? '');
  const records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), delimiter, skip_empty_lines: true }) as Record<string, string>[];
  if (records.length > 0) {
    const missing = REQUIRED.filter((c) => !(c in records[0]));
    if (missing.length) return { imported: [], errors: [{ line: 1, message: `missing columns: ${missing.join(', ')}` }] };
  }
  const imported: ImportRow[] = [];
  const errors: RowError[] = [];
  records.forEach((rec, i) => {
    try {
      imported.push(parseRow(rec, currency));
    } catch (err) {
      errors.push({ line: i + 2, message: (err as Error).message });
    }
  });
  return { imported, errors };
}

export function errorReport(errors: RowError[]): string {
  return errors.map((e) => `Zeile ${e.line}: ${e.message}`).join('\n');
}
