/**
 * Coupon codes typed at checkout: looked up among the active campaigns, checked against the
 * campaign's limits (dates, minimum order, once per customer) and turned into a cart discount.
 */

export interface Campaign {
  code: string;
  percentOff: number;
  startsAt: Date;
  endsAt: Date;
  minOrderMinor: number;
  oncePerCustomer: boolean;
}

export interface Redemption {
  customerId: string;
  code: string;
  orderId: string;
}

export type CouponResult =
  | { ok: true; campaign: Campaign; discountMinor: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'not-started' | 'minimum' | 'already-used' };

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

export function findCampaign(campaigns: Campaign[], entered: string): Campaign | undefined {
  const code = normalizeCode(entered);
  return campaigns.find((c) => normalizeCode(c.code) === code);
}

export function redeemCoupon(
  campaigns: Campaign[],
  used: Redemption[],
  customerId: string,
  entered: string,
  subtotalMinor: number,
  now = new Date(),
): CouponResult {
  const campaign = findCampaign(campaigns, entered);
  if (!campaign) return { ok: false, reason: 'unknown' };
  if (now < campaign.startsAt) return { ok: false, reason: 'not-started' };
  if (now > campaign.endsAt) return { ok: false, reason: 'expired' };
  if (subtotalMinor < campaign.minOrderMinor) return { ok: false, reason: 'minimum' };
  if (campaign.oncePerCustomer) {
    const code = normalizeCode(entered);
    if (used.some((r) => r.customerId === customerId && r.code === code)) return { ok: false, reason: 'already-used' };
  }
  return { ok: true, campaign, discountMinor: Math.round((subtotalMinor * campaign.percentOff) / 100) };
}

/** Codes printed on flyers: 8 characters without 0/O and 1/I. */
export function generateCode(random: () => number = Math.random): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 8; i++) out += alphabet[Math.floor(random() * alphabet.length)] ?? 'X';
  return out;
}

export function reasonText(reason: Exclude<CouponResult, { ok: true }>['reason']): string {
  switch (reason) {
    case 'unknown':
      return 'This code does not exist.';
    case 'expired':
      return 'This code has expired.';
    case 'not-started':
      return 'This code is not valid yet.';
    case 'minimum':
      return 'Your order is below the minimum for this code.';
    case 'already-used':
      return 'You have already used this code.';
  }
}
