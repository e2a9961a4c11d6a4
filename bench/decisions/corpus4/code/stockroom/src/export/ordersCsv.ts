/**
 * The orders export finance downloads from the admin (orders, refunds, per month), opened in Excel
 * or LibreOffice. Semicolon-free, comma-separated, CRLF, with a BOM so Excel reads UTF-8.
 */
export interface OrderRow {
  orderNo: string;
  placedAt: Date;
  customer: string;
  address: string;
  sku: string;
  qty: number;
  amountMinor: number;
  currency: string;
  note?: string;
}

export const COLUMNS = ['order', 'date', 'customer', 'address', 'sku', 'qty', 'amount', 'currency', 'note'] as const;
const FORMULA_START = /^[=+\-@\t\r]/;

/** Keeps a spreadsheet from reading a cell as a formula. */
export function neutralize(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** -1250 EUR -> "-12.50"; JPY has no minor digits. */
export function amountText(minor: number, currency: string): string {
  const digits = currency.toUpperCase() === 'JPY' ? 0 : 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toCsvRow(row: OrderRow): string {
  const cells = [
    row.orderNo,
    row.placedAt.toISOString().slice(0, 10),
    row.customer,
    row.address,
    row.sku,
    String(row.qty),
    amountText(row.amountMinor, row.currency),
    row.currency,
    row.note ?? '',
  ];
  return cells.map((c) => quoteCell(neutralize(c))).join(',');
}

export function buildOrdersCsv(rows: OrderRow[]): string {
  const lines = [COLUMNS.join(','), ...rows.map(toCsvRow)];
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

export function exportFileName(shop: string, from: Date, to: Date): string {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  return `orders-${shop.toLowerCase()}-${day(from)}_${day(to)}.csv`;
}

/** Refund rows are orders with negative quantities and amounts; finance wants them last. */
export function refundsLast(rows: OrderRow[]): OrderRow[] {
  return [...rows].sort((a, b) => Number(a.amountMinor < 0) - Number(b.amountMinor < 0) || a.placedAt.getTime() - b.placedAt.getTime());
}
