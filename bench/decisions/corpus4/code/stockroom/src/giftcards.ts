/**
 * Gift cards: issued from the shop's checkout or the admin, redeemed at checkout, partially or in full.
 * A card is a code and a balance in the shop's currency; the balance never goes below zero.
 */
import { randomBytes } from 'node:crypto';

export const GIFT_CARD_VALIDITY_MONTHS = 12;
export const CODE_GROUPS = 4;

export interface GiftCard {
  code: string;
  currency: string;
  balanceMinor: number;
  purchasedAt: Date;
  expiresAt: Date;
}

export class GiftCardError extends Error {
  constructor(readonly reason: 'expired' | 'empty' | 'currency' | 'unknown', message: string) {
    super(message);
  }
}

/** XXXX-XXXX-XXXX-XXXX from an alphabet without 0/O and 1/I. */
export function newCode(random = randomBytes): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = random(CODE_GROUPS * 4);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return Array.from({ length: CODE_GROUPS }, (_, i) => chars.slice(i * 4, i * 4 + 4).join('')).join('-');
}

export function expiryOf(purchasedAt: Date): Date {
  const d = new Date(purchasedAt);
  d.setUTCMonth(d.getUTCMonth() + GIFT_CARD_VALIDITY_MONTHS);
  return d;
}

export function issue(amountMinor: number, currency: string, now = new Date()): GiftCard {
  if (!Number.isInteger(amountMinor) || amountMinor <= 0) throw new RangeError('a gift card needs a positive amount');
  return { code: newCode(), currency, balanceMinor: amountMinor, purchasedAt: now, expiresAt: expiryOf(now) };
}

/** Takes up to `dueMinor` from the card; returns what was taken. */
export function redeem(card: GiftCard, dueMinor: number, currency: string, now = new Date()): number {
  if (card.currency !== currency) throw new GiftCardError('currency', `card is in ${card.currency}, the order in ${currency}`);
  if (now >= card.expiresAt) throw new GiftCardError('expired', `gift card ${card.code} expired on ${card.expiresAt.toISOString().slice(0, 10)}`);
  if (card.balanceMinor === 0) throw new GiftCardError('empty', `gift card ${card.code} has no balance left`);
  const taken = Math.min(card.balanceMinor, dueMinor);
  card.balanceMinor -= taken;
  return taken;
}
