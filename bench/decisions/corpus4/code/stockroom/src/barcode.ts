/** EAN-13 / UPC-A barcodes on product sheets and from the warehouse scanners. */

export type BarcodeKind = 'ean13' | 'upca' | 'ean8';

export function checkDigit(body: string): number {
  let sum = 0;
  const digits = body.split('').map(Number).reverse();
  digits.forEach((d, i) => {
    sum += i % 2 === 0 ? d * 3 : d;
  });
  return (10 - (sum % 10)) % 10;
}

export function kindOf(code: string): BarcodeKind | undefined {
  if (/^\d{13}$/.test(code)) return 'ean13';
  if (/^\d{12}$/.test(code)) return 'upca';
  if (/^\d{8}$/.test(code)) return 'ean8';
  return undefined;
}

export function isValidBarcode(code: string): boolean {
  const clean = code.replace(/[\s-]/g, '');
  const kind = kindOf(clean);
  if (!kind) return false;
  return checkDigit(clean.slice(0, -1)) === Number(clean.slice(-1));
}

/** UPC-A is an EAN-13 with a leading 0. */
export function toEan13(code: string): string {
  const clean = code.replace(/[\s-]/g, '');
  if (kindOf(clean) === 'upca') return `0${clean}`;
  if (kindOf(clean) === 'ean13') return clean;
  throw new Error(`${code} is not an EAN-13 or UPC-A`);
}

/** GS1 prefix of an EAN-13 (which numbering organisation issued it). */
export function gs1Prefix(ean13: string): string {
  const p = Number(ean13.slice(0, 3));
  if (p >= 400 && p <= 440) return 'DE';
  if (p >= 300 && p <= 379) return 'FR';
  if (p >= 900 && p <= 919) return 'AT';
  if (p >= 760 && p <= 769) return 'CH';
  if (p <= 139) return 'US/CA';
  return 'other';
}

export function withCheckDigit(body: string): string {
  if (!/^\d{7}$|^\d{11}$|^\d{12}$/.test(body)) throw new Error(`bad barcode body ${body}`);
  return `${body}${checkDigit(body)}`;
}
