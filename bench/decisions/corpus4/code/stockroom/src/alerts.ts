/** Low-stock alerts to the purchasing team (mail + Slack). */

export const LOW_STOCK_THRESHOLD = 5;

export interface StockLevel {
  sku: string;
  name: string;
  available: number;
  /** Per-SKU override set in the product sheet. */
  threshold?: number;
}

export interface Alert {
  sku: string;
  text: string;
  at: Date;
}

export type Notify = (alert: Alert) => Promise<void>;

export function thresholdOf(level: StockLevel): number {
  return level.threshold ?? LOW_STOCK_THRESHOLD;
}

export function isLow(level: StockLevel): boolean {
  return level.available <= thresholdOf(level);
}

export class LowStockAlerter {
  private readonly lastSent = new Map<string, Date>();

  constructor(private readonly notify: Notify, private readonly now: () => Date = () => new Date()) {}

  /** Called after every stock movement of a SKU. */
  async onStockChanged(level: StockLevel): Promise<boolean> {
    if (!isLow(level)) {
      this.lastSent.delete(level.sku);
      return false;
    }
    const at = this.now();
    await this.notify({ sku: level.sku, at, text: `${level.name} (${level.sku}): ${level.available} left, threshold ${thresholdOf(level)}` });
    this.lastSent.set(level.sku, at);
    return true;
  }

  lastAlert(sku: string): Date | undefined {
    return this.lastSent.get(sku);
  }
}

export function slackText(alerts: Alert[]): string {
  if (alerts.length === 0) return 'Stock is fine.';
  return [':warning: Low stock', ...alerts.map((a) => `• ${a.text}`)].join('\n');
}
