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
import { ANCHOR_ID, anchorPhrasesIn, codeNamesIn, WORD_ANCHOR_MAX_USES } from './anchors.js';
import { phrasesOfName } from '../code/code-words.js';
import { tokenize } from '../server/embeddings/local.js';
import { LRUCache } from 'lru-cache';

/**
 * Overlap of topics above which a later rule replaces an earlier one; the terms two rules must share
 * at least, three when the later one says nothing of a change (two rules about "trial accounts" that
 * share only those words are two rules: one must not retire the other).
 */
export const SUPERSEDE = { PLAIN: 0.6, CUED: 0.3, MIN_SHARED: 2, PLAIN_MIN_SHARED: 3, SAME_TOPIC: 0.7, CUED_MANY: 5 } as const;

/**
 * Words with which a person says a rule changes. "now" counts, but not as what stays ("whitespace collapsed as now", "as
 * it is now") nor as what is for the moment ("for now", "right now", "until now", "just now").
 */
const CHANGE_CUE =
  /\b(?:amend(?:ment|ed|s)?|update[ds]?|(?<!\b(?:as|for|right|until|till|by|just|even|than|as it is|as it's|as they are|as we have it) )now|chang(?:e|es|ed|ing) (?:the|our|that|this) rule|the rule (?:changes|is changing|has changed)|new rule|new number|changed (?:to|it|that|the)|we changed|no longer|not anymore|any ?more|no more(?! than)|instead|from now on|going forward|raising|raised|raise|lowering|lowered|lower|bump(?:ed|ing)?|revis(?:e|ed|ing|ion)|replac(?:e|es|ed|ing)|supersed(?:e|es|ed)|reverse[ds]?|after the (?:audit|incident|review|outage|postmortem)|relax(?:es|ed|ing)?|loosen(?:s|ed|ing)?|tighten(?:s|ed|ing)?|extend(?:s|ed|ing)? (?:\S+ ){1,3}?(?:to|until)|shorten(?:s|ed|ing)?|(?:goes|go|went|is going|are going) (?:up|down|back) to|chang(?:e|es|ing) (?:it |that |this )?to|switch(?:es|ed|ing)? (?:\S+ )*?(?:from|to|over)|mov(?:e|es|ed|ing) (?:it |that |this |the \S+ )?to|make (?:that|it) \d|scratch (?:that|the)|correction|(?:increas|decreas|reduc)(?:e|es|ed|ing) (?:\S+ )?to|verlänger(?:n|t)|erhöh(?:en|t)|senk(?:en|t)|ampliamos|aumentamos|reducimos|reduzimos|augment(?:ons|e)|rédui(?:sons|t)|aumentiamo|riduciamo|verhog(?:en|d)|verlag(?:en|d)|zwiększamy|zmniejszamy|увеличиваем|уменьшаем|nachtrag|geändert|ab jetzt|enmienda|cambiamos|a partir de ahora|emenda|mudamos|daqui para frente|avenant|désormais|modifié|d'ora in poi|modificato|voortaan|gewijzigd|od teraz|zmieniamy|поправка|теперь|отныне)\b/iu;

/**
 * A person saying in so many words that a rule of theirs changes ("change the rule then: …", "new rule: …", "neue Regel:
 * …"): narrower than CHANGE_CUE ("now", "instead" are said of a task too). Such a statement may amend a person's note
 * that names no code it names (learning-merge.ts `amendable`): the rule it changes was often read as a note.
 */
const RULE_CHANGES =
  /\b(?:chang(?:e|es|ed|ing) (?:the|our|that|this|my) rule|the rule (?:changes|is changing|has changed|is now)|new rule|rule change|neue regel|(?:die )?regel (?:ändert sich|ist jetzt)|(?:ändern|ändere) (?:wir )?die regel|nueva regla|cambia(?:mos)? la regla|nouvelle règle|(?:on )?change(?:ons)? la règle|nuova regola|cambia(?:mo)? la regola|nova regra|muda(?:mos)? a regra|nieuwe regel|nowa zasada|новое правило)\b/iu;
export const saysTheRuleChanges = (text: string): boolean => RULE_CHANGES.test(text);

/** Whether a rule says it changes something (CHANGE_CUE), per text: asked of each later rule for every earlier one. */
const cues = new LRUCache<string, boolean>({ max: 4_000, memoMethod: (text) => CHANGE_CUE.test(text) });
const saysItChanges = (text: string): boolean => cues.memo(text);

/** Topics already read (the push compares each rule that bears on a prompt with every later rule). */
const topics = new LRUCache<string, ReadonlyMap<string, number>>({ max: 4_000, memoMethod: (text) => readTopic(text) });

function readTopic(text: string): ReadonlyMap<string, number> {
  const weights = new Map(termsOf(text).weights);
  // Concepts and numbers name no rule; a file path is where many rules live, not what one says.
  for (const t of [...weights.keys()]) if (t.startsWith('concept:') || /^\d+$/.test(t) || (t.startsWith('id:') && /[/.]/.test(t))) weights.delete(t);
  return weights;
}

/** A rule's topic terms (shared between callers: read it, never change it). */
const topic = (text: string): ReadonlyMap<string, number> => topics.memo(text);

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

const numbersOf = (text: string) => new Set(text.match(/\d+(?:[.,]\d+)?/g) ?? []);
/** Whether the later text states a number the earlier does not. */
function newNumber(later: string, earlier: string): boolean {
  const before = numbersOf(earlier);
  return [...numbersOf(later)].some((n) => !before.has(n));
}

export interface RuleOverlap {
  overlap: number;
  shared: string[];
  cued: boolean;
  replaces: boolean;
}

/**
 * Whether `later` replaces `earlier` (both a rule's words: title and body). `idf`, when given, weighs
 * each topic term by how few of the project's rules use it: two rules of a monitoring project both
 * saying "downtime" and "SLA" share the project's subject, not a topic; "maintenance" said by two
 * rules is their topic.
 */
export function replacesRule(later: string, earlier: string, idf?: ReadonlyMap<string, number>): RuleOverlap {
  const weigh = (m: ReadonlyMap<string, number>): ReadonlyMap<string, number> => (idf ? new Map([...m].map(([t, w]) => [t, w * (idf.get(t) ?? 1)])) : m);
  const a = weigh(topic(later));
  const b = weigh(topic(earlier));
  let sharedWeight = 0;
  const shared: string[] = [];
  for (const [t, w] of a) {
    const v = b.get(t);
    if (v === undefined) continue;
    sharedWeight += Math.min(w, v);
    shared.push(t.replace(/^id:/, ''));
  }
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  // A rule that says it changes something: how much of it is about the earlier rule's topic.
  // One that does not: how much the two share, both ways (Dice), so a short rule is not
  // "covered" by a long proposal that merely mentions its words.
  const ofLater = sharedWeight / Math.max(1e-9, sum(a));
  const dice = (2 * sharedWeight) / Math.max(1e-9, sum(a) + sum(b));
  // Said to change, or the same statement with another number ("free plans go to 60 seconds
  // minimum" after "free plans: 30 seconds minimum"): a new version of it.
  const cued = saysItChanges(later) || (ofLater >= SUPERSEDE.SAME_TOPIC && newNumber(later, earlier));
  const enough = shared.length >= (cued ? SUPERSEDE.MIN_SHARED : SUPERSEDE.PLAIN_MIN_SHARED);
  const overlap = cued ? ofLater : dice;
  // A long amendment ("change the rule then: for file inputs … only syslog UDP …") is about more than the rule it
  // changes, so its share falls under CUED; said to change, and sharing CUED_MANY topic terms with it, it is its new version.
  const many = cued && shared.length >= SUPERSEDE.CUED_MANY;
  return { overlap, shared, cued, replaces: enough && (many || overlap >= (cued ? SUPERSEDE.CUED : SUPERSEDE.PLAIN)) };
}

/** How much better the closest rule must match than the next for an amendment to replace it. */
const AMBIGUOUS_MARGIN = 0.1;

/** A rule as the amendment check reads it. */
export interface RuleText {
  id: string;
  title: string;
  body: string;
}

/** A rule with the time it holds from (when the person stated it). */
export interface DatedRuleText extends RuleText {
  validFrom: Date;
}

/**
 * The current rule, stated after `statedAt`, that amends the candidate (a rule stated earlier but
 * read later, as when sessions are summarized out of order): the earliest such, so the candidate
 * becomes that rule's older version. The same test as ruleItAmends, the other way round.
 */
export function ruleAmendedLater<R extends DatedRuleText>(candidate: { title: string; body: string }, statedAt: Date, rules: readonly R[]): R | undefined {
  const later = rules.filter((r) => r.validFrom.getTime() > statedAt.getTime());
  if (later.length === 0) return undefined;
  const older = { id: '', title: candidate.title, body: candidate.body };
  // As the later rule would have been read when stated: against the rules before it, this one among them.
  const amendsIt = (r: R) => {
    const before = [...rules.filter((x) => x.id !== r.id && x.validFrom.getTime() <= r.validFrom.getTime()), older];
    return ruleItAmends(r, before, topicRarity(before.map((x) => `${x.title}\n${x.body}`)))?.id === '';
  };
  return later.filter(amendsIt).sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())[0];
}

/** A statement as the pushes compare two of them: its words, when it was stated, and whether it replaced a rule then. */
export interface StatedVersion {
  text: string;
  at: number;
  /** It replaced a rule when it was stated (that was its old version: it is not taken for another's). */
  replacedOne: boolean;
  /** Only a later one that says it changes something (a change cue) may leave this one out. */
  cueOnly?: boolean;
}

/**
 * Of the statements handed over together (the push at a file, a session's start context), those a later one says
 * it changes, each with that later one: two current statements on one topic, the later replacing the earlier by
 * replacesRule — an amendment the summarizer did not link (stated in other words, its old version kept apart) is
 * not handed over beside the rule it changed. `of` reads an item (undefined: not a statement of a person).
 */
export function laterVersions<T>(items: readonly T[], of: (item: T) => StatedVersion | undefined): Map<T, T> {
  const out = new Map<T, T>();
  const stated = items.flatMap((item) => {
    const v = of(item);
    return v ? [{ item, v }] : [];
  });
  if (stated.length < 2) return out;
  // Only pairs sharing SUPERSEDE.MIN_SHARED topic terms can replace one another: found by an index of the terms, so a
  // start context's fifty rules are not compared pair by pair (replacesRule on every pair took ~10 ms).
  const terms = stated.map(({ v }) => [...topic(v.text).keys()]);
  const byTerm = new Map<string, number[]>();
  terms.forEach((ts, i) => {
    for (const t of ts) {
      const list = byTerm.get(t);
      if (list) list.push(i);
      else byTerm.set(t, [i]);
    }
  });
  stated.forEach(({ item, v }, i) => {
    const shared = new Map<number, number>();
    for (const t of terms[i]!) for (const j of byTerm.get(t)!) if (j !== i) shared.set(j, (shared.get(j) ?? 0) + 1);
    // In the order stated: the first later one that changes it.
    for (const j of [...shared.keys()].sort((a, b) => a - b)) {
      const o = stated[j]!;
      if (shared.get(j)! < SUPERSEDE.MIN_SHARED || o.v.replacedOne || o.v.at <= v.at) continue;
      const r = replacesRule(o.v.text, v.text);
      if (r.replaces && (!v.cueOnly || r.cued)) {
        out.set(item, o.item);
        break;
      }
    }
  });
  return out;
}

/**
 * The notes an amendment replaces besides the one learning ruleItAmends found: every note it would replace on its own.
 * A person's earlier words about the code are often two notes of one conversation ("when the spool is full, Append
 * drops the oldest segment …" and the "yes" to the agent's account of it); the rule that changes them retires both.
 */
export function notesItAmends<R extends RuleText & { kind: string }>(candidate: { title: string; body: string }, rules: readonly R[], except: string, idf = topicRarity(rules.map((r) => `${r.title}\n${r.body}`))): R[] {
  const text = `${candidate.title}\n${candidate.body}`;
  return rules.filter((r) => r.kind === 'note' && r.id !== except && replacesRule(text, `${r.title}\n${r.body}`, idf).replaces);
}

/** The shortest identifier two statements can be about (sameCodeVersions). */
const SAME_CODE_MIN_NAME = 4;

/**
 * The two-word phrases of the code an earlier statement is about: of each identifier it is anchored to and each it
 * names in its words (GIFT_CARD_VALIDITY_MONTHS → gift_card, card_validity, validity_month; `isBusinessDay`, whose
 * case the anchors do not keep, from the statement's words → business_day).
 */
function codePhrasesOf(r: RuleText & { anchors: readonly string[] }): ReadonlySet<string> {
  const held = codePhrases.get(r);
  if (held) return held;
  const out = new Set<string>();
  for (const a of r.anchors) if (a.startsWith(ANCHOR_ID)) for (const p of phrasesOfName(a.slice(ANCHOR_ID.length))) out.add(p);
  for (const m of `${r.title}\n${r.body}`.matchAll(IDENTIFIER)) for (const p of phrasesOfName(m[0])) out.add(p);
  codePhrases.set(r, out);
  return out;
}
/** Each statement's code phrases, read once: a merge compares every stated candidate with the same earlier statements. */
const codePhrases = new WeakMap<object, ReadonlySet<string>>();

/**
 * The earlier statements of a person that a later one about the same code changes: the later one names, in the person's
 * own words or in the proposal it settles (`spoken`), an identifier the earlier one is anchored to ("On passe THUMB_WIDTH à
 * 480 px" after "thumbnails are 320 px wide", whose conversation set THUMB_WIDTH = 320), or names that code in plain
 * words ("the gift card question: … three years" after "GIFT_CARD_VALIDITY_MONTHS = 12": a phrase of the identifier,
 * anchors.ts anchorPhrasesIn), and it says it changes something (a change cue, "new rule") or, naming the identifier,
 * states a number the earlier one does not. Two statements about one constant or function share few words when they
 * are in two languages, when one is a yes to the agent's proposal, or when one calls the code by what it does; the code
 * they name is what they share.
 * A phrase that more than WORD_ANCHOR_MAX_USES of the earlier statements' code holds names no one thing: it links none.
 * `earlier`: statements stated before the later one, in other sessions.
 */
export function sameCodeVersions<R extends RuleText & { anchors: readonly string[] }>(later: { title: string; body: string }, spoken: readonly string[], earlier: readonly R[]): R[] {
  // A name of three letters is a unit written as code ("1 KiB"), not the code two statements are about.
  const ids = new Set(spoken.filter((n) => n.length >= SAME_CODE_MIN_NAME).map((n) => `${ANCHOR_ID}${n.toLowerCase()}`));
  const text = `${later.title}\n${later.body}`;
  const phrases = new Set(anchorPhrasesIn(text));
  if (ids.size === 0 && phrases.size === 0) return [];
  // A name that more than WORD_ANCHOR_MAX_USES of the earlier statements are anchored to names no one piece of code either
  // (`JSON`, written as a constant in "a single JSON string", anchored a dozen of a project's statements): it links none.
  const uses = new Map<string, number>();
  for (const r of earlier) for (const a of new Set(r.anchors)) if (ids.has(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const [a, n] of uses) if (n > WORD_ANCHOR_MAX_USES) ids.delete(a);
  const byName = earlier.filter((r) => r.anchors.some((a) => ids.has(a)));
  const named = new Set(byName);
  const byPhrase = phrases.size === 0 ? [] : earlier.filter((r) => !named.has(r) && [...codePhrasesOf(r)].some((p) => phrases.has(p)));
  if (byName.length === 0 && byPhrase.length === 0) return [];
  const changes = saysItChanges(text) || saysTheRuleChanges(text);
  // Code called by its words is a looser link than its name: only a later statement that says it changes something
  // replaces on it ("gift card balances under 5 EUR are paid out" sets another number about gift cards, not the expiry).
  return [...byName.filter((r) => changes || newNumber(text, `${r.title}\n${r.body}`)), ...(changes && byPhrase.length <= WORD_ANCHOR_MAX_USES ? byPhrase : [])];
}

/**
 * The person's statement, stated after `statedAt`, of which the candidate is an older version about the same code
 * (sameCodeVersions the other way round, for sessions summarized out of order): the earliest such. Each later statement
 * is read as sameCodeVersions reads it when it is stored after the candidate: its identifiers are those of its own words
 * (its title), and it is compared with every statement before it, the candidate among them.
 */
export function sameCodeVersionLater<R extends DatedRuleText & { anchors: readonly string[] }>(candidate: RuleText & { anchors: readonly string[] }, statedAt: Date, rules: readonly R[]): R | undefined {
  const versionOf = (r: R) => {
    const spoken = codeNamesIn(r.title);
    // A cheap test first (the candidate alone), then as it would be read among the statements before it.
    if (sameCodeVersions(r, spoken, [candidate]).length === 0) return false;
    const before = [...rules.filter((x) => x.id !== r.id && x.validFrom.getTime() < r.validFrom.getTime()), candidate];
    return sameCodeVersions(r, spoken, before).includes(candidate);
  };
  return rules
    .filter((r) => r.validFrom.getTime() > statedAt.getTime())
    .sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())
    .find(versionOf);
}

/** Topic rarity over a project's rules: ln(1 + N / df), N at least 10 (a few rules say little). */
export function topicRarity(texts: string[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const text of texts) for (const t of topic(text).keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = Math.max(10, texts.length);
  return new Map([...df].map(([t, f]) => [t, Math.log(1 + n / f)]));
}

/**
 * The current rule a newly stated one amends, if any: the closest of the project's rules whose topic
 * it covers (replacesRule, terms weighed by their rarity among those rules). When it could amend
 * two about as well, which one is not clear: neither (the push shows the newer first; a person can
 * correct it).
 */
export function ruleItAmends<R extends RuleText>(candidate: { title: string; body: string }, rules: readonly R[], idf = topicRarity(rules.map((r) => `${r.title}\n${r.body}`))): (R & { overlap: number }) | undefined {
  const text = `${candidate.title}\n${candidate.body}`;
  const matches = rules
    .map((r) => ({ ...r, ...replacesRule(text, `${r.title}\n${r.body}`, idf) }))
    .filter((o) => o.replaces)
    .sort((a, b) => b.overlap - a.overlap);
  // Close runners-up make it unclear, unless all the runner-up shares is shared by the best too (the project's subject words, not another topic).
  if (matches.length > 1 && matches[0]!.overlap - matches[1]!.overlap < AMBIGUOUS_MARGIN && !matches[1]!.shared.every((t) => matches[0]!.shared.includes(t))) return undefined;
  return matches[0];
}
