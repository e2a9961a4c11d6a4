/**
 * Is a newly stated rule a new version of one the project already has? "We're raising MAX_ATTEMPTS
 * to 9 after the incident" amends "retries must be capped at 7 — MAX_ATTEMPTS = 7"; "backoff starts
 * at 200 ms" does not amend the cap, though both are about retries.
 *
 * Two rules are compared by their topic terms (common/rules/push-relevance.ts: content words after
 * stemming and identifiers, no concepts, no norm words): the share of the smaller rule's topic the
 * other one covers. A rule that says it changes something ("amendment", "now", "no longer",
 * "raising", "instead", "from now on"…) replaces when enough of it is about the earlier rule's topic;
 * one that does not, only when the two say nearly the same (Dice overlap).
 */
import { IDENTIFIER, termsOf } from './push-relevance.js';
import { rarity } from './word-rarity.js';
import { tokenize } from '../server/embeddings/local.js';

/** Overlap of topics above which a later rule replaces an earlier one. */
export const SUPERSEDE = { PLAIN: 0.6, CUED: 0.3, MIN_SHARED: 2 } as const;

/** Words with which a person says a rule changes. */
const CHANGE_CUE =
  /\b(?:amend(?:ment|ed|s)?|update[ds]?|now|new number|changed (?:to|it|that|the)|we changed|no longer|not anymore|any ?more|instead|from now on|going forward|raising|raised|raise|lowering|lowered|lower|bump(?:ed|ing)?|revis(?:e|ed|ing|ion)|replac(?:e|es|ed|ing)|supersed(?:e|es|ed)|reverse[ds]?|after the (?:audit|incident|review|outage|postmortem)|nachtrag|geändert|ab jetzt|enmienda|cambiamos|a partir de ahora|emenda|mudamos|daqui para frente|avenant|désormais|modifié|d'ora in poi|modificato|voortaan|gewijzigd|od teraz|zmieniamy|поправка|теперь|отныне)\b/iu;

function topic(text: string): Map<string, number> {
  const { weights } = termsOf(text);
  // Concepts and numbers name no rule; a file path is where many rules live, not what one says.
  for (const t of [...weights.keys()]) if (t.startsWith('concept:') || /^\d+$/.test(t) || (t.startsWith('id:') && /[/.]/.test(t))) weights.delete(t);
  return weights;
}

/** Scope terms kept per rule at most. */
const MAX_SCOPE = 30;
/** A word this telling or more is part of a rule's scope (word-rarity.ts). */
const SCOPE_RARITY = 0.45;

/**
 * What a rule is about, from the conversation it was stated in (its own words, the agent's turn it
 * answered, the session's first prompt): identifiers and paths as written, and the telling words —
 * the terms a later prompt about the same thing is likely to use though the rule's words do not.
 */
export function scopeOf(texts: string[]): string[] {
  const counts = new Map<string, number>();
  const add = (t: string, w: number) => counts.set(t, (counts.get(t) ?? 0) + w);
  for (const text of texts) {
    for (const m of text.matchAll(IDENTIFIER)) add(m[0], 2);
    for (const w of tokenize(text)) if (w.length >= 3 && !/^\d+$/.test(w) && rarity(w) >= SCOPE_RARITY) add(w, rarity(w));
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SCOPE).map(([t]) => t);
}

export interface RuleOverlap {
  overlap: number;
  shared: string[];
  cued: boolean;
  replaces: boolean;
}

/** Whether `later` replaces `earlier` (both a rule's words: title and body). */
export function replacesRule(later: string, earlier: string): RuleOverlap {
  const a = topic(later);
  const b = topic(earlier);
  let sharedWeight = 0;
  const shared: string[] = [];
  for (const [t, w] of a) {
    const v = b.get(t);
    if (v === undefined) continue;
    sharedWeight += Math.min(w, v);
    shared.push(t.replace(/^id:/, ''));
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  // A rule that says it changes something: how much of it is about the earlier rule's topic.
  // One that does not: how much the two share, both ways (Dice), so a short rule is not
  // "covered" by a long proposal that merely mentions its words.
  const ofLater = sharedWeight / Math.max(1e-9, sum(a));
  const dice = (2 * sharedWeight) / Math.max(1e-9, sum(a) + sum(b));
  const cued = CHANGE_CUE.test(later);
  const enough = shared.length >= SUPERSEDE.MIN_SHARED;
  const overlap = cued ? ofLater : dice;
  return { overlap, shared, cued, replaces: enough && overlap >= (cued ? SUPERSEDE.CUED : SUPERSEDE.PLAIN) };
}
