/**
 * Secrets in assignments: `KEY=value`, `KEY: value`, `"key": "value"`, `--flag value`, where the key
 * names a secret (secret-key-names.ts). Which part of the value is secret depends on where the
 * assignment stands: a shell or env line takes any value, a properties line any but a keyword
 * argument, code only quoted strings and literal-looking words of 8+ characters. Linear-time, like
 * the rest of redaction (common/rules/redact.ts).
 */
import { isMarker, PRIVATE_MARKER, redactionMarker, startsWithMarker, type Counter } from './redaction-markers.js';
import { isAuthorizationKey, isSecretKeyNameCached, keyWords } from './secret-key-names.js';

/** Values that are type names or language keywords rather than literals. */
const KEYWORDS = new Set([
  'string', 'number', 'boolean', 'bigint', 'symbol', 'undefined', 'null', 'nil', 'none', 'true',
  'false', 'any', 'unknown', 'never', 'void', 'object', 'required', 'optional', 'readonly',
  'function', 'async', 'await', 'new', 'typeof', 'str', 'int', 'bool', 'bytes', 'dict', 'list',
  'secretstr', 'secretbytes', 'buffer', 'uint8array',
]);

const QUICK_KEY_HINT = /pass|pwd|secret|token|key|auth|credential|cookie/i;

// A key (quoted, or bare with an optional `export`/`--` prefix), optional `?`, and a separator.
// The look-behind means a candidate only starts at the beginning of a run of key characters, and
// the key length is bounded, so a long run is examined once. It also refuses `]`, which ends every
// marker: a key glued to the end of a redacted value is then treated the same on a second pass.
const ASSIGNMENT =
  /(?<![\w$.\-\\\]])(?:(\\?["'])([A-Za-z_][\w.-]{0,99})\1|((?:export|set|setx|declare|local|readonly)[ \t]+)?(-{0,2}[A-Za-z_][\w.-]{0,99}))\??([ \t]{0,16})(=>|:=|[:=])([ \t]{0,16})/g;

const FLAG_WITH_VALUE = /(?<![\w-])--([A-Za-z][\w-]{0,63})[ \t]+/g;

const LITERAL_RUN = /[^\s;&|<>()"'`]*/y;
const CODE_WORD = /[^\s,;(){}[\]<>"'`]*/y;
const AUTH_SCHEME = /(?:Bearer|Basic|Token|Digest|Bot|ApiKey|Negotiate|NTLM|OAuth|SSWS|AWS4-HMAC-SHA256)[ \t]+/iy;
const PASCAL_TYPE = /^[A-Z][a-z]+$/;

function runAt(re: RegExp, s: string, at: number): string {
  re.lastIndex = at;
  return re.exec(s)?.[0] ?? '';
}

/** `$VAR`, `${VAR}`, `%VAR%`, `{{ secrets.X }}`, `<your-token>`: references and placeholders. */
function isPlaceholder(v: string): boolean {
  return /^(?:\$\{?[A-Za-z_]\w*\}?|%\w+%|\{\{[^}]*\}\}|<[^<>]*>)$/.test(v);
}

/**
 * Whether an unquoted code value names something rather than being a literal:
 * `process.env.API_KEY`, `this.token`, `getSecret(`, `API_KEY`, `access_token`, `tokenFromHeader`,
 * `Uint8Array`, or the key's own name (`password=password`).
 */
function isCodeReference(v: string, key: string, next: string | undefined): boolean {
  if (KEYWORDS.has(v.toLowerCase())) return true;
  if (v.startsWith('$') || v.startsWith('%')) return true;
  if (next === '(' || next === '[' || next === '<') return true;
  const lower = v.toLowerCase();
  if (lower === key.toLowerCase() || lower === keyWords(key).pop()) return true;
  if (/^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(v) && !/\d/.test(v)) return true; // member chain
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return true; // CONSTANT_CASE
  if (/^_?[a-z]+(?:_[a-z]+)+$/.test(v)) return true; // snake_case without digits
  if (/^[A-Za-z][a-z]+\d*(?:[A-Z][a-z]+\d*)+$/.test(v)) return true; // camelCase / PascalCase words
  return false;
}

function isKeywordArgument(v: string, key: string): boolean {
  const lower = v.toLowerCase();
  if (lower === key.toLowerCase() || lower === keyWords(key).pop()) return true;
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\[/.test(v)) return true; // os.environ["X"]
  return /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(v) && !/\d/.test(v);
}

function isAtLineStart(s: string, keyStart: number): boolean {
  let i = keyStart - 1;
  while (i >= 0 && ' \t-*#>/'.includes(s[i] as string)) i--;
  return i < 0 || s[i] === '\n' || s[i] === '\r';
}

function lineEndFrom(s: string, at: number): number {
  const n = s.indexOf('\n', at);
  const end = n === -1 ? s.length : n;
  return end > at && s[end - 1] === '\r' ? end - 1 : end;
}

interface ValueSpan {
  /** Region to replace, if any. */
  start?: number;
  end?: number;
  /** Where scanning resumes. */
  resume: number;
}

/**
 * literal: shell/env/query/CLI (`TOKEN=x`, `?token=x`, `--password=x`): any value counts.
 * properties: a lower-case key at the start of a line with a tight `=` (`.properties`, `.ini`):
 *   any value, unless it reads as a keyword argument (`password=password,`, `token=self.token`).
 * code: everything else; only quoted strings and literal-looking words of 8+ characters count.
 */
type ValueStyle = 'literal' | 'properties' | 'code';

/** Finds the secret part of a value that starts at `p`, or nothing when it is not literal-looking. */
function secretValueAt(
  s: string,
  p: number,
  key: string,
  style: ValueStyle,
  lineMode: boolean,
): ValueSpan {
  const ch = s[p];
  if (ch === undefined || ch === '\n' || ch === '\r' || ch === '=' || ch === ':' || ch === '>') return { resume: p };
  if (startsWithMarker(s, p)) return { resume: p };
  const authKey = isAuthorizationKey(key);

  let quote: string | undefined;
  let escapedQuote = false;
  if (ch === '"' || ch === "'" || ch === '`') quote = ch;
  else if (ch === '\\' && (s[p + 1] === '"' || s[p + 1] === "'")) {
    quote = s[p + 1];
    escapedQuote = true;
  }

  if (quote !== undefined) {
    const cs = p + (escapedQuote ? 2 : 1);
    let i = cs;
    let closed = false;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\n' || c === '\r') break;
      if (c === '\\') {
        if (escapedQuote && s[i + 1] === quote) {
          closed = true;
          break;
        }
        i++;
        continue;
      }
      if (!escapedQuote && c === quote) {
        closed = true;
        break;
      }
    }
    const ce = Math.min(i, s.length);
    const resume = closed ? ce + (escapedQuote ? 2 : 1) : ce;
    let start = cs;
    if (authKey) {
      AUTH_SCHEME.lastIndex = cs;
      const scheme = AUTH_SCHEME.exec(s);
      if (scheme !== null && scheme.index + scheme[0].length <= ce) start = cs + scheme[0].length;
    }
    const content = s.slice(start, ce);
    if (content.trim().length === 0 || isMarker(content) || startsWithMarker(content, 0) || isPlaceholder(content)) {
      return { resume };
    }
    if (quote === '`' && content.includes('${')) return { resume };
    return { start, end: ce, resume };
  }

  if (authKey) {
    AUTH_SCHEME.lastIndex = p;
    const scheme = AUTH_SCHEME.exec(s);
    if (scheme !== null) {
      const at = p + scheme[0].length;
      const token = runAt(CODE_WORD, s, at);
      if (token.length === 0 || startsWithMarker(s, at) || isPlaceholder(token)) return { resume: at + token.length };
      return { start: at, end: at + token.length, resume: at + token.length };
    }
  }

  if (style !== 'code') {
    const run = runAt(LITERAL_RUN, s, p);
    const end = p + run.length;
    const v = style === 'properties' ? run.replace(/,$/, '') : run;
    if (v.length === 0 || isPlaceholder(v) || v.startsWith('$') || KEYWORDS.has(v.toLowerCase())) return { resume: end };
    if (s[end] === '(') return { resume: end };
    if (style === 'properties' && isKeywordArgument(v, key)) return { resume: end };
    return { start: p, end: p + v.length, resume: end };
  }

  const word = runAt(CODE_WORD, s, p);
  const wordEnd = p + word.length;
  const next = startsWithMarker(s, wordEnd) ? undefined : s[wordEnd];
  if (word.length === 0 || isPlaceholder(word) || isCodeReference(word, key, next)) return { resume: wordEnd };

  if (lineMode) {
    // YAML, headers, .properties: the value runs to the end of the line.
    const lineEnd = lineEndFrom(s, p);
    const value = s.slice(p, lineEnd).trimEnd();
    const codeLike = /[,;{([]$/.test(value) || value.includes('[redacted:') || value.includes(PRIVATE_MARKER);
    if (!codeLike) {
      const min = PASCAL_TYPE.test(value) ? 8 : 1;
      if (value.length >= min) return { start: p, end: p + value.length, resume: p + value.length };
      return { resume: p + value.length };
    }
  }
  if (word.length >= 8) return { start: p, end: wordEnd, resume: wordEnd };
  return { resume: wordEnd };
}

/** Replaces the values of secret-named keys (`KEY=value`, `"key": "value"`, `--flag value`) by a marker. */
export function redactAssignments(s: string, c: Counter): string {
  if (!QUICK_KEY_HINT.test(s)) return s;
  const parts: string[] = [];
  let last = 0;
  const take = (span: ValueSpan): void => {
    if (span.start === undefined || span.end === undefined || span.start < last) return;
    parts.push(s.slice(last, span.start), redactionMarker('secret-assignment'));
    last = span.end;
    c.count++;
  };

  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(s); m !== null; m = ASSIGNMENT.exec(s)) {
    const end = m.index + m[0].length;
    const quotedKey = m[2] !== undefined;
    const rawKey = m[2] ?? m[4] ?? '';
    const key = rawKey.replace(/^-+/, '');
    if (!isSecretKeyNameCached(key)) continue;
    const [, , , exportKw, , before = '', sep = '', after = ''] = m;
    const keyStart = m.index + (exportKw?.length ?? 0);
    const prev = m.index > 0 ? s[m.index - 1] : undefined;
    const tight = before === '' && after === '';
    const envLike =
      sep === '=' &&
      tight &&
      !quotedKey &&
      (exportKw !== undefined || rawKey.startsWith('-') || /^[A-Z][A-Z0-9_]*$/.test(key) || prev === '?' || prev === '&');
    const atLineStart = !quotedKey && isAtLineStart(s, keyStart);
    const style: ValueStyle = envLike ? 'literal' : sep === '=' && tight && atLineStart ? 'properties' : 'code';
    const span = secretValueAt(s, end, key, style, sep === ':' && atLineStart);
    take(span);
    ASSIGNMENT.lastIndex = Math.max(span.resume, end);
  }
  parts.push(s.slice(last));
  const out = parts.join('');

  // `--password value`, `--api-key "value"` (the `--flag=value` form is an assignment above).
  if (!out.includes('--')) return out;
  const flagParts: string[] = [];
  let flagLast = 0;
  FLAG_WITH_VALUE.lastIndex = 0;
  for (let m = FLAG_WITH_VALUE.exec(out); m !== null; m = FLAG_WITH_VALUE.exec(out)) {
    const name = m[1] ?? '';
    const end = m.index + m[0].length;
    if (!isSecretKeyNameCached(name) || out[end] === '-') continue;
    const span = secretValueAt(out, end, name, 'literal', false);
    if (span.start !== undefined && span.end !== undefined && span.start >= flagLast) {
      flagParts.push(out.slice(flagLast, span.start), redactionMarker('secret-assignment'));
      flagLast = span.end;
      c.count++;
    }
    FLAG_WITH_VALUE.lastIndex = Math.max(span.resume, end);
  }
  flagParts.push(out.slice(flagLast));
  return flagParts.join('');
}
