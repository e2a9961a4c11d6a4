/**
 * Redaction applied to every hook payload before anything is stored, signalled to Temporal,
 * summarized, embedded or logged (docs/redaction.md): `<private>…</private>` spans and values that look
 * like secrets are replaced by `[private]` / `[redacted:<kind>]`.
 *
 * Pure and linear-time. Every pattern starts with a fixed prefix or behind a look-behind that stops
 * the engine from restarting inside a run of word characters, quantifiers are bounded where a
 * failure could otherwise rescan, and the two multi-line constructs (`<private>` and PEM blocks)
 * always consume what they scanned (an unclosed one is redacted to the end: safer).
 *
 * Idempotent: markers never match a rule, and the rules are re-run until a pass changes nothing,
 * so redacting twice equals redacting once.
 *
 * Known limits (heuristics, tuned against false positives in code): an unquoted value in code
 * position is only redacted from 8 characters and when it does not read as an identifier
 * (`password: MySecretPass` in a mid-line position is kept as a likely type or variable); a bare
 * high-entropy string with no known prefix and no secret-looking key is not detected.
 *
 * Here: `<private>` spans, PEM blocks, the passes over text and the walk over JSON values. The
 * token-shaped secrets (API keys, tokens) are redact-tokens.ts, assignments to secret-named keys
 * redact-assignments.ts, which names are secret secret-key-names.ts, the kinds and markers
 * redaction-markers.ts.
 */

import { redactProse } from './redact-prose.js';
import { redactAssignments } from './redact-assignments.js';
import { redactTokens } from './redact-tokens.js';
import { applyTenantRules, type CompiledRule } from './redact-tenant-rules.js';
import { PRIVATE_MARKER, redactionMarker, type Counter } from './redaction-markers.js';
import { isSecretKeyNameCached } from './secret-key-names.js';

export interface RedactedText {
  text: string;
  /** How many spans or values were replaced. */
  count: number;
}

/** Containers nested deeper than this are replaced by `[redacted:too-deep]`. */
export const MAX_REDACT_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Private spans and PEM blocks
// ---------------------------------------------------------------------------------------------

const PRIVATE_TAG = /<(\/?)private[ \t\r\n]*>/gi;

/**
 * Removes `<private>` spans, nested ones included; an unclosed span runs to the end of the text.
 * A stray closing tag outside any span is left as it is.
 */
function redactPrivate(s: string, c: Counter): string {
  if (!/<\/?private/i.test(s)) return s;
  const parts: string[] = [];
  let last = 0;
  let depth = 0;
  PRIVATE_TAG.lastIndex = 0;
  for (let m = PRIVATE_TAG.exec(s); m !== null; m = PRIVATE_TAG.exec(s)) {
    if (m[1] !== '/') {
      if (depth === 0) parts.push(s.slice(last, m.index));
      depth++;
    } else if (depth > 0) {
      depth--;
      if (depth === 0) {
        parts.push(PRIVATE_MARKER);
        c.count++;
        last = m.index + m[0].length;
      }
    }
  }
  if (depth > 0) {
    parts.push(PRIVATE_MARKER);
    c.count++;
  } else {
    parts.push(s.slice(last));
  }
  return parts.join('');
}

// BEGIN through END, or through the end of the text when END is missing (so an unclosed block is
// consumed by one scan instead of being rescanned from every later BEGIN).
const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

// A replacement can change what an earlier rule sees next to it (a marker's `]` where a word
// character was), so the rules run again until nothing changes: that is what makes redaction
// idempotent. In practice the second pass finds nothing; the cap keeps the cost linear.
const MAX_PASSES = 4;

/**
 * Redacts `<private>` spans and secret-looking values in free text; `extra` are a tenant's own rules
 * (common/rules/redact-tenant-rules.ts), applied after the built-in ones.
 */
export function redactText(s: string, extra: readonly CompiledRule[] = []): RedactedText {
  const first: Counter = { count: 0 };
  let text = redactOnce(s, first, extra);
  let count = first.count;
  // Later passes look only at lines holding a marker: every rule but the two multi-line ones is
  // line-local, and those (`<private>`, PEM) consume all they scanned in the first pass, so a marker
  // can only change what its own line's rules see. Rescanning whole tool outputs doubled the cost.
  for (let pass = 1; pass < MAX_PASSES && count > 0; pass++) {
    const c: Counter = { count: 0 };
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.includes('[redacted:') || line.includes(PRIVATE_MARKER)) lines[i] = redactOnce(line, c, extra);
    }
    if (c.count === 0) break;
    count += c.count;
    text = lines.join('\n');
  }
  return { text, count };
}

function redactOnce(s: string, c: Counter, extra: readonly CompiledRule[]): string {
  let text = redactPrivate(s, c);
  if (text.includes('-----BEGIN ')) {
    PEM_PRIVATE_KEY.lastIndex = 0;
    text = text.replace(PEM_PRIVATE_KEY, () => {
      c.count++;
      return redactionMarker('private-key');
    });
  }
  text = redactTokens(text, c);
  text = redactAssignments(text, c);
  const prose = redactProse(text, PROSE_MARKERS);
  c.count += prose.count;
  return extra.length > 0 ? applyTenantRules(prose.text, extra, c) : prose.text;
}

const PROSE_MARKERS = { prose: redactionMarker('secret-prose'), entropy: redactionMarker('high-entropy') };

function keyMarker(key: string): string {
  const name = key.replace(/[^\w.-]/g, '_').slice(0, 64);
  return `[redacted:${name.length > 0 ? name : 'key'}]`;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, depth: number, secretKey: string | undefined, ancestors: object[], c: Counter, extra: readonly CompiledRule[]): unknown {
  if (typeof value === 'string') {
    if (secretKey !== undefined && value.length > 0) {
      const m = keyMarker(secretKey);
      if (value === m) return value;
      c.count++;
      return m;
    }
    const r = redactText(value, extra);
    c.count += r.count;
    return r.text;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (secretKey === undefined) return value;
    c.count++;
    return keyMarker(secretKey);
  }
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (ancestors.includes(value)) {
    c.count++;
    return redactionMarker('circular');
  }
  if (depth >= MAX_REDACT_DEPTH) {
    c.count++;
    return redactionMarker('too-deep');
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      // Strings directly inside an array under a secret key (`credentials: ["u", "p"]`) are secrets too.
      return value.map((item) => walk(item, depth + 1, secretKey, ancestors, c, extra));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const redacted = walk(v, depth + 1, isSecretKeyNameCached(k) ? k : undefined, ancestors, c, extra);
      // `__proto__` from JSON.parse is an own data property; keep it one rather than setting the prototype.
      Object.defineProperty(out, k, { value: redacted, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

/**
 * Deep-redacts a JSON value: every string goes through {@link redactText}, and a string (or number)
 * under a secret-looking key is replaced entirely by `[redacted:<key>]`. Keys are kept. Returns a
 * new value and never mutates the input. Non-plain objects (Date, Map, class instances) are
 * returned as they are; containers deeper than {@link MAX_REDACT_DEPTH} become `[redacted:too-deep]`.
 */
export function redactValue<T>(value: T, extra: readonly CompiledRule[] = []): { value: T; count: number } {
  const c: Counter = { count: 0 };
  const out = walk(value, 0, undefined, [], c, extra) as T;
  return { value: out, count: c.count };
}
