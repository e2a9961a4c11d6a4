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
 * Here: `<private>` spans, PEM blocks, the token-shaped rules, the passes over text and the walk over
 * JSON values. Assignments to secret-named keys are redact-assignments.ts, which names are secret
 * secret-key-names.ts, the kinds and markers redaction-markers.ts.
 */

import { redactProse } from './redact-prose.js';
import { redactAssignments } from './redact-assignments.js';
import { applyTenantRules, type CompiledRule } from './redact-tenant-rules.js';
import { isMarker, looksRandom, PRIVATE_MARKER, redactionMarker, type Counter, type RedactionKind } from './redaction-markers.js';
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
// Token-shaped secrets
// ---------------------------------------------------------------------------------------------

interface TokenRule {
  kind: RedactionKind;
  /** Cheap pre-check so that most rules cost one substring search on ordinary text. */
  hint: RegExp;
  re: RegExp;
  /** Capture group holding the secret part (group 1 is then all that precedes it); 0 (the whole match) when omitted. */
  group?: number;
  /** Extra test on the secret part; the match is kept when it returns false. */
  accept?: (secret: string) => boolean;
}

const TOKEN_RULES: TokenRule[] = [
  { kind: 'anthropic-key', hint: /sk-ant-/, re: /(?<![\w-])sk-ant-[\w-]{16,}/g },
  {
    kind: 'openai-key',
    hint: /sk-/,
    re: /(?<![\w-])sk-(?:proj-|svcacct-|admin-)?[\w-]{20,}/g,
    accept: looksRandom,
  },
  { kind: 'stripe-key', hint: /_(?:live|test|prod)_|whsec_/, re: /(?<![\w-])(?:(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})/g },
  { kind: 'github-token', hint: /gh[pousr]_|github_pat_/, re: /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})/g },
  { kind: 'slack-token', hint: /xox[abeoprs]-|xapp-/, re: /(?<![\w-])(?:xox[abeoprs]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})/g },
  { kind: 'google-api-key', hint: /AIza/, re: /(?<![\w-])AIza[\w-]{30,}/g },
  { kind: 'npm-token', hint: /npm_/, re: /(?<![\w-])npm_[A-Za-z0-9]{36,}/g },
  { kind: 'memflow-key', hint: /mf_/, re: /(?<![\w-])mf_[\w-]{20,}/g, accept: looksRandom },
  { kind: 'aws-access-key-id', hint: /A[KSBC3][IC3T]/, re: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  // The rest follow gitleaks' default rules (config/gitleaks.toml), one row per provider prefix.
  { kind: 'gitlab-token', hint: /gl[a-z]{1,6}-|GR1348941/, re: /(?<![\w-])(?:gl(?:pat|dt|ptt|rt|cbt|ft|imt|agent|oas|soat|ffct)-[\w-]{20,}|GR1348941[\w-]{20,})/g },
  { kind: 'slack-webhook', hint: /hooks\.slack\.com/, re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,}/g },
  { kind: 'pypi-token', hint: /pypi-/, re: /(?<![\w-])pypi-AgEIcHlwaS5vcmc[\w-]{50,}/g },
  { kind: 'azure-storage-key', hint: /AccountKey=|SharedAccessKey=/i, re: /((?:AccountKey|SharedAccessKey)=)([A-Za-z0-9+/]{20,}={0,2})/gi, group: 2 },
  { kind: 'azure-sas', hint: /sig=/, re: /([?&;]sig=)([A-Za-z0-9%+/]{30,}={0,2})/g, group: 2 },
  { kind: 'azure-client-secret', hint: /Q~/, re: /(?<![\w~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g },
  { kind: 'gcp-access-token', hint: /ya29\.|1\/\/0/, re: /(?<![\w-])(?:ya29\.[\w-]{20,}|1\/\/0[\w-]{40,})/g },
  { kind: 'huggingface-token', hint: /hf_/, re: /(?<![\w-])(?:hf_|api_org_)[A-Za-z]{34}(?![\w-])/g },
  { kind: 'sendgrid-key', hint: /SG\./, re: /(?<![\w-])SG\.[\w-]{22}\.[\w-]{43}/g },
  { kind: 'twilio-key', hint: /SK[0-9a-fA-F]{32}/, re: /(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])/g, accept: looksRandom },
  { kind: 'digitalocean-token', hint: /do[opr]_v1_/, re: /(?<![\w-])do[opr]_v1_[a-f0-9]{64}/g },
  { kind: 'shopify-token', hint: /shp/, re: /(?<![\w-])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}/g },
  { kind: 'databricks-token', hint: /dapi/, re: /(?<![\w-])dapi[a-f0-9]{32}(?:-\d)?(?![\w-])/g },
  { kind: 'linear-key', hint: /lin_api_/, re: /(?<![\w-])lin_api_[A-Za-z0-9]{40}/g },
  { kind: 'postman-key', hint: /PMAK-/, re: /(?<![\w-])PMAK-[a-f0-9]{24}-[a-f0-9]{34}/g },
  { kind: 'pulumi-token', hint: /pul-/, re: /(?<![\w-])pul-[a-f0-9]{40}/g },
  { kind: 'grafana-token', hint: /gl(?:c|sa)_/, re: /(?<![\w-])(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})/g },
  { kind: 'vault-token', hint: /hv[sb]\./, re: /(?<![\w-])hv[sb]\.[\w-]{24,}/g },
  { kind: 'atlassian-token', hint: /ATATT3/, re: /(?<![\w-])ATATT3[A-Za-z0-9_=-]{100,}/g },
  { kind: 'age-secret-key', hint: /AGE-SECRET-KEY-1/, re: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g },
  { kind: 'telegram-bot-token', hint: /:AA/, re: /(?<![\w:])\d{8,10}:AA[\w-]{33}(?![\w-])/g },
  { kind: 'doppler-token', hint: /dp\.(?:pt|st|sa|ct|scim|audit)\./, re: /(?<![\w-])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g },
  { kind: 'newrelic-key', hint: /NR[AIJ]K-|NRAA-/, re: /(?<![\w-])(?:NRAK|NRJS|NRII|NRAA)-[A-Za-z0-9]{27}/g },
  { kind: 'sentry-token', hint: /sntry[su]_/, re: /(?<![\w-])sntry[su]_[\w=+/-]{40,}/g },
  { kind: 'flyio-token', hint: /fo1_|fm[12][ar]?_/, re: /(?<![\w-])(?:fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})/g },
  { kind: 'supabase-token', hint: /sbp_/, re: /(?<![\w-])sbp_[a-f0-9]{40}/g },
  {
    kind: 'aws-secret-key',
    hint: /secret.?access.?key/i,
    re: /(?<![A-Za-z0-9])((?:aws[_-]?)?secret[_-]?access[_-]?key\\?["']?[ \t]{0,16}[:=][ \t]{0,16}\\?["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    group: 2,
  },
  {
    // header.payload.signature; the signature may be empty (alg "none") and the claims still leak.
    kind: 'jwt',
    hint: /eyJ/,
    re: /(?<![\w-])eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*/g,
  },
  {
    kind: 'url-password',
    hint: /:\/\//,
    re: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/?#@[\]"'<>]*:)([^\s/?#"'<>]+)@/g,
    group: 2,
  },
  {
    kind: 'basic-auth',
    hint: /-u|--user/,
    re: /(?<![\w-])((?:-u|--user)[ \t]+["']?[^\s:"'@]+:)([^\s"']+)/g,
    group: 2,
  },
  {
    // RFC 6750 b64token; a trailing sentence period is not part of it.
    kind: 'bearer-token',
    hint: /bearer/i,
    re: /(?<![\w-])(Bearer[ \t]+)([\w~+/-](?:[\w~+/.-]*[\w~+/-])?=*)/gi,
    group: 2,
    accept: (t) => t.length >= 8 && looksRandom(t),
  },
  {
    kind: 'basic-auth',
    hint: /basic/i,
    re: /(?<![\w-])(Basic[ \t]+)([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi,
    group: 2,
    accept: looksRandom,
  },
];

// One scan finds which rules can apply: the case-sensitive hints joined into one alternation (a
// match is attributed to its rule by testing the rule's hint on the few characters matched), the
// case-insensitive ones tested on their own. Per-rule scans of a large tool output cost more.
const SENSITIVE_RULES = TOKEN_RULES.filter((r) => !r.hint.flags.includes('i'));
const INSENSITIVE_RULES = TOKEN_RULES.filter((r) => r.hint.flags.includes('i'));
const ANY_HINT = new RegExp(SENSITIVE_RULES.map((r) => `(?:${r.hint.source})`).join('|'), 'g');

function rulesThatMayApply(s: string): TokenRule[] {
  const hit = new Set<TokenRule>();
  ANY_HINT.lastIndex = 0;
  for (let m = ANY_HINT.exec(s); m !== null; m = ANY_HINT.exec(s)) {
    for (const r of SENSITIVE_RULES) if (r.hint.test(m[0])) hit.add(r);
    ANY_HINT.lastIndex = m.index + 1; // overlapping hints (sk-ant- inside sk-) are each seen
  }
  for (const r of INSENSITIVE_RULES) if (r.hint.test(s)) hit.add(r);
  // In table order: earlier rules (sk-ant- before sk-) must win.
  return TOKEN_RULES.filter((r) => hit.has(r));
}

function applyTokenRule(s: string, rule: TokenRule, c: Counter): string {
  const group = rule.group ?? 0;
  rule.re.lastIndex = 0;
  return s.replace(rule.re, (...args: unknown[]) => {
    const match = args[0] as string;
    const secret = (args[group] as string | undefined) ?? '';
    if (secret.length === 0 || isMarker(secret)) return match;
    if (rule.accept && !rule.accept(secret)) return match;
    c.count++;
    if (group === 0) return redactionMarker(rule.kind);
    // Rules with a group capture everything before the secret as group 1.
    const before = args[1] as string;
    return `${before}${redactionMarker(rule.kind)}${match.slice(before.length + secret.length)}`;
  });
}

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
  for (const rule of rulesThatMayApply(text)) text = applyTokenRule(text, rule, c);
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
