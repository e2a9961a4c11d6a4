/**
 * The code a person's words are about, as anchors: what the push at the code matches against the
 * identifiers a file defines or imports (the relay reads the file with a real parser, common/code/;
 * the API finds the learnings by `learnings.anchors`, api/context/file-push.ts).
 *
 * An agent fixing a bug opens the failing test and the module; the conversation that settled the
 * rule named that code — a constant (`MAX_ATTEMPTS`), the function that misbehaves, the exception it
 * raises, the class — far more often than its path. So every learning records:
 *   - `id:<name>`: each identifier its conversation named, as code is written in prose — snake_case,
 *     CONSTANT_CASE, camelCase, PascalCase with two humps or more, a name called (`pluralize()`),
 *     written in backticks, or the member of a dotted name (`strutils.pluralize` → `pluralize`; the
 *     module before the dot is where many rules live, not what one is about);
 *   - `w:<word>`: the plain words of its OWN statement that could name a function ("the pluralize
 *     helper must keep the count"): words of five letters or more that spoken English rarely uses.
 *     Also two adjacent plain words of it, as a phrase (`w:business_day` for "business days"): code named
 *     in plain words, found at a file that defines a name made of them (`isBusinessDay`, `addBusinessDays`).
 *     A word anchor reaches a file only when the file defines or imports a name equal to it, and the
 *     push ranks it below an identifier (api/context/file-push.ts). And what it quotes as text is written
 *     ('Caused by:', an error message: `w:caused.by`), found at a file whose string literals spell it.
 * Everything lower-cased (identifiers are matched whatever their case in prose). What is a path
 * (`pay/rounding.py`) is not an anchor here: paths are the learning's scope and citations, matched by
 * `path_keys`.
 *
 * This reads prose, not code: code is read by the parser on the developer's machine.
 */
import { wordsOfText } from '../server/embeddings/local.js';
import { STOP_WORDS, WEAK_WORDS } from '../server/embeddings/lexicon.js';
import { FLAG, phraseOf, spelledPhrase, SPELLED_WORDS, spelledWordsOf } from '../code/code-words.js';
import { rarity } from './word-rarity.js';

export const ANCHOR_ID = 'id:';
export const ANCHOR_WORD = 'w:';

/** Anchors kept per learning at most: identifiers, then words. */
const MAX_IDS = 40;
const MAX_WORDS = 16;
const MAX_PHRASES = 16;
/**
 * A plain word this rare in spoken English or more may name a function (word-rarity.ts: 0.15 … 1). 0.8 since
 * corpus4 (0.6 before): "products" (0.65) anchored a SKU rule to every test that defines a `products` fixture.
 */
export const WORD_RARITY = 0.8;
/**
 * A name written as code (in backticks, called, dotted) but spelled as one plain word is an identifier anchor only
 * when it is at least this rare: "products" (0.65) and "strings" (0.61) are in every other module; "spool" (0.96),
 * "expire" (0.89) name this project's code. Chosen on corpus4's dev half (bench:decisions).
 */
export const PLAIN_NAME_RARITY = 0.8;
/** Plain words shorter than this name no function worth anchoring to ("sort", "join", "save"). */
const MIN_WORD = 5;
/** Longest name kept (a generated blob is no identifier). */
const MAX_NAME = 80;

/** Names with a dot that are file names, not members: the text after the last dot is an extension. */
const FILE_EXTENSION = /^(?:py|pyi|ts|tsx|js|jsx|mjs|cjs|go|rs|rb|java|kt|cs|c|h|cc|cpp|hpp|php|swift|json|ya?ml|toml|ini|cfg|conf|md|rst|txt|csv|sql|sh|html?|css|scss|lock|env|xml|proto|gradle|mod|sum)$/i;

/** A word or dotted name of code characters, with what precedes and follows it. */
const NAME = /(`?)([A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*)(\(?)/g;

/**
 * A key written with hyphens, as headers and kebab-case config keys are (`X-Feedhop-Signature`, `max-in-flight`): words
 * of letters and digits joined by `-`, not part of a path, a flag (FLAG) or a longer name. The relay finds it in the
 * string literals a file holds (common/code/code-names.ts `keys`).
 */
const HYPHEN_KEY = /(?<![A-Za-z0-9_$./\\-])(['"`]?)([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![A-Za-z0-9_$/\\-])/g;


/** Whether one part of a name is written as code: an underscore inside, a case change, or all capitals. */
export function looksLikeCode(part: string): boolean {
  const letters = part.replace(/[^A-Za-z]/g, '');
  if (letters.length < 2) return false;
  if (/[A-Za-z0-9]_[A-Za-z0-9_]|^_[A-Za-z]/.test(part)) return true; // snake_case, CONSTANT_CASE, _private
  if (/[a-z][A-Z]/.test(part)) return true; // camelCase, PascalCase, SpooledBytesIO
  if (/^[A-Z][A-Z0-9]{3,}$/.test(part)) return true; // TIMEOUT (acronyms of three letters are words)
  return false;
}

/**
 * The identifiers a text names (lower-cased, each once, in order): code-shaped words, names called
 * or in backticks, the members of dotted names. File names (`retry.py`) are not identifiers.
 */
export function codeNamesIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(NAME)) {
    const [, tick, name, call] = m;
    const parts = name!.split('.');
    const last = parts.at(-1)!;
    if (parts.length > 1 && FILE_EXTENSION.test(last)) continue;
    // The character before must not make this the middle of a path or a word of another kind.
    const before = m.index! > 0 ? text[m.index! - 1]! : ' ';
    if (before === '/' || before === '\\' || before === '-' || /[A-Za-z0-9]/.test(before)) continue;
    const dotted = parts.length > 1 && parts.every((p) => p.length > 0);
    const marked = tick === '`' || call === '(' || dotted;
    // A name written as code but spelled as an everyday word (`products`, `client`, `strings`) is kept only when it is
    // rare in spoken English: every module has a `products` or imports `strings`, and its rules would reach them all.
    if ((marked && last.length >= 3 && (/[^A-Za-z]/.test(last) || rarity(last.toLowerCase()) >= PLAIN_NAME_RARITY)) || looksLikeCode(last)) {
      if (last.length <= MAX_NAME && /[A-Za-z]/.test(last)) out.add(last.toLowerCase());
    }
    // A module's own code-shaped parts (`payclient.retry_policy.MAX_ATTEMPTS`) are names too.
    for (const p of parts.slice(0, -1)) if (looksLikeCode(p) && p.length <= MAX_NAME) out.add(p.toLowerCase());
  }
  // A command line's flag (`--region`), as written.
  for (const m of text.matchAll(FLAG)) out.add(m[1]!.toLowerCase());
  // A key written with hyphens, as a key is written: quoted (`max-in-flight`, "x-api-key") or in a header's capitals
  // (X-Feedhop-Signature); and with a part rare enough to name this project's code: "Content-Type" names no one place,
  // and a compound of prose ("the trailing-slash twin", "follow-up") is no key.
  for (const m of text.matchAll(HYPHEN_KEY)) {
    const [, quote, key] = m;
    const parts = key!.split('-');
    const written = Boolean(quote) || parts.every((p) => /^[A-Z0-9]/.test(p));
    if (written && key!.length <= MAX_NAME && parts.some((p) => p.length >= 4 && /^[A-Za-z]+$/.test(p) && rarity(p.toLowerCase()) >= PLAIN_NAME_RARITY)) out.add(key!.toLowerCase());
  }
  return [...out];
}

/** The plain words of a statement that may name a function: lower-case letters only, long and rare enough. */
export function anchorWordsIn(text: string): string[] {
  const out = new Set<string>();
  for (const w of wordsOfText(text)) {
    if (w.length < MIN_WORD || w.length > MAX_NAME || !/^[a-z]+$/.test(w)) continue;
    if (rarity(w) >= WORD_RARITY) out.add(w);
  }
  return [...out];
}

/** A word or phrase anchor counts only when at most this many of the project's memories use it (else it names no one thing). */
export const WORD_ANCHOR_MAX_USES = 3;

/**
 * The two-word phrases of a statement that may name code in plain words ("business days in the warehouse's
 * country" → `business_day`; "the gift card question" → `gift_card`): each two adjacent words of three letters or
 * more, neither a function word nor a filler, read as code-words.ts reads a name's parts (phraseOf), so that
 * `business_day` meets the `isBusinessDay` and `addBusinessDays` a file defines (the relay compares them).
 */
export function anchorPhrasesIn(text: string): string[] {
  const out = new Set<string>();
  let previous: string | undefined;
  // Words of any script, so that a word with an accent is one word ("réception", not "ception"); only a word of ASCII
  // letters can be part of a code name.
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    const usable = /^[a-z]{3,}$/.test(word) && !STOP_WORDS.has(word) && !WEAK_WORDS.has(word);
    const phrase = usable && previous ? phraseOf(previous, word) : undefined;
    if (phrase) out.add(phrase);
    previous = usable ? word : undefined;
  }
  return [...out];
}

/** Quoted phrases kept per learning at most. */
const MAX_SPELLED = 8;
/** Longest quoted text read as a phrase a file may spell (a longer quote is speech, not a literal). */
const MAX_QUOTED = 60;

/**
 * Text in quotes, as a person writes a literal ('Caused by:', "label value exceeds limit", `x-`, “…”, «…»): straight
 * single quotes only where no letter or digit touches them from outside (an apostrophe, "don't … it's", is no quote).
 */
const QUOTED = /(?<![\p{L}\p{N}])'([^'\n]{2,200}?)'(?![\p{L}\p{N}])|"([^"\n]{2,200}?)"|`([^`\n]{2,200}?)`|“([^”\n]{2,200}?)”|‘([^’\n]{2,200}?)’|«\s?([^»\n]{2,200}?)\s?»/gu;

/**
 * The phrases a statement quotes as text is written, each as a file would spell it (code-words.ts: its words joined
 * by `.`, `'Caused by:'` → `caused.by`): of SPELLED_WORDS words, one of them a word of four letters or more, at most
 * MAX_QUOTED characters, not a sentence of its own (ending in `.`, `!` or `?`: a person quoting what someone said).
 * The relay finds them in the string literals of the files the agent opens (the failing test that feeds the line,
 * the module that matches it).
 */
export function quotedPhrasesIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(QUOTED)) {
    const quoted = (m.slice(1).find((g) => g !== undefined) ?? '').trim();
    if (quoted.length > MAX_QUOTED || /[.!?]$/.test(quoted)) continue;
    const words = spelledWordsOf(quoted);
    if (words.length < SPELLED_WORDS.MIN || words.length > SPELLED_WORDS.MAX || !words.some((w) => /^[a-z]{4,}$/.test(w))) continue;
    out.add(spelledPhrase(words));
  }
  return [...out];
}

/**
 * A learning's anchors: the identifiers of its own statement and of the conversation around it
 * (`around`: the agent's proposal it settled, the prompt it was part of, the session's opening), and
 * the plain words of its own statement (`own`).
 */
export function anchorsOf(own: readonly string[], around: readonly string[] = []): string[] {
  const ids = new Set<string>();
  for (const t of [...own, ...around]) for (const n of codeNamesIn(t)) if (ids.size < MAX_IDS) ids.add(n);
  const words = new Set<string>();
  for (const t of own) for (const w of anchorWordsIn(t)) if (!ids.has(w) && words.size < MAX_WORDS) words.add(w);
  // Code named in plain words ("business days"): a phrase anchor, found at a file whose names hold it (`isBusinessDay`).
  const phrases = new Set<string>();
  for (const t of own) for (const p of anchorPhrasesIn(t)) if (!ids.has(p) && phrases.size < MAX_PHRASES) phrases.add(p);
  // A phrase quoted as text is written ('Caused by:'): found at a file whose string literals spell it.
  const spelled = new Set<string>();
  for (const t of own) for (const p of quotedPhrasesIn(t)) if (spelled.size < MAX_SPELLED) spelled.add(p);
  return [...[...ids].map((n) => ANCHOR_ID + n), ...[...words, ...phrases, ...spelled].map((w) => ANCHOR_WORD + w)];
}

/** The bare names of anchors (what the relay matches a file's names against). */
export const anchorName = (anchor: string): string => anchor.slice(anchor.indexOf(':') + 1);
