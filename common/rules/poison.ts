/**
 * Poisoning flags, set when a memory is written: text that tries to instruct the agent that reads it
 * later. A flagged memory is kept (it is evidence, and a person may clear it by restating it) but never
 * injected into an agent's context; search and the API show the flags.
 *   - instruction: "ignore previous instructions", "you must now", "system prompt:", role markers;
 *   - tool_call: text shaped like a tool call or a function-call block an agent might act on;
 *   - hidden_unicode: zero-width, bidirectional-override or Unicode tag characters (invisible text).
 */
export const POISON_FLAGS = ['instruction', 'tool_call', 'hidden_unicode'] as const;
export type PoisonFlag = (typeof POISON_FLAGS)[number];

const INSTRUCTION = [
  /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|your)\b[^.\n]{0,30}\b(instructions?|rules?|prompts?|guidelines?|directions?)\b/i,
  /\b(you (must|should|will) (now|always|immediately)|from now on,? (you|always)|new instructions?:)/i,
  /^\s*(system|assistant|developer)\s*(prompt)?\s*:/im,
  /<\/?\s*(system|instructions?|important|admin)\s*>/i,
  /\b(do not|don't|never) (tell|inform|mention (this )?to) the user\b/i,
  /\bact as (an?|the) (admin|root|system|developer)\b/i,
];
const TOOL_CALL = [
  /<\s*\/?\s*(function_calls|invoke|tool_use|tool_call|parameter)\b/i,
  /"(tool_use|tool_call|function_call)"\s*:/i,
  /\{\s*"(name|tool|tool_name)"\s*:\s*"[A-Za-z_]+"\s*,\s*"(input|arguments|parameters|args)"\s*:/,
  /\b(run|execute)\s+(this|the following)\s+(command|shell|bash)\b[^\n]{0,20}:/i,
];
// Zero-width and invisible formatting, bidi overrides/isolates, Unicode tags (U+E0000-E007F).
const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDC7F]/;

export function poisonFlags(...texts: (string | null | undefined)[]): PoisonFlag[] {
  const text = texts.filter(Boolean).join('\n');
  const flags: PoisonFlag[] = [];
  if (INSTRUCTION.some((r) => r.test(text))) flags.push('instruction');
  if (TOOL_CALL.some((r) => r.test(text))) flags.push('tool_call');
  if (HIDDEN.test(text)) flags.push('hidden_unicode');
  return flags;
}

/** Trust tiers, strongest first: stated by the user > confirmed by outcome > extracted by a model > remembered by an agent tool. */
export const TRUST_TIERS = ['user', 'confirmed', 'extracted', 'agent'] as const;
export type TrustTier = (typeof TRUST_TIERS)[number];

export function trustTier(origin: string, outcome: string): TrustTier {
  if (origin === 'user') return 'user';
  if (origin === 'agent') return 'agent';
  return outcome === 'confirmed' ? 'confirmed' : 'extracted';
}

/** Ranking weight of a tier in context assembly. */
export const TRUST_WEIGHT: Record<TrustTier, number> = { user: 1.15, confirmed: 1.1, extracted: 1, agent: 0.85 };
