/**
 * The identifier-like words of a text, read by a scan of its characters (no parse): whether a file can hold
 * one of a project's anchored identifiers at all (most files of a project hold none, and are never parsed),
 * and the words a prompt names. Lower-cased: identifiers are matched without case.
 */

/** Whether a character can be part of an identifier (ASCII letters, digits, `_`, `$`). */
function identChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** Whether `test` holds for some identifier-like word of `text`, as written (a scan of characters, in order; stops at the first). */
function someWord(text: string, test: (word: string) => boolean): boolean {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (identChar(c)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const word = text.slice(start, i);
      start = -1;
      if (test(word)) return true;
    }
  }
  return false;
}

/**
 * The identifier-like words of `text`, lower-cased, that `keep` accepts (all when none is given): a
 * scan of characters, not a reading of the code — it only says whether a parse can find anything.
 */
export function wordsOf(text: string, keep?: (w: string) => boolean, max = Infinity): Set<string> {
  const out = new Set<string>();
  someWord(text, (word) => {
    const w = word.toLowerCase();
    if (keep && !keep(w)) return false;
    out.add(w);
    return out.size >= max;
  });
  return out;
}

/**
 * The keys among the identifiers, once per set: those written with hyphens (`x-feedhop-signature`, a flag's `--dry-run`
 * as `dry-run`), and the names of one-word flags (`--region` as `region`: Go's `flag.String("region", …)` spells it so).
 */
const keySets = new WeakMap<ReadonlySet<string>, { hyphenated: ReadonlySet<string>; flagWords: ReadonlySet<string> }>();
function keysOf(identifiers: ReadonlySet<string>): { hyphenated: ReadonlySet<string>; flagWords: ReadonlySet<string> } {
  let held = keySets.get(identifiers);
  if (!held) {
    const hyphenated = new Set<string>();
    const flagWords = new Set<string>();
    for (const n of identifiers) {
      if (!n.includes('-')) continue;
      const bare = n.replace(/^-+/, '');
      (bare.includes('-') ? hyphenated : flagWords).add(bare);
    }
    held = { hyphenated, flagWords };
    keySets.set(identifiers, held);
  }
  return held;
}

/** A flag written out on a command line, or in an options spec (`"-r, --region <name>"`): `--region`, `--dry-run` (group 1). */
export const FLAG = /(?:^|[\s`'"(=])(--[a-z][a-z0-9-]{1,40})(?![a-z0-9-])/gi;

/** A run of identifier-like words joined by hyphens: a header, a kebab-case key, a flag's name. */
const HYPHEN_RUN = /[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+/g;

/** True when `text` spells one of the hyphenated keys among `identifiers` (a string literal of it may hold the key). */
function mentionsHyphenKey(text: string, identifiers: ReadonlySet<string>): boolean {
  const { hyphenated } = keysOf(identifiers);
  if (hyphenated.size > 0) for (const m of text.matchAll(HYPHEN_RUN)) if (hyphenated.has(m[0].toLowerCase())) return true;
  return false;
}

/** Whether a word (lower-case) is one of `identifiers` or the name of a one-word flag among them (`flagWords`). */
const isNamed = (w: string, identifiers: ReadonlySet<string>, flagWords: ReadonlySet<string>) => identifiers.has(w) || flagWords.has(w);

/** True when some word of `text` is one of `identifiers` (lower-case) or a one-word flag's name, or it spells a hyphenated one. */
export function mentionsAny(text: string, identifiers: ReadonlySet<string>): boolean {
  if (identifiers.size === 0) return false;
  const { flagWords } = keysOf(identifiers);
  return someWord(text, (word) => isNamed(word.toLowerCase(), identifiers, flagWords)) || mentionsHyphenKey(text, identifiers);
}

/** A part of a name or a plain word as phrases compare them: lower-case, a plural's `s` dropped (`days` → `day`, `business` stays). */
function phrasePart(part: string): string {
  const p = part.toLowerCase();
  return p.length > 3 && p.endsWith('s') && !p.endsWith('ss') ? p.slice(0, -1) : p;
}

/** Parts of a phrase are words of three letters or more (`is`, `of`, `to` join no two words into a name). */
const PHRASE_PART = /^[a-z]{3,}$/;

/** Whether a character code is an ASCII lower-case letter, an upper-case one. */
const lower = (c: number) => c >= 97 && c <= 122;
const upper = (c: number) => c >= 65 && c <= 90;

/**
 * Calls `pair` with each two adjacent parts of a name, as `phrasePart` reads them, both of three letters or more, in
 * order, until it answers true (then true). A part is a run of letters: it ends at anything else (`_`, a digit), before
 * a capital after a lower-case letter, and before the last capital of a run followed by a lower-case letter (`XMLHttp`
 * → `XML`, `Http`). A scan of characters, no regular expression and no array: the scan before a parse reads every word
 * of a file this way, on the relay's thread.
 */
function somePair(name: string, pair: (a: string, b: string) => boolean): boolean {
  let previous: string | undefined;
  let start = -1;
  const n = name.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? name.charCodeAt(i) : 95;
    const letter = lower(c) || upper(c);
    if (start >= 0) {
      const b = name.charCodeAt(i - 1);
      const ends = !letter || (upper(c) && lower(b)) || (upper(c) && upper(b) && i + 1 < n && lower(name.charCodeAt(i + 1)));
      if (ends) {
        const part = phrasePart(name.slice(start, i));
        if (part.length < 3) previous = undefined;
        else if (previous !== undefined && pair(previous, part)) return true;
        else previous = part;
        start = -1;
      }
    }
    if (letter && start < 0) start = i;
  }
  return false;
}

/**
 * The two-word phrases a name is made of (`isBusinessDay` → `business_day`; `GIFT_CARD_VALIDITY_MONTHS` →
 * `gift_card`, `card_validity`, `validity_month`; `HostBucket` → `host_bucket`), as a person says that code in
 * plain words ("business days", "the gift card", "the host bucket"): each pair of adjacent parts (somePair) joined by
 * `_`. Read from the name as written (its case tells the parts apart).
 */
export function phrasesOfName(name: string): string[] {
  const out: string[] = [];
  somePair(name, (a, b) => {
    out.push(`${a}_${b}`);
    return false;
  });
  return out;
}

/**
 * The phrase of two plain words, as phrasesOfName reads a name's parts (`business`, `days` → `business_day`), or
 * undefined when a part is shorter than three letters. anchors.ts reads a statement's adjacent words with it.
 */
export function phraseOf(a: string, b: string): string | undefined {
  const [x, y] = [phrasePart(a), phrasePart(b)];
  return x.length >= 3 && y.length >= 3 ? `${x}_${y}` : undefined;
}

/** Whether a word of code can hold a phrase: two parts at least (an underscore, or a lower-case letter before a capital). */
function compound(word: string): boolean {
  for (let i = 1; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 95 || (upper(c) && lower(word.charCodeAt(i - 1)))) return true;
  }
  return false;
}

/** Whether a compound word of code holds one of `phrases` (phrasesOfName's reading, stopping at the first). */
const holdsPhrase = (word: string, phrases: ReadonlySet<string>): boolean => somePair(word, (a, b) => phrases.has(`${a}_${b}`));

/**
 * A phrase a person quoted as text is written (an error message, a prefix a line starts with, a label's value:
 * 'Caused by:', "label value exceeds limit") and that a file spells in a string literal: its words, lower-case letters
 * and digits, joined by `.` (`caused.by`). A dot joins no other anchor's parts (identifiers are read from prose and code
 * without their dots), so a spelled phrase is told apart from a name (`max_attempts`) and a name's phrase (`gift_card`).
 */
const SPELLED_SEPARATOR = '.';
/** Words a spelled phrase has at least and at most. */
export const SPELLED_WORDS = { MIN: 2, MAX: 6 } as const;

/** A spelled phrase as it is written: its words joined by SPELLED_SEPARATOR (what an index holds of quoted phrases). */
const SPELLED_PHRASE = /^[a-z0-9]+(?:\.[a-z0-9]+)+$/;
/** The spelled phrase of some words (spelledWordsOf's). */
export const spelledPhrase = (words: readonly string[]): string => words.join(SPELLED_SEPARATOR);

/** The words of a text as a spelled phrase compares them: runs of ASCII letters and digits, lower-cased. */
export function spelledWordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** The quoted phrases among an index's identifiers, and the words they start with (a literal's run is looked at only there). */
export interface SpelledIndex {
  phrases: ReadonlySet<string>;
  first: ReadonlySet<string>;
  /** Finds any of them in a file's text (the words in order, anything but a letter or digit between them): the scan before a parse. */
  scan: RegExp | undefined;
}

/** An index's quoted phrases (its identifiers of words and dots: `caused.by`), once per index. */
const spelledSets = new WeakMap<ReadonlySet<string>, SpelledIndex>();
export function spelledAmong(identifiers: ReadonlySet<string>): SpelledIndex {
  let held = spelledSets.get(identifiers);
  if (!held) {
    const phrases = new Set([...identifiers].filter((p) => SPELLED_PHRASE.test(p)));
    const words = [...phrases].map((p) => p.split(SPELLED_SEPARATOR));
    const scan = phrases.size > 0 ? new RegExp(`(?<![a-z0-9])(?:${words.map((w) => w.join('[^a-z0-9]+')).join('|')})(?![a-z0-9])`, 'i') : undefined;
    held = { phrases, first: new Set(words.map((w) => w[0]!)), scan };
    spelledSets.set(identifiers, held);
  }
  return held;
}

/**
 * The quoted phrases of `index` that a string literal holds: each run of SPELLED_WORDS adjacent words of it
 * (`"Caused by: java.sql.SQLException: deadlock"` holds `caused.by`, `caused.by.java`, …) that is one of them.
 */
export function spelledPhrasesIn(literal: string, index: SpelledIndex): string[] {
  const words = spelledWordsOf(literal);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!index.first.has(words[i]!)) continue;
    for (let n = SPELLED_WORDS.MIN; n <= SPELLED_WORDS.MAX && i + n <= words.length; n++) {
      const phrase = spelledPhrase(words.slice(i, i + n));
      if (index.phrases.has(phrase)) out.push(phrase);
    }
  }
  return out;
}

/** True when `text` spells one of the quoted phrases among `identifiers` (a string literal of it may hold it). */
function mentionsSpelled(text: string, identifiers: ReadonlySet<string>): boolean {
  return spelledAmong(identifiers).scan?.test(text) ?? false;
}

/**
 * True when some word of `text` is one of `identifiers` (lower-case), or — when `phrases` is given — a
 * compound name of it holds one of `phrases` (phrasesOfName): the file may define the code a person named in
 * plain words, so it is worth a parse; or it spells one of the phrases a person quoted (a spelled phrase of `identifiers`).
 */
export function mentionsAnyOrPhrase(text: string, identifiers: ReadonlySet<string>, phrases: ReadonlySet<string>): boolean {
  if (identifiers.size === 0) return false;
  if (phrases.size === 0) return mentionsAny(text, identifiers) || mentionsSpelled(text, identifiers);
  const { flagWords } = keysOf(identifiers);
  // A file repeats its names: each is looked at once.
  const seen = new Set<string>();
  const found = someWord(text, (word) => {
    if (seen.has(word)) return false;
    seen.add(word);
    return isNamed(word.toLowerCase(), identifiers, flagWords) || (word.length >= 7 && compound(word) && holdsPhrase(word, phrases));
  });
  return found || mentionsHyphenKey(text, identifiers) || mentionsSpelled(text, identifiers);
}

/** The identifiers of `identifiers` that are two-word phrases (`gift_card`): those a compound name may hold. */
export function phrasesAmong(identifiers: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of identifiers) {
    const i = n.indexOf('_');
    if (i > 0 && n.indexOf('_', i + 1) < 0 && PHRASE_PART.test(n.slice(0, i)) && PHRASE_PART.test(n.slice(i + 1))) out.add(n);
  }
  return out;
}
