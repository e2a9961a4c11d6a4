/** Stock levels and cart reservations. A reservation holds units for one cart until checkout or expiry. */

export const RESERVATION_TTL_MS = 15 * 60 * 1000;

export interface StockRow {
  sku: string;
  onHand: number;
  reserved: number;
}

export interface Reservation {
  id: string;
  cartId: string;
  sku: string;
  qty: number;
  expiresAt: number;
}

export class OutOfStockError extends Error {
  constructor(readonly sku: string, readonly wanted: number, readonly available: number) {
    super(`${sku}: wanted ${wanted}, ${available} available`);
    this.name = 'OutOfStockError';
  }
}

export class Inventory {
  private readonly stock = new Map<string, StockRow>();
  private readonly reservations = new Map<string, Reservation>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  receive(sku: string, qty: number): void {
    const row = this.stock.get(sku) ?? { sku, onHand: 0, reserved: 0 };
    row.onHand += qty;
    this.stock.set(sku, row);
  }

  available(sku: string): number {
    this.expire();
    const row = this.stock.get(sku);
    return row ? row.onHand - row.reserved : 0;
  }

  reserve(cartId: string, sku: string, qty: number): Reservation {
    const free = this.available(sku);
    if (qty > free) throw new OutOfStockError(sku, qty, free);
    const row = this.stock.get(sku)!;
    row.reserved += qty;
    const r: Reservation = { id: `r${++this.seq}`, cartId, sku, qty, expiresAt: this.now() + RESERVATION_TTL_MS };
    this.reservations.set(r.id, r);
    return r;
  }

  /** Checkout finished: reserved units leave the shelf. */
  commit(reservationId: string): void {
    const r = this.reservations.get(reservationId);
    if (!r) throw new Error(`reservation ${reservationId} expired or unknown`);
    const row = this.stock.get(r.sku)!;
    row.reserved -= r.qty;
    row.onHand -= r.qty;
    this.reservations.delete(reservationId);
  }

  release(reservationId: string): void {
    const r = this.reservations.get(reservationId);
    if (!r) return;
    this.stock.get(r.sku)!.reserved -= r.qty;
    this.reservations.delete(reservationId);
  }

  expire(): number {
    const now = this.now();
    let n = 0;
    for (const r of [...this.reservations.values()]) {
      if (r.expiresAt <= now) {
        this.stock.get(r.sku)!.reserved -= r.qty;
        this.reservations.delete(r.id);
        n++;
      }
    }
    return n;
  }

  snapshot(): StockRow[] {
    return [...this.stock.values()].map((r) => ({ ...r }));
  }
}
