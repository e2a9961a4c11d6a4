/**
 * Token-shaped secrets (redact.ts runs this in each of its passes): API keys, access tokens and
 * the like, recognised by their fixed prefixes and shapes, each replaced by `[redacted:<kind>]`.
 * Every pattern starts with a fixed prefix or behind a look-behind, so the scan stays linear.
 */
import { isMarker, looksRandom, redactionMarker, type Counter, type RedactionKind } from './redaction-markers.js';

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

/** Replaces every token-shaped secret in `s`, counting them in `c`. */
export function redactTokens(s: string, c: Counter): string {
  let text = s;
  for (const rule of rulesThatMayApply(text)) text = applyTokenRule(text, rule, c);
  return text;
}
