/**
 * Invoice numbers. A draft invoice only has an internal id; the legal number is drawn from the
 * counter when the invoice is finalized, so a deleted draft never leaves a hole in the series.
 */
export const INVOICE_PREFIX = 'RE';
export const SEQUENCE_DIGITS = 5;

export interface InvoiceLine {
  sku: string;
  qty: number;
  netMinor: number;
}

export interface InvoiceDraft {
  id: string;
  shop: string;
  orderId: string;
  currency: string;
  lines: InvoiceLine[];
  createdAt: Date;
}

export interface FinalInvoice extends InvoiceDraft {
  number: string;
  finalizedAt: Date;
}

/** Where the counters live (a row per key in the `counters` table in production). */
export interface CounterStore {
  get(key: string): number | undefined;
  set(key: string, value: number): void;
}

export class MemoryCounters implements CounterStore {
  private readonly values = new Map<string, number>();
  get(key: string): number | undefined {
    return this.values.get(key);
  }
  set(key: string, value: number): void {
    this.values.set(key, value);
  }
}

export class InvoiceNumberError extends Error {}

export function formatInvoiceNumber(prefix: string, year: number, seq: number): string {
  if (!Number.isInteger(seq) || seq < 1) throw new InvoiceNumberError(`bad sequence ${seq}`);
  return `${prefix}-${year}-${String(seq).padStart(SEQUENCE_DIGITS, '0')}`;
}

export function parseInvoiceNumber(value: string): { prefix: string; year: number; seq: number } | undefined {
  const m = /^([A-Z]{2,3})-(\d{4})-(\d{5,})$/.exec(value.trim());
  if (!m) return undefined;
  return { prefix: m[1]!, year: Number(m[2]), seq: Number(m[3]) };
}

function counterKey(_shop: string, year: number): string {
  return `invoice:${year}`;
}

/** Draws the next number; called inside the finalize transaction only. */
export function nextInvoiceNumber(store: CounterStore, shop: string, at: Date): string {
  const year = at.getUTCFullYear();
  const key = counterKey(shop, year);
  const seq = (store.get(key) ?? 0) + 1;
  store.set(key, seq);
  return formatInvoiceNumber(INVOICE_PREFIX, year, seq);
}

export function finalizeInvoice(draft: InvoiceDraft | FinalInvoice, store: CounterStore, now = new Date()): FinalInvoice {
  if ('number' in draft) throw new InvoiceNumberError(`invoice ${draft.number} is already final`);
  if (draft.lines.length === 0) throw new InvoiceNumberError(`draft ${draft.id} has no lines`);
  return { ...draft, number: nextInvoiceNumber(store, draft.shop, now), finalizedAt: now };
}

/** Numbers missing from a series (for the year-end check the accountant runs). */
export function missingNumbers(numbers: string[]): string[] {
  const parsed = numbers.map(parseInvoiceNumber).filter((p): p is { prefix: string; year: number; seq: number } => p !== undefined);
  const missing: string[] = [];
  const bySeries = new Map<string, number[]>();
  for (const p of parsed) bySeries.set(`${p.prefix}-${p.year}`, [...(bySeries.get(`${p.prefix}-${p.year}`) ?? []), p.seq]);
  for (const [series, seqs] of bySeries) {
    const have = new Set(seqs);
    const [prefix = '', year = '0'] = series.split('-');
    for (let s = 1; s <= Math.max(...seqs); s++) if (!have.has(s)) missing.push(formatInvoiceNumber(prefix, Number(year), s));
  }
  return missing;
}
