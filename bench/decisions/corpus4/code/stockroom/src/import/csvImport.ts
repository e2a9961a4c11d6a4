/** Supplier CSV imports: price lists and stock counts, uploaded in the admin UI. */
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
  return new TextDecoder('windows-1252').decode(buf);
}

export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  for (const ch of headerLine) if (ch in counts) counts[ch as keyof typeof counts]++;
  const best = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
  return (best?.[0] ?? ',') as ',' | ';' | '\t';
}

/** One CSV line into fields: double quotes around a field, "" inside quotes is a quote. */
export function splitLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function records(text: string, delimiter: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitLine(lines[0] ?? '', delimiter).map((c) => c.trim().toLowerCase());
  return lines.slice(1).map((line) => {
    const cells = splitLine(line, delimiter);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
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
  const rows = records(text, delimiter);
  const first = rows[0];
  if (first) {
    const missing = REQUIRED.filter((c) => !(c in first));
    if (missing.length) return { imported: [], errors: [{ line: 1, message: `missing columns: ${missing.join(', ')}` }] };
  }
  const imported: ImportRow[] = [];
  const errors: RowError[] = [];
  rows.forEach((rec, i) => {
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
