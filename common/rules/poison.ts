/**
 * Poisoning flags, set when a memory is written: text that tries to instruct the agent that reads it
 * later. A flagged memory is kept (it is evidence, and a person may clear it by restating it) but never
 * injected into an agent's context; search and the API show the flags.
 *   - instruction: "ignore previous instructions", "you must now", "system prompt:", role markers;
 *   - tool_call: text shaped like a tool call or a function-call block an agent might act on;
 *   - hidden_unicode: zero-width, bidirectional-override or Unicode tag characters (invisible text).
 * The instruction shapes are also checked, sentence by sentence, in everything memflow quotes from
 * tool output (instructionShaped, used by ./tool-output-fence.ts): there a few more shapes count, ones
 * a person may well write in a prompt ("in all future sessions …") but a command's output, a page
 * or a file has no business addressing to the agent that reads it.
 */
import { TRUST_TIERS, type TrustTier } from '../../messages/record-types-v1.js';

export const POISON_FLAGS = ['instruction', 'tool_call', 'hidden_unicode'] as const;
export type PoisonFlag = (typeof POISON_FLAGS)[number];

const INSTRUCTION = [
  /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|your)\b[^.\n]{0,30}\b(instructions?|rules?|prompts?|guidelines?|directions?)\b/i,
  /\b(you (must|should|will) (now|always|immediately)|from now on,? (you|always)|new instructions?:)/i,
  /^\s*(system|assistant|developer)\s*(prompt)?\s*:/im,
  /<\/?\s*(system|instructions?|important|admin)\s*>/i,
  /\b(do not|don't|never) (tell|inform|mention (this )?to) the user\b/i,
  /\bact as (an?|the) (admin|root|system|developer)\b/i,
  // A note addressed to AI agents or assistants ("Note for AI coding assistants: …").
  /\b(note|message|notice|instructions?|attention|reminder|hint|important)\s*(for|to)\s+(all\s+)?(the\s+)?(ai|llm|automated)?\s*(coding\s+)?(assistants?|agents?|models?|ais|llms|bots?|claude|copilot|codex|gemini)\b/i,
  /\b(ai|llm)\s+(coding\s+)?(assistants?|agents?|models?|tools?)\b[^.\n]{0,60}\b(must|should|shall|are (required|expected) to|need to|have to)\b/i,
  // A fake system note or notice ("[SYSTEM NOTE] …", "System override: …").
  /\[\s*(system|admin|administrator|assistant)(\s+(note|notice|message|override|instruction|directive|prompt))?\s*\]/i,
  /\b(system|admin|security)\s+(note|notice|message|override|instruction|directive)\s*[:\-—]/i,
  // A fake authorization by a person ("the user has pre-approved …", "authorization granted").
  /\b(user|developer|owner|maintainer|admin|operator)s?\b[^.\n]{0,40}\b(has|have|had|already)\s+(\w+\s+)?(pre-?)?(authori[sz]ed|approved|granted|consented|permitted|allowed)\b[^.\n]{0,40}\b(you|agents?|assistants?|ai|claude|codex|gemini|copilot|(to|you to) (run|push|delete|skip|disable|rotate|deploy|force|bypass|commit|merge|upload|execute|send|share))\b/i,
  /\b(pre-?authori[sz]ed|authori[sz]ation (is |was |has been )?granted|you (are|have been) (authori[sz]ed|permitted|allowed) to)\b/i,
  // A download piped into a shell.
  /\b(curl|wget|iwr|invoke-webrequest)\b[^|\n]{0,300}\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/i,
];
/** Shapes that count only in tool output (see the header): a person may write them in a prompt. */
const TOOL_OUTPUT_INSTRUCTION = [
  /\b(all|any|every|each|the|automated)\s+(ai\s+|coding\s+|automated\s+)*(agents?|assistants?|llms?|bots?|models?)\b[^.\n]{0,60}\b(must|should|shall|are (required|expected|instructed) to|need to|have to|always|never)\b/i,
  /\b(if you are|as) an? (ai|llm|language model|coding (agent|assistant)|assistant|agent)\b/i,
  /\b(in|for|during|on)\s+(all|every|each|any)?\s*(future|subsequent|later|following|next|upcoming)\s+(sessions?|runs?|conversations?|tasks?|chats?|interactions?)\b/i,
  /\b(in|for)\s+(all|every|each)\s+(sessions?|conversations?)\b/i,
  /\b(assistants?|agents?|claude|copilot|codex|gemini)\s+(must|should|shall|are (required|expected) to|need to|have to)\s+(now\s+|always\s+|also\s+|first\s+)?(run|execute|call|invoke|delete|remove|disable|enable|add|set|send|upload|post|push|commit|curl|install|download|export|copy|write|open|visit|fetch|ignore|skip|stop|bypass)\b/i,
  /\b(team|project|repository|repo|company|org(anization)?)\s+(convention|policy|rule|guideline|requirement)\s*[:\-—]\s*[^\n]{0,80}\b(agents?|assistants?|ai|claude|llms?)\b/i,
  /\b(remember|memori[sz]e|store|save|record)\s+(this|the following)\b[^.\n]{0,40}\b(memory|future|convention|rule)\b/i,
  /^\s*(system|assistant|developer)\s*(prompt|message|note)?\s*[:>]\s*\S/i,
  /<!--/,
];

const TOOL_CALL = [
  /<\s*\/?\s*(function_calls|invoke|tool_use|tool_call|parameter)\b/i,
  /"(tool_use|tool_call|function_call)"\s*:/i,
  /\{\s*"(name|tool|tool_name)"\s*:\s*"[A-Za-z_]+"\s*,\s*"(input|arguments|parameters|args)"\s*:/,
  /\b(run|execute)\s+(this|the following)\s+(command|shell|bash)\b[^\n]{0,20}:/i,
];
// Zero-width and invisible formatting, bidi overrides/isolates, Unicode tags (U+E0000-E007F).
const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDC7F]/;

/** Whether one sentence of tool output is shaped like an instruction to the agent that will read it. */
export function instructionShaped(sentence: string): boolean {
  return INSTRUCTION.some((r) => r.test(sentence)) || TOOL_OUTPUT_INSTRUCTION.some((r) => r.test(sentence)) || TOOL_CALL.some((r) => r.test(sentence)) || HIDDEN.test(sentence);
}

export function poisonFlags(...texts: (string | null | undefined)[]): PoisonFlag[] {
  const text = texts.filter(Boolean).join('\n');
  const flags: PoisonFlag[] = [];
  if (INSTRUCTION.some((r) => r.test(text))) flags.push('instruction');
  if (TOOL_CALL.some((r) => r.test(text))) flags.push('tool_call');
  if (HIDDEN.test(text)) flags.push('hidden_unicode');
  return flags;
}

// Trust tiers (strongest first) are a record's field: messages/record-types-v1.ts defines them.
export { TRUST_TIERS, type TrustTier };

export function trustTier(origin: string, outcome: string): TrustTier {
  if (origin === 'user') return 'user';
  if (origin === 'agent') return 'agent';
  return outcome === 'confirmed' ? 'confirmed' : 'extracted';
}

/** Ranking weight of a tier in context assembly. */
export const TRUST_WEIGHT: Record<TrustTier, number> = { user: 1.15, confirmed: 1.1, extracted: 1, agent: 0.85 };
