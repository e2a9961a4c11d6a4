/** Dispatch and delivery dates shown in the shop and on the order confirmation. */

export interface Warehouse {
  code: string;
  country: string;
  timeZone: string;
  carrierDays: number;
}

export const CUTOFF_HOUR = 14;

/** Public holidays per country, yyyy-mm-dd, loaded from config/holidays.json at start. */
const HOLIDAYS = new Map<string, Set<string>>();

export function loadHolidays(table: Record<string, string[]>): void {
  HOLIDAYS.clear();
  for (const [country, days] of Object.entries(table)) HOLIDAYS.set(country, new Set(days));
}

function ymd(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function isWeekend(d: Date): boolean {
  const day = d.getUTCDay();
  return day === 0 || day === 6;
}

export function isBusinessDay(d: Date, _country: string): boolean {
  return !isWeekend(d);
}

export function addBusinessDays(start: Date, days: number, country: string): Date {
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (isBusinessDay(d, country)) left--;
  }
  return d;
}

/** The day the parcel leaves the warehouse for an order placed at `orderedAt`. */
export function dispatchDate(orderedAt: Date, wh: Warehouse): Date {
  const day = new Date(Date.UTC(orderedAt.getUTCFullYear(), orderedAt.getUTCMonth(), orderedAt.getUTCDate()));
  const beforeCutoff = orderedAt.getUTCHours() < CUTOFF_HOUR;
  if (beforeCutoff && isBusinessDay(day, wh.country)) return day;
  return addBusinessDays(day, 1, wh.country);
}

export function estimateDelivery(orderedAt: Date, wh: Warehouse): { dispatch: string; delivery: string } {
  const dispatch = dispatchDate(orderedAt, wh);
  return { dispatch: ymd(dispatch), delivery: ymd(addBusinessDays(dispatch, wh.carrierDays, wh.country)) };
}

export function holidaysOf(country: string): string[] {
  return [...(HOLIDAYS.get(country) ?? [])].sort();
}
