/**
 * How an item's uptake moves it in context ranking. Each receipt item whose session closed says
 * whether the agent used it (common/rules/uptake.ts); the context reads, per candidate, how often it
 * was handed over (injected) and used, and:
 *
 * - under MIN_EVIDENCE injections: no change (not enough to judge);
 * - never used: demoted (× NEVER_USED_FACTOR), and left out from WITHHOLD_AFTER injections on —
 *   unless it was restated since it was last handed over, or it matches what the session is about;
 * - used: raised by its use rate (× 1 + USED_GAIN · used/injected); used less often than its kind is
 *   here, once there is RARE_EVIDENCE (ownUse; RARE_RATE until the kind's rate is known), is demoted,
 *   then left out, like the never-used — and it has no use of its own: it shares the unproven's
 *   budget (UNPROVEN_SHARE); so does one used no more often than chance gives an untried item of its
 *   kind (BEYOND_CHANCE), though it is raised.
 *
 * Every change carries its reason, which the receipt item and `memflow context --explain` show.
 * RARE_RATE, EXPLORE.SLOTS.learning, the kind-relative judgment, UNPROVEN_SHARE and BEYOND_CHANCE were
 * chosen with `npm run bench:uptake` on tuning histories only (vitest, older stretches of hono and
 * fastify, then vite and trpc, then fastify@83e6976), NEAR set once, the rest on this repository's
 * own history;
 * docs/receipts.md says which data chose what and reports the others.
 */
import { samePath } from './uptake.js';

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
  /**
   * Used, but in under this share of its servings: as good as unused — until the kind's own rate
   * here is known (ownUse), which then takes its place. Low on purpose: agents use a few % of what
   * they are handed, so an item used in 1 of 8 servings is far above the average one (at 0.25, such
   * items — often about a project's busiest files — were left out and recall fell).
   */
  RARE_RATE: 0.1,
  RARE_EVIDENCE: 6,
} as const;

/** No change: too little evidence, or an item uptake cannot judge (a warning: api/context/start-context.ts). */
export const NO_UPTAKE_CHANGE: UptakeAdjustment = { factor: 1, withhold: false, note: '' };

export function uptakeAdjustment(
  stats: UptakeStats | undefined,
  opts: { restatedAt?: Date | null; asked?: boolean; kindRate?: number | undefined } = {},
): UptakeAdjustment {
  const R = UPTAKE_RULES;
  if (!stats || stats.injected < R.MIN_EVIDENCE) return NO_UPTAKE_CHANGE;
  const { injected: n, used: m } = stats;
  if (opts.restatedAt && stats.lastInjectedAt && opts.restatedAt > stats.lastInjectedAt) return { ...NO_UPTAKE_CHANGE, note: `restated since it was last handed over (used in ${m} of ${n})` };
  const rare = ownUse(stats, opts.kindRate) === 'below';
  if (m === 0 || rare) {
    const what = m === 0 ? `injected ${n}×, never used` : `used in only ${m} of ${n} sessions`;
    if (n >= R.WITHHOLD_AFTER && !opts.asked) return { factor: 0, withhold: true, note: `left out: ${what}` };
    return { factor: R.NEVER_USED_FACTOR, withhold: false, note: `demoted: ${what}` };
  }
  return { factor: 1 + R.USED_GAIN * (m / n), withhold: false, note: `raised: used in ${m} of ${n} sessions` };
}

/**
 * Whether an item has a use of its own: never used ('none'); used, but with RARE_EVIDENCE servings
 * less often than its kind's items are here ('below': it does no better than an untried one, whose
 * expected rate is the kind's); used, but no more often than an untried item of its kind would be by
 * chance ('chance', once the kind's rate is known: see BEYOND_CHANCE); else 'proven'. Judged against
 * the kind's rate in this project when known (kindRate), else against RARE_RATE.
 */
export function ownUse(stats: UptakeStats | undefined, kindRate: number | undefined): 'none' | 'below' | 'chance' | 'proven' {
  if (!stats || stats.used === 0) return 'none';
  if (stats.injected >= UPTAKE_RULES.RARE_EVIDENCE && stats.used / stats.injected < (kindRate ?? UPTAKE_RULES.RARE_RATE)) return 'below';
  return kindRate !== undefined && chanceOfUses(stats.used, stats.injected, kindRate) > BEYOND_CHANCE ? 'chance' : 'proven';
}

/**
 * A use of its own is one an untried item of the kind would rarely show: the chance that an item
 * used at the kind's rate would have been used at least as often in as many servings must be at
 * most this. Agents use a few % of what they are handed, so one use in a dozen servings is what
 * many untried items would show by luck (at a rate of 5 %, 46 % of them): such an item is still
 * raised and not limited to the few tried, but it shares the unproven's budget (UNPROVEN_SHARE)
 * instead of taking the budget's rest for good. Chosen with UNPROVEN_SHARE by `npm run bench:uptake`
 * on tuning histories only (docs/receipts.md).
 */
export const BEYOND_CHANCE = 0.3;

/** P(X ≥ used) for X ~ Binomial(injected, rate): how often chance alone gives this many uses. */
export function chanceOfUses(used: number, injected: number, rate: number): number {
  if (used <= 0) return 1;
  if (used > injected || rate <= 0) return 0;
  if (rate >= 1) return 1;
  // 1 − P(X < used), the terms summed in logs: (1 − rate)^injected underflows for long histories.
  let logTerm = injected * Math.log1p(-rate);
  const step = Math.log(rate) - Math.log1p(-rate);
  let below = 0;
  for (let k = 0; k < used; k++) {
    below += Math.exp(logTerm);
    logTerm += Math.log((injected - k) / (k + 1)) + step;
  }
  return Math.max(0, 1 - below);
}

/** How often a kind of item (learning, summary, observation) was used in a project's sessions. */
export interface KindUptake {
  judged: number;
  used: number;
}

/**
 * Exploration: once a kind of item has been judged EXPLORE.MIN_JUDGED times in a project and is used
 * in under EXPLORE.RARE_RATE of them, its items without a use of their own (untried, or never used)
 * no longer fill the budget: EXPLORE.SLOTS of them per serving are tried (the newest first), the
 * rest are left out — unless they match what the session is about (the query, or recent prompts).
 * Items that were used, and items that match, are not limited.
 */
export const EXPLORE = {
  MIN_JUDGED: 40,
  RARE_RATE: 0.25,
  /** Per serving, by kind: distilled knowledge gets more tries than raw activity. */
  SLOTS: { learning: 4, summary: 3, observation: 2 },
} as const;

/** The kind's use rate here, once judged EXPLORE.MIN_JUDGED times, else undefined. */
export function kindRate(kind: KindUptake | undefined): number | undefined {
  return !kind || kind.judged < EXPLORE.MIN_JUDGED ? undefined : kind.used / kind.judged;
}

/** The kind's use rate when it is rare enough to limit its unproven items, else undefined. */
export function rareKind(kind: KindUptake | undefined): number | undefined {
  const rate = kindRate(kind);
  return rate !== undefined && rate < EXPLORE.RARE_RATE ? rate : undefined;
}

/**
 * Near recent work: an item citing a file the project's latest NEAR.WINDOW tool calls read or
 * edited. What the agent touched last is what the next session works near (in the tuning histories
 * such learnings were used 2-4 times as often as the others), so such an item is raised
 * (× NEAR.FACTOR) and treated like one that matches what the session is about: never left out for
 * looking unused, not limited to the few tried.
 */
export const NEAR = {
  WINDOW: 60,
  FACTOR: 2,
} as const;

/** Whether an item's cited files include one the latest tool calls touched (paths compared as uptake compares them). */
export function nearRecentWork(cited: string[], touched: string[]): boolean {
  return touched.length > 0 && cited.some((p) => touched.some((t) => samePath(t, p)));
}

/**
 * The budget is not filled for its own sake. Of a kind rarely used here (rareKind), items without a
 * use of their own (untried, never used, used within chance, or only near recent work or matching
 * recent prompts) may take at most this share of the budget together, best first; items used beyond
 * chance, warnings and items matching the caller's explicit query are not limited. Agents use a few %
 * of what they are handed: the rest of the budget bought almost nothing but unused tokens. (0.3 while
 * items used within chance were outside it; 0.4 with them inside, chosen with BEYOND_CHANCE.)
 */
export const UNPROVEN_SHARE = 0.4;
