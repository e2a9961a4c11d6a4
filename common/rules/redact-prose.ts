/**
 * Secrets named in sentences rather than in `key=value` form, and random-looking strings standing
 * next to a secret word (docs/redaction.md: values that look like secrets, in code or in plain sentences).
 *
 *   "use the password hunter2! for the staging db"      -> keyword, then the value
 *   "the db password is Tr0ub4dor&3"                     -> keyword, a connector ("is", ":", "to", …), the value
 *   "the password for the staging db is s3cr3t-Pa55"     -> keyword, up to three words, "is"/":", the value
 *   "connect with passphrase 'correct horse battery staple'" -> keyword, a quoted value (any words)
 *   "here is the signing key for prod: 8f4Jk2Lq9Zx…"     -> a high-entropy word after a secret word on the line
 *
 * What keeps ordinary prose and code intact: an unquoted value must look random (a digit, a symbol or
 * mixed case, and at least 6 characters), and never reads as code (a call, a member chain, a
 * `CONSTANT_NAME`, a placeholder, a path, a version); "password reset flow", "the token is expired",
 * "use a strong password", "passwordless login" stay. The high-entropy rule needs upper case, lower
 * case and a digit in 20+ characters with enough entropy, so git SHAs, UUIDs and hex hashes (one
 * case) never match, and lockfile `sha512-…` integrity strings are skipped by their prefix.
 *
 * Pure and linear: each pattern starts at a word boundary with a bounded keyword, and the scans
 * resume after what they examined.
 */

export interface ProseMarkers {
  prose: string;
  entropy: string;
}

/** Keywords that name a secret in a sentence (singular forms; plurals read as talk about them). */
const KEYWORD =
  String.raw`(?:pass(?:word|phrase|wd)|pwd|secret|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key|private[ _-]?key|signing[ _-]?key|credentials?|client[ _-]secret|connection[ _-]string|auth[ _-]?token|pin[ _-]?code)`;

/**
 * keyword, then either a connector (`is`, `was`, `:`, `=`, `to`, `as`, `use`, `of`, `be`, `=>`) or
 * nothing, or `for|on|in|of` + up to three words + `is|was|:|=`; then the value's start.
 * Group 1: everything before the value.
 */
const PROSE = new RegExp(
  String.raw`((?<![\w-])${KEYWORD}(?![\w-])["']?` +
    String.raw`(?:[ \t]+(?:for|on|in|of)(?:[ \t]+[\w.@/-]{1,40}){1,3}?[ \t]*(?:is|was|[:=])[ \t]+` +
    String.raw`|[ \t]*(?:[:=]|=>)[ \t]*` +
    String.raw`|[ \t]+(?:is|was|are|were|to|as|use|of|be|should[ \t]+be|will[ \t]+be|would[ \t]+be)[ \t]+` +
    String.raw`|[ \t]+))(?=\S)`,
  'gi',
);

const QUOTED = /(["'`])([^"'`\r\n]{1,200})\1/y;
const UNQUOTED = /[^\s"'`<>()[\]{}]{1,200}/y;

/** Words that are plainly not secrets even when they have a digit or a capital. */
const NOT_A_SECRET = new Set(['null', 'none', 'nil', 'undefined', 'true', 'false', 'empty', 'required', 'optional']);

function looksLikeCode(v: string): boolean {
  if (v.startsWith('$') || v.startsWith('%') || v.startsWith('[') || v.startsWith('<') || v.startsWith('@')) return true;
  if (/^[*•x.]+$/i.test(v)) return true; // already masked: ******** / xxxx
  if (/^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(v) && !/\d/.test(v)) return true; // member chain
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return true; // CONSTANT_CASE (an env var's name)
  if (/^_?[a-z]+(?:_[a-z]+)+$/.test(v)) return true; // snake_case
  if (/^[A-Za-z][a-z]+\d*(?:[A-Z][a-z]+\d*)+$/.test(v)) return true; // camelCase / PascalCase (a type, a variable)
  if (/^[a-z]+(?:-[a-z]+)+$/.test(v)) return true; // kebab-case name (a k8s secret, a file stem)
  if (/^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(v)) return true; // version
  if (/^(?:~|\.{1,2})?\/[\w.@+-]+(?:\/[\w.@+-]*)+$/.test(v)) return true; // path
  if (/^https?:\/\//i.test(v)) return true; // a URL (its password, if any, is the URL rule's)
  if (/^\d{1,5}(?:[a-z]{1,3}|%)?$/i.test(v)) return true; // a small number or a quantity (3, 10s, 8kb)
  return /[=;]$/.test(v) || v.endsWith('(') || v.includes('=>') || v.includes('==');
}

/** A random-looking value: 6+ characters with a digit, a symbol, or upper case after the first. */
function looksSecret(v: string): boolean {
  if (v.length < 6 || NOT_A_SECRET.has(v.toLowerCase())) return false;
  return /\d/.test(v) || /[^\w\s]/.test(v) || /[A-Z]/.test(v.slice(1));
}

function isMarkerAt(s: string, at: number): boolean {
  return s.startsWith('[redacted:', at) || s.startsWith('[private]', at);
}

function proseValueEnd(s: string, at: number): { end: number; secret: boolean } {
  QUOTED.lastIndex = at;
  const q = QUOTED.exec(s);
  if (q !== null) {
    const inner = q[2] ?? '';
    const ok = inner.trim().length >= 4 && !isMarkerAt(inner, 0) && !looksLikeCode(inner) && !/^[a-z]+$/.test(inner);
    return { end: at + q[0].length, secret: ok };
  }
  if (isMarkerAt(s, at)) return { end: at, secret: false };
  UNQUOTED.lastIndex = at;
  const raw = UNQUOTED.exec(s)?.[0] ?? '';
  // A sentence's closing punctuation is not part of the value.
  const v = raw.replace(/[.,;:)]+$/, '');
  // `std::env::var(`, `settings[`, `config.get(`: the value is an expression, not a literal.
  const call = s[at + raw.length] === '(' || s[at + raw.length] === '[' || raw.includes('::');
  return { end: at + v.length, secret: v.length > 0 && !call && looksSecret(v) && !looksLikeCode(v) };
}

function redactProseValues(s: string, marker: string, count: { n: number }): string {
  if (!QUICK_PROSE.test(s)) return s;
  const parts: string[] = [];
  let last = 0;
  PROSE.lastIndex = 0;
  for (let m = PROSE.exec(s); m !== null; m = PROSE.exec(s)) {
    const at = m.index + (m[1]?.length ?? 0);
    const { end, secret } = proseValueEnd(s, at);
    if (secret && at >= last) {
      const quoted = s[at] === '"' || s[at] === "'" || s[at] === '`';
      parts.push(s.slice(last, quoted ? at + 1 : at), marker);
      last = quoted ? end - 1 : end;
      count.n++;
    }
    PROSE.lastIndex = Math.max(end, at, PROSE.lastIndex);
  }
  if (parts.length === 0) return s;
  parts.push(s.slice(last));
  return parts.join('');
}

const QUICK_PROSE = /pass|pwd|secret|token|key|credential|connection|pin/i;

// ---------------------------------------------------------------------------------------------
// High-entropy words after a secret word on the same line
// ---------------------------------------------------------------------------------------------

const CONTEXT_WORD = /(?<![A-Za-z])(?:pass(?:word|phrase|wd)?|pwd|secret|token|key|credentials?|auth|bearer|signature|sig)(?![a-z])/i;
const CANDIDATE = /(?<![\w+/=.-])(?!sha(?:1|256|384|512)-)[A-Za-z0-9+/_=.-]{20,512}(?![\w+/=.-])/g;
/** How far back on the line a secret word may stand. */
const CONTEXT_CHARS = 80;

function entropyBits(v: string): number {
  const freq = new Map<string, number>();
  for (const ch of v) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) {
    const p = n / v.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Mostly whole words (`getUserAuthToken2Handler`, `AWS_REGION_EU_WEST_1`): random strings are mostly 1–2 letter runs. */
function isIdentifier(v: string): boolean {
  const segs = v.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g) ?? [];
  if (segs.length === 0) return false;
  const short = segs.filter((x) => /^[A-Za-z]{1,2}$/.test(x)).length;
  return short / segs.length < 0.3;
}

/** Upper, lower and digit in a 20+ character word that is not a dotted name or a path, and enough entropy. */
export function isHighEntropy(v: string): boolean {
  if (!/[A-Z]/.test(v) || !/[a-z]/.test(v) || !/\d/.test(v)) return false;
  if (/^[\w-]+(?:\.[\w-]+){2,}$/.test(v) && !/\d{3}/.test(v)) return false; // a.b.c names (JWTs are matched before)
  if (/^[\w.-]*\/[\w.-]+\/[\w./-]*$/.test(v) && !/[+=]/.test(v)) return false; // paths
  if (isIdentifier(v)) return false;
  if (/[0-9a-f]{16,}/.test(v)) return false; // carries a hex digest (cache keys, image tags)
  return entropyBits(v) >= 3.6;
}

function redactHighEntropy(s: string, marker: string, count: { n: number }): string {
  if (!CONTEXT_WORD.test(s)) return s;
  CANDIDATE.lastIndex = 0;
  return s.replace(CANDIDATE, (word: string, offset: number) => {
    if (!isHighEntropy(word)) return word;
    const lineStart = s.lastIndexOf('\n', offset - 1) + 1;
    const before = s.slice(Math.max(lineStart, offset - CONTEXT_CHARS), offset);
    if (!CONTEXT_WORD.test(before)) return word;
    count.n++;
    return marker;
  });
}

/** Prose secrets first (they name the value exactly), then high-entropy words near a secret word. */
export function redactProse(s: string, markers: ProseMarkers): { text: string; count: number } {
  const count = { n: 0 };
  const text = redactHighEntropy(redactProseValues(s, markers.prose, count), markers.entropy, count);
  return { text, count: count.n };
}
