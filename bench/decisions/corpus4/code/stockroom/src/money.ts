/** Money as integer minor units with its ISO currency; formatting for invoices and the shop. */

export interface Money {
  minor: number;
  currency: string;
}

const MINOR_DIGITS: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, SEK: 2, HUF: 2 };

export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency.toUpperCase()];
  if (digits === undefined) throw new Error(`unsupported currency ${currency}`);
  return digits;
}

/** "12.34" or 12.34 in `currency` -> minor units; throws on more decimals than the currency has. */
export function toMinor(amount: string | number, currency: string): number {
  const digits = minorDigits(currency);
  const text = typeof amount === 'number' ? amount.toFixed(digits) : amount.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not an amount: ${amount}`);
  const [whole = '0', frac = ''] = text.split('.');
  if (frac.length > digits) throw new Error(`${amount} has more than ${digits} decimals`);
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0'));
}

export function money(minor: number, currency: string): Money {
  if (!Number.isInteger(minor)) throw new Error(`minor units must be an integer, got ${minor}`);
  return { minor, currency: currency.toUpperCase() };
}

export function add(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new Error(`currency mismatch ${a.currency} / ${b.currency}`);
  return { minor: a.minor + b.minor, currency: a.currency };
}

export function multiply(a: Money, qty: number): Money {
  return { minor: Math.round(a.minor * qty), currency: a.currency };
}

export function formatMoney(m: Money, locale = 'de-DE'): string {
  const digits = minorDigits(m.currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: m.currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(m.minor / 10 ** digits);
}

export function sum(items: Money[], currency: string): Money {
  return items.reduce((acc, m) => add(acc, m), money(0, currency));
}
