/**
 * Tenants' own redaction rules: a JSON file named by MEMFLOW_REDACTION_RULES, e.g.
 *
 *   { "rules": [
 *       { "name": "acme-employee-id", "pattern": "ACME-[0-9]{6}", "tenants": ["acme"] },
 *       { "name": "internal-host-token", "pattern": "iht_[A-Za-z0-9]{32}", "flags": "i" } ] }
 *
 * A rule without `tenants` applies to every tenant; `tenants` names tenants by name or id. A match
 * becomes `[redacted:tenant.<name>]`. They run after the built-in rules, on the hook path, on what
 * the model writes and in rescans, and `memflow redact --check --rules <file>` tries them on text.
 *
 * Kept safe and cheap at load, never at match time: each pattern is compiled (JavaScript syntax),
 * must not match the empty string, may not use backreferences or nested quantifiers (the shapes
 * that backtrack exponentially), and must scan 64 KiB of adversarial text in a few milliseconds
 * (text made of its own characters, runs of one character, random words). A file that breaks any
 * of this fails the process at start with one line naming the rule.
 */
import fs from 'node:fs';
import { z } from 'zod';

const ruleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,47}$/, 'lower-case letters, digits, dots and dashes, at most 48'),
    pattern: z.string().min(1).max(300),
    flags: z.string().regex(/^i?$/, 'only "i" (case-insensitive) is allowed').optional(),
    tenants: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
  })
  .strict();
export const tenantRulesFileSchema = z.object({ rules: z.array(ruleSchema).max(200) }).strict();
export type TenantRuleSpec = z.infer<typeof ruleSchema>;

export interface CompiledRule {
  name: string;
  marker: string;
  re: RegExp;
  tenants?: Set<string>;
}

/** Time one rule may take on 64 KiB of adversarial text. */
const MAX_PROBE_MS = 25;
const PROBE_BYTES = 64 * 1024;

function probes(pattern: string): string[] {
  const own = pattern.replace(/[\\^$.*+?()[\]{}|]/g, '') || 'a';
  const fill = (unit: string) => unit.repeat(Math.ceil(PROBE_BYTES / unit.length)).slice(0, PROBE_BYTES);
  return [fill(own), fill('a'), fill('0'), fill(' '), fill('aB3-_.'), fill('token password secret key ')];
}

export class TenantRuleError extends Error {}

/** Compiles and vets one rule; throws TenantRuleError naming it. */
export function compileRule(spec: TenantRuleSpec): CompiledRule {
  const fail = (why: string): never => {
    throw new TenantRuleError(`redaction rule '${spec.name}': ${why}`);
  };
  if (/\\[1-9]|\\k</.test(spec.pattern)) fail('backreferences are not allowed');
  // A quantified group that itself contains a quantifier: (a+)+, (\w*x)*, (?:a|aa){2,}.
  if (/\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\d*\})/.test(spec.pattern)) fail('nested quantifiers are not allowed (they can take exponential time)');
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern, `g${spec.flags ?? ''}`);
  } catch (err) {
    return fail(`invalid pattern: ${(err as Error).message}`);
  }
  if (new RegExp(spec.pattern, spec.flags ?? '').test('')) fail('the pattern matches the empty string');
  // Sizes double from 32 characters, so a pattern that backtracks polynomially is stopped on a short
  // text (a match cannot be interrupted once started) instead of running for minutes on 64 KiB.
  // A probe over the limit is timed again (up to three times, the fastest counts): a busy machine or
  // a garbage collection can stall any one run, while a pattern that backtracks is slow every time.
  const probeMs = (sample: string) => {
    let best = Infinity;
    for (let attempt = 0; attempt < 3 && best > MAX_PROBE_MS; attempt++) {
      const t0 = performance.now();
      re.lastIndex = 0;
      sample.replace(re, '');
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  for (const text of probes(spec.pattern)) {
    for (let n = 32; n <= text.length; n *= 2) {
      const ms = probeMs(text.slice(0, n));
      if (ms > MAX_PROBE_MS) fail(`too slow: ${ms.toFixed(0)} ms on ${n} characters of test text (limit ${MAX_PROBE_MS} ms)`);
    }
  }
  return { name: spec.name, marker: `[redacted:tenant.${spec.name}]`, re, ...(spec.tenants ? { tenants: new Set(spec.tenants) } : {}) };
}

export class TenantRules {
  constructor(readonly rules: CompiledRule[]) {}

  static none(): TenantRules {
    return new TenantRules([]);
  }

  static parse(doc: unknown, source = 'redaction rules'): TenantRules {
    const parsed = tenantRulesFileSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const [list, index] = issue?.path ?? [];
      const named = list === 'rules' && typeof index === 'number' ? (doc as { rules: { name?: unknown }[] }).rules[index]?.name : undefined;
      const rule = typeof named === 'string' ? ` (rule '${named.slice(0, 48)}')` : '';
      throw new TenantRuleError(`${source}: ${issue?.path.join('.') || 'file'}${rule}: ${issue?.message ?? 'invalid'}`);
    }
    const names = new Set<string>();
    for (const r of parsed.data.rules) {
      if (names.has(r.name)) throw new TenantRuleError(`${source}: rule '${r.name}' is defined twice`);
      names.add(r.name);
    }
    return new TenantRules(parsed.data.rules.map(compileRule));
  }

  /** Reads and vets the file; no path, no rules. */
  static load(path: string | undefined): TenantRules {
    if (!path) return TenantRules.none();
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (err) {
      throw new TenantRuleError(`MEMFLOW_REDACTION_RULES (${path}): ${(err as Error).message}`);
    }
    return TenantRules.parse(doc, `MEMFLOW_REDACTION_RULES (${path})`);
  }

  /** The rules of one tenant (by id or name). */
  for(tenant: { tenantId?: string; tenantName?: string }): CompiledRule[] {
    return this.rules.filter((r) => !r.tenants || (tenant.tenantId !== undefined && r.tenants.has(tenant.tenantId)) || (tenant.tenantName !== undefined && r.tenants.has(tenant.tenantName)));
  }
}

const MARKER = /\[redacted:[\w.-]{1,64}\]|\[private\]/g;

/**
 * Applies tenant rules to a text (after the built-in ones), only between markers, so a rule can
 * never cut into a marker and a second pass finds nothing new.
 */
export function applyTenantRules(s: string, rules: readonly CompiledRule[], count: { count: number }): string {
  if (rules.length === 0) return s;
  const parts: string[] = [];
  let last = 0;
  const apply = (segment: string): string => {
    let text = segment;
    for (const rule of rules) {
      rule.re.lastIndex = 0;
      text = text.replace(rule.re, () => {
        count.count++;
        return rule.marker;
      });
    }
    return text;
  };
  for (const m of s.matchAll(MARKER)) {
    parts.push(apply(s.slice(last, m.index)), m[0]);
    last = m.index + m[0].length;
  }
  parts.push(apply(s.slice(last)));
  return parts.join('');
}
