/**
 * Decisions a person settles by answering the agent's turn before their prompt: what that turn was (a
 * permission asked, a choice offered, a proposal, something it said it will do, a question for a value) and
 * whether the reply accepts, corrects or picks in a way that lasts (stated-rule.ts reads the rest).
 */
import type { StatedRule } from './stated-rule.js';
import { CORRECTION, FAILURE, GENERAL, OPINION, PROPOSAL, R, SPECIFIED, SUBSTANCE, TASK_DEIXIS, WITHDRAWN, any, compile, isTaskClause, sentencesOf } from './stated-rule-markers.js';

/**
 * A decision settled by replying to the agent: an acceptance ("yes, go with that") of what it proposed, a
 * correction ("no, not 5 — exactly 7") of what it proposed or said it will do, a pick ("Postgres.", "option B")
 * of the options it offered, an answer to its question for a value. A yes to a permission it asked or to a
 * one-off offer is not one. `next`: the sentences after the first, which may carry the rest of it.
 */
export function replyDecision(sentence: string, next: string[], previous: string): StatedRule | undefined {
  const prev = previousKind(previous);
  const lower = sentence.toLowerCase();
  const rest = next.filter((x) => !/[?？]/u.test(x)).join(' ');
  const withRest = rest && rest.length < 320 ? `${sentence} ${rest}` : sentence;
  const restLower = withRest.toLowerCase();
  const substance = SUBSTANCE.test(withRest) || any(R.norm, restLower) || any(GENERAL, restLower) || any(SPECIFIED, restLower) || ((prev === 'proposal' || prev === 'announced') && /^(?:no|not|nope|nah|não|non|nein|nee|nie|нет|いいえ|いや|不|아니)(?![\p{L}])/iu.test(lower) && withRest.split(/\s+/u).length >= 3 && !NOT_A_CORRECTION.test(restLower));
  const how =
    YES.test(lower) && (any(GENERAL, restLower) || EVERYWHERE.test(restLower)) && (prev !== 'permission' || STANDARD.test(previous) || PROPOSAL.test(previous)) && !TASK_SCOPED.test(withRest) && !any(TASK_DEIXIS, lower) && !any(FAILURE, lower)
      ? "the agent's proposal accepted for everything"
      : (any(R.accept, lower) || (YES.test(lower) && /\x60[^\x60]+\x60/u.test(sentence))) && (prev === 'proposal' || prev === 'choice') && !TASK_SCOPED.test(previous) && !TASK_SCOPED.test(sentence) && !any(TASK_DEIXIS, lower)
      ? "the agent's proposal accepted"
      : ((prev !== 'question' && prev !== 'permission' && correctsAgent(lower, previous)) || (prev === 'permission' && /^(?:no|nah|nope|não|non|nein|nee|nie|нет)(?![\p{L}])/iu.test(lower) && SUBSTANCE.test(withRest)) || ((prev === 'proposal' || prev === 'announced') && ((CONTRAST.test(lower) && echoesAgent(lower, previous)) || /\b(?:instead|rather)\b/iu.test(lower)))) && substance && !WITHDRAWN.test(lower) && !NOT_A_CORRECTION.test(restLower)
        ? "the agent's proposal corrected"
        : (prev === 'choice' || (prev === 'proposal' && (ALTERNATIVES.test(previous) || /\boption [a-z0-9]\b|\(\w\)/iu.test(previous)))) && picks(sentence, previous)
          ? "one of the agent's options chosen"
          : prev === 'question' && substance && !any(FAILURE, lower) && !isTaskClause(sentence)
            ? "the agent's question answered"
            : undefined;
  if (!how || any(OPINION, lower) || any(R.hypothetical, lower)) return undefined;
  return { kind: 'decision', quote: withRest, proposal: proposalOf(previous), why: how };
}

/**
 * A correction of the agent's turn: one that opens on a "no" ("no, not 5 — exactly 7"), or a "not X" whose X the agent
 * said ("Make it 20 req/s per IP, not 50." after it proposed 50). A "not" about something else corrects nothing the agent
 * proposed ("IdleConnTimeout is not what I thought", "it's my code, not Flask-SQLAlchemy").
 */
function correctsAgent(lower: string, previous: string): boolean {
  return any(OPENS_ON_NO, lower) || (any(NOT_X, lower) && echoesAgent(lower, previous)) || negatedAfter(lower, previous);
}

/**
 * "Aviso não, erro.", "Warnung nicht, Fehler.", "Aviso no, error.": a word of the agent's turn denied by a "no" put after it, as
 * Portuguese, Spanish, Italian, German and Dutch say it, then what replaces it.
 */
function negatedAfter(lower: string, previous: string): boolean {
  const m = /^([\p{L}\p{N}_-]+)\s+(?:não|no|non|nicht|niet|nie)\s*[,;:—–]\s*\S/u.exec(lower);
  return !!m && !NOT_FILLER.has(m[1]!) && new Set(previous.toLowerCase().match(/[\p{L}\p{N}_-]+/gu) ?? []).has(m[1]!);
}

/** CORRECTION's patterns that open on a "no", and its "not X". */
const OPENS_ON_NO = compile([CORRECTION[0]!, CORRECTION[2]!]);
const NOT_X = compile([CORRECTION[1]!]);

/** Words a "not" is followed by that name nothing the agent could have said. */
const NOT_FILLER = new Set(['the', 'a', 'an', 'what', 'that', 'this', 'it', 'so', 'too', 'very', 'sure', 'really', 'quite', 'just', 'only', 'yet', 'all', 'every', 'always', 'i', 'we', 'you', 'my', 'our', 'your', 'be', 'to', 'in', 'on', 'at', 'for', 'of', 'is', 'as', 'by', 'with', 'much', 'many', 'any', 'even', 'now', 'anymore', 'need', 'needed', 'worth', 'how', 'why', 'there', 'here', 'one']);

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether what a "not" (or ", no") negates is something the agent's turn said. */
function echoesAgent(lower: string, previous: string): boolean {
  const said = previous.toLowerCase();
  let words: Set<string> | undefined;
  for (const m of lower.matchAll(/(?:\bnot|,\s*no)\s+([\p{L}\p{N}_./-]+)(?:\s+([\p{L}\p{N}_./-]+))?/gu)) {
    for (const w of [m[1], m[2]]) {
      const word = (w ?? '').replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (!word || NOT_FILLER.has(word)) continue;
      // A plain word is one of the turn's words; one with a dot, slash or dash ("req/s", "v2.1") is looked for whole.
      if (/^[\p{L}\p{N}_]+$/u.test(word)) {
        words ??= new Set(said.match(/[\p{L}\p{N}_]+/gu) ?? []);
        if (words.has(word)) return true;
      } else if (new RegExp(`(?<![\\p{L}\\p{N}_])${escaped(word)}(?![\\p{L}\\p{N}_])`, 'u').test(said)) return true;
    }
  }
  return false;
}

/** Whether the agent's turn proposed something or said what it will do (a reply agreeing to it agrees to those words). */
export const proposesOrAnnounces = (previous: string): boolean => PROPOSAL.test(previous) || ANNOUNCED.test(previous);

/** A reply that opens with a word of assent ("ok, go with that", "vale, …"): it may agree to a proposal made a turn or two before. */
export const opensWithAssent = (text: string): boolean => YES.test(text.trim().toLowerCase());

/** A bare word of assent ("yes", "perfect", "Right."): it agrees to what the agent's turn said, and says nothing of its own. */
export const bareAssent = (text: string): boolean => text.trim().length <= 24 && opensWithAssent(text);

/**
 * Options side by side: "X or Y", "X oder Y", "X albo Y", "X还是Y". Dutch "of" and Spanish or Italian "o" are English
 * words too ("the size of a page"): they count only in a turn with none of English's commonest words.
 */
const ALTERNATIVES = (() => {
  const plain = compile([String.raw`\b(?:or|oder|ou|albo|czy|или|либо)\b`, '还是', '或者', 'それとも', 'か、', '아니면'])[0]!;
  const shared = /\b(?:of|o)\b/iu;
  const english = /\b(?:the|an|and|is|are|you|should|would|do|what|which|to|it)\b/iu;
  return { test: (text: string): boolean => plain.test(text) || (shared.test(text) && !english.test(text)) };
})();

/** What the agent's turn before a prompt was: a permission asked, a choice offered, a proposal, a question for a value. */
type PreviousKind = 'permission' | 'choice' | 'proposal' | 'announced' | 'question' | 'other';

/** What the agent says it will do or did ("I'll return 503", "I set the reindex to daily"): a person may correct it; a yes to it sets no rule. */
const ANNOUNCED = /\b(?:i(?:'ll|'m (?:going|planning) to| will| set| changed| named| configured| picked| chose| went with))\b|\b(?:vou|voy a|je vais|ich werde|ik ga|zrobię|я сделаю|я поставлю)(?![\p{L}])/iu;

function previousKind(previous: string): PreviousKind {
  if (PERMISSION.test(previous)) return 'permission';
  if ((/[?？]/u.test(previous) && ALTERNATIVES.test(previous)) || ENUMERATED.test(previous)) return 'choice';
  if (PROPOSAL.test(previous)) return 'proposal';
  if (ANNOUNCED.test(previous)) return 'announced';
  if (VALUE_QUESTION.test(previous)) return 'question';
  return 'other';
}

/** Options the agent lists by number or letter ("1) drop after 3 tries, 2) move to a dead-letter queue"), or says it sees several ("two ways", "zwei Möglichkeiten"). */
const ENUMERATED = /(?:^|[\s:(])(?:1|a)\)\s[\s\S]*?[\s,;](?:2|b)\)\s|\b(?:two|three|2|3) (?:ways|options|approaches|choices)\b|\b(?:dos|tres) (?:opciones|formas|maneras)\b|\b(?:duas|três) (?:opções|formas|maneiras)\b|\b(?:deux|trois) (?:options|façons|approches)\b|\b(?:due|tre) (?:opzioni|strade|modi)\b|\b(?:zwei|drei) (?:optionen|möglichkeiten|wege|varianten)\b|\b(?:twee|drie) (?:opties|manieren|mogelijkheden)\b|\b(?:dwie|trzy) (?:opcje|możliwości|drogi)\b|(?:два|три) (?:варианта|способа|пути)|两个方案|两种|三种|2つの|二つの|두 가지|세 가지/iu;

/** The agent asks what the person wants: "What minimum do you want?", "How should it work?", "Which one?" */
const VALUE_QUESTION = /\b(?:what|which|how (?:should|many|long|much|often)|where should)\b[^?]*\b(?:do you want|would you like|do you prefer|should (?:it|we|this|that|the)|should be|is (?:the )?(?:right|best)|one)\b[^?]*\?|\bhow should (?:it|this|we)\b[^?]*\?|\bwhat (?:minimum|maximum|default|limit|value|format|name|timeout|threshold)\b[^?]*\?/i;

/** A proposal about the task at hand only ("for this PR", "for now", "if you want"): accepting it sets no rule. */
const TASK_SCOPED = /\b(?:(?:these|those) (?:\w+ )?(?:commits?|files?|tests?|changes?|lines?)|before you (?:push|merge|commit)|i can also|i could also|this pr|in this pr|out of this pr|for now|for this (?:pr|change|fix|bug|flag|one|file|case)|the current bug|if you want|a separate refactor|later if|only (?:in|for) (?:this \w+|\S+\.\w+))\b/i;

/** A permission the agent asked for ("Shall I run the tests?"): a yes is an acknowledgement, not a decision. */
const PERMISSION = /\b(?:shall i|should i|want me to|do you want me|can i|may i|ok to|okay to|want that)\b|(?:quieres que|quiere que|quer que eu|quer que|voulez-vous que je|veux-tu que je|tu veux que je|vuoi che|soll ich|sollen wir|zal ik|wil je dat ik|czy mam|mam (?:też )?\p{L}+ć\?|しましょうか|しますか|要我|要不要我|할까요|해 드릴까요)/iu;

/** A value set against the one proposed: "Make it 20 req/s per IP, not 50.", "not lambdas — put it on ECS". */
const CONTRAST = /,\s*(?:not|no|não|nicht|niet|nie|не|pas)\s+[\p{L}\p{N}_./-]+(?:\s+[\p{L}\p{N}_./-]+)?[.!]?$|^not \S+\s*[—–,-]/iu;

/** What a "no" to the agent's proposal says when it corrects nothing: "no thanks", "nope, that's all", "no, not yet". */
const NOT_A_CORRECTION = /\b(?:just curious|not (?:doing|now|today)|no plans|no action|no change|thanks|thank you|wait|not yet|that'?s all|that'?s it|later|stop|nothing else|all good|leave it|gracias|obrigad[oa]|merci|grazie|danke|bedankt|dzięki|спасибо)\b/iu;

/** A yes, in every language: "yes", "sounds right", "oui, c'est validé", "isso", "可以", "네"; "good catch" and "good point" acknowledge, they agree to nothing. */
const YES = /^(?:yes|yeah|yep|yup|sure|ok|okay|right|correct|exactly|agreed|sounds (?:right|good)|looks good|lgtm|perfect|great|good|fine|sí|sì|si|vale|claro|sim|isso|certo|oui|d'accord|parfait|ok|va bene|d'accordo|ja|genau|gut|klopt|prima|tak|dobrze|да|ага|хорошо|はい|いいね|了解|可以|好的?|行|对|同意|네|예|좋아요|좋습니다)(?![\p{L}])(?![\s,]+(?:catch|point|question|find|to know)\b)/iu;

/** Everywhere, for all of them: the acceptance holds beyond this one place. */
const EVERYWHERE = /(?:\beverywhere\b|\bpartout\b|\boveral\b|\büberall\b|\bovunque\b|\bem todo|\ben todos\b|\bwszędzie\b|везде|всюду|во всех|\bthe same goes for\b|所有|全部|すべて|全て|모든)/iu;

/** An agent's turn that offers a standard: "…and make that the default for all buckets?" */
const STANDARD = /\b(?:standardi[sz]e|standard|standaard|default|convention|conventie|rule|pattern|padrão|norma|стандарт|for all|for every|voor alle|für alle|pour tous|per tutti|para todos|dla wszystkich|для всех)\b|规范|標準|표준/iu;

/** A short answer that picks: "Postgres.", "ULID.", "Assíncrona.", "300, e vale per tutte". */
function picks(sentence: string, previous: string): boolean {
  const first = sentence.split(/[.,;:!—–]/u)[0]!.trim().toLowerCase();
  if (!first || first.length > 40) return false;
  const words = first.split(/\s+/u).map((w) => w.replace(/[^\p{L}\p{N}_-]/gu, ''));
  const options = previous.toLowerCase();
  // "B", "option 2", "(A)": a label the agent gave its options.
  const label = /^(?:option |opción |opção |optie |opzione |variante |вариант |wariant )?\(?([a-d1-4])\)?$/u.exec(first)?.[1];
  if (label && new RegExp(`\\(${label}\\)|\\boption ${label}\\b|(?:^|\\s)${label}[):]`, 'iu').test(previous)) return true;
  if (ORDINAL_PICK.test(first) && (ALTERNATIVES.test(previous) || ENUMERATED.test(previous) || /\(\w\)|\b(?:option|two|three|either)\b/iu.test(previous))) return true;
  const capitals = new Set(sentence.split(/[\s,.;:!]+/u).filter((w) => /^[A-Z]{2}$/u.test(w)).map((w) => w.toLowerCase()));
  return words.length <= 4 && words.some((w) => (w.length >= 3 || /\d/.test(w) || capitals.has(w)) && !PICK_FILLER.has(w) && new RegExp(`(?<![\\p{L}\\p{N}])${w.replace(/[-]/g, '\\x2d')}`, 'u').test(options));
}

/** "the second one", "second option", "la primera", "die zweite", "второй вариант", "第二个", "두 번째". */
const ORDINAL_PICK = /^(?:the |la |el |le |il |die |der |das |de |het |a |o )?(?:first|second|third|latter|former|last|primer[oa]?|segund[oa]|tercer[oa]?|premier|première|seconde?|prim[oa]|second[oa]|terz[oa]|erste[rn]?|zweite[rn]?|dritte[rn]?|eerste|tweede|derde|pierwsz[ya]|drug[ia]|трет(?:ий|ья)|перв(?:ый|ая|ое)|втор(?:ой|ая|ое))(?: one| option| approach| way| variant| opción| opção| variante| optie| вариант)?$|^(?:最初|二つ目|後者|前者|第[一二三]个?|첫 번째|두 번째|後の方)/iu;

/** Words of a short answer that pick nothing. */
const PICK_FILLER = new Set(['the', 'that', 'this', 'one', 'it', 'do', 'ok', 'yes', 'no', 'and', 'keep', 'leave', 'measure', 'later', 'maybe', 'whatever', 'both', 'neither', 'la', 'le', 'el', 'der', 'die', 'das', 'het', 'de']);

/** The proposal's words a decision keeps: the sentences that propose, cut to a few hundred characters. */
function proposalOf(previous: string): string {
  const sentences = sentencesOf(previous);
  const proposing = sentences.filter((s) => PROPOSAL.test(s));
  const picked = (proposing.length > 0 ? proposing : sentences.slice(-2)).join(' ');
  return picked.length > 400 ? `${picked.slice(0, 399)}…` : picked;
}
