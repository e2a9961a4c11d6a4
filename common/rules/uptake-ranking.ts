/**
 * How an item's uptake moves it in context ranking. Each receipt item whose session closed says
 * whether the agent used it (common/rules/uptake.ts); the context reads, per candidate, how often it
 * was handed over (injected) and used, and:
 *
 * - under MIN_EVIDENCE injections: no change (not enough to judge);
 * - never used: demoted (× NEVER_USED_FACTOR), and left out from WITHHOLD_AFTER injections on —
 *   unless it was restated since it was last handed over, or the caller's explicit query asks for it;
 * - used: raised by its use rate (× 1 + USED_GAIN · used/injected); used rarely (under RARE_RATE once
 *   there is RARE_EVIDENCE) is demoted like the never-used.
 *
 * Every change carries its reason, which the receipt item and `memflow context --explain` show.
 */
export interface UptakeStats {
  injected: number;
  used: number;
  /** When it was last handed over (a learning restated since is judged afresh). */
  lastInjectedAt?: Date | null;
}

export interface UptakeAdjustment {
  factor: number;
  /** Left out of the context altogether. */
  withhold: boolean;
  /** Why (empty when nothing changed). */
  note: string;
}

export const UPTAKE_RULES = {
  MIN_EVIDENCE: 3,
  WITHHOLD_AFTER: 4,
  NEVER_USED_FACTOR: 0.4,
  USED_GAIN: 0.75,
  RARE_RATE: 0.15,
  RARE_EVIDENCE: 8,
} as const;

const NONE: UptakeAdjustment = { factor: 1, withhold: false, note: '' };

export function uptakeAdjustment(stats: UptakeStats | undefined, opts: { restatedAt?: Date | null; asked?: boolean } = {}): UptakeAdjustment {
  const R = UPTAKE_RULES;
  if (!stats || stats.injected < R.MIN_EVIDENCE) return NONE;
  const { injected: n, used: m } = stats;
  if (opts.restatedAt && stats.lastInjectedAt && opts.restatedAt > stats.lastInjectedAt) return { ...NONE, note: `restated since it was last handed over (used in ${m} of ${n})` };
  const rare = m > 0 && n >= R.RARE_EVIDENCE && m / n < R.RARE_RATE;
  if (m === 0 || rare) {
    const what = m === 0 ? `injected ${n}×, never used` : `used in only ${m} of ${n} sessions`;
    if (n >= R.WITHHOLD_AFTER && !opts.asked) return { factor: 0, withhold: true, note: `left out: ${what}` };
    return { factor: R.NEVER_USED_FACTOR, withhold: false, note: `demoted: ${what}` };
  }
  return { factor: 1 + R.USED_GAIN * (m / n), withhold: false, note: `raised: used in ${m} of ${n} sessions` };
}
