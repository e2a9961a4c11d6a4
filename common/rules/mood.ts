/**
 * The mood of a sentence a person types to a coding agent, and who it is about — read from its
 * structure, in the twelve languages the rule detector covers (common/rules/stated-rule.ts).
 *
 * - **mood**: a `question` (a question mark, an interrogative opening or ending), an `imperative`
 *   (a verb first with its object after it — "profile it first", "walk me through", "Сделай так",
 *   "Ajoute une vérification" — or a request's own form: "please", "can you", "ください", "주세요", "请"),
 *   an `answer` ("yes go ahead", "nope, that's all"), or a `statement` (everything else: what is, what
 *   we do, what must hold).
 * - **subject**: who the statement is about — `agent` ("you should never have…", "you must update…"),
 *   `speaker` ("I need…", "I think…"), `deictic` (it / this / that: the thing at hand), `team`
 *   (we / our / the team / bei uns / 私たち) or `generic` (a noun phrase: "Tests", "Amounts in the
 *   ledger", "Toute nouvelle route", "金額は").
 *
 * No word list decides alone: an imperative is a verb before its object, whichever the verb; a
 * statement's subject is the noun phrase before its verb. The lists here are closed classes
 * (pronouns, determiners, discourse openers, request forms), which do not grow with new material.
 */

export type Mood = 'question' | 'imperative' | 'answer' | 'statement';
export type Subject = 'agent' | 'speaker' | 'deictic' | 'team' | 'generic' | 'none';

/** Discourse openers that carry no content: "ok so", "also,", "heads up:", "fyi". */
const OPENER = /^(?:(?:ok(?:ay)?|so|and|also|then|now|next|first|alright|right|well|btw|fyi|oh|hey|quick one|one more thing|heads up|note|nb|ps|pd|bon|alors|et|aussi|dann|also|und|auch|en|ook|dus|e|y|también|então|também|poi|allora|a|i|też|и|ну|также|ещё|ой)\b[\s,:;!—–-]*)+/iu;

/** Object determiners and pronouns after a first verb make it an imperative: "fix THE test", "profile IT". */
const OBJECT_AFTER = String.raw`(?:it|them|me|us|this|that|these|those|the|a|an|all|every|each|some|any|my|our|your|everything|up|out|through|back|sure|une|le|la|les|ce|cette|ces|du|des|el|los|las|este|esta|estos|esse|essa|isso|isto|il|lo|gli|questo|questa|quel|den|dem|einen|eine|einem|diesen|diese|dieses|das|mir|het|deze|dit|mij|ten|tę|ją|этот|эту|это|эти|всё|мне|нам|так)`;

/** Words that open a sentence and are not verbs: pronouns, determiners, negators, quantifiers, nouns' articles. */
const NOT_VERB_FIRST = new Set(
  `i you he she it we they this that these those there here the a an my your our their its all every each any some no none nothing nobody only new old
   what which who why how when where whether if yes yeah yep ok okay sure thanks great nice cool perfect good fine never always don't do not
   el la los las un una este esta estos estas ese esa nada ningún ninguna todo toda todos todas cada nuestro nuestra nuestros nuestras
   o a os as um uma esse essa nenhum nenhuma toda todos cada nosso nossa nossos nossas
   le les une ce cet cette ces tout toute tous toutes chaque aucun aucune rien notre nos
   il lo gli i una questo questa ogni nessun nessuna niente nostro nostra nostri nostre tutti tutte
   der die das dem den ein eine kein keine keinen nichts jeder jede jedes alle unser unsere unseren
   de het een geen niets elke iedere alle onze ons
   ten ta to te każdy każda wszystkie żaden żadna nic nasz nasza nasze
   этот эта это эти каждый каждая все всё никакой никаких ничего наш наша наши
   for in on at with from to by of after before since until when while once as per except without unless about into onto over under between across
   here there now today ici là aquí aqui acá ahí qui lì hier daar tutaj tu здесь тут
   en para por con sin sobre entre desde hasta com sem sobre até dans pour avec sans sur chez depuis jusqu per con senza su tra fra da
   für mit ohne bei auf aus nach seit unter über zwischen voor met zonder bij op uit na sinds onder over tussen
   w we dla z ze bez na po od do przy pod nad między в во для с со без на по от до при под над между у
   ojo ojito atención attention achtung let uwaga внимание nota atenção attenzione heads psst
   on il elle ils elles nous vous man wir sie es ik jij hij zij wij jullie ja ty on ona my wy oni я ты он она мы вы они yo tú él ella nosotros eu você ele ela nós io tu lui lei noi voi loro`.split(/\s+/u),
);

/** Request forms that make a sentence the task at hand in any position. */
const REQUEST_FORM = /\b(?:please|pls|plz|can you|could you|would you|will you|make sure|i (?:want|need|'d like) you to|por favor|puedes|podrías|pode(?:ria)?s? |s'il (?:te|vous) pla[iî]t|peux-tu|pourrais-tu|per favore|puoi|potresti|bitte|kannst du|könntest du|alsjeblieft|kun je|proszę|czy możesz|пожалуйста|можешь|сделай так)\b|ください|お願い|してくれ|して。|しなさい|请|帮我|麻烦|주세요|해줘|해 줘|부탁/iu;

/** A question's opening or ending (beyond the question mark). */
const QUESTION_FORM = /^(?:are|is|am|do|does|did|can|could|would|will|should|shall|have|has|was|were|what|why|how|where|which|who|whom|when(?![^,?]{0,60},)|any idea|anyone know)\b|^¿|(?:ですか|ますか|でしょうか|かな|吗|呢|까요|나요|인가요|습니까)[。.]?$/iu;

/** A first verb in the imperative of the Slavic languages: "Сделай", "Добавь", "Popraw", "Dodaj". */
const SLAVIC_IMPERATIVE = /^(?:\p{Script=Cyrillic}{3,}(?:ай|яй|ей|уй|ь|ите|айте|яйте|ьте)|(?:po|z|do|na|prze|wy|u|s|za|od|roz)?\p{L}{2,}(?:aj|uj|ij|yj|ów|ń|ź|ść)|popraw|dodaj|usuń|zmień|napraw|sprawdź|przepisz|zrób)(?![\p{L}])/iu;

const words = (s: string) => s.split(/\s+/u).filter(Boolean);

/** The sentence without its discourse opener, lowercased. */
export function coreOf(sentence: string): string {
  return sentence.trim().replace(/^[-*>•\d.)\s]+/u, '').replace(OPENER, '').toLowerCase();
}

/** A verb first and its object after it: "profile it first", "walk me through", "ajoute une vérification", "Сделай так". */
export function verbFirst(sentence: string): boolean {
  const core = coreOf(sentence);
  const [first = '', second = ''] = words(core);
  const bare = first.replace(/[^\p{L}'-]/gu, '');
  if (bare.length < 2 || NOT_VERB_FIRST.has(bare)) return false;
  if (!/^\p{Lu}{2,}/u.test(sentence.trim()) && OBJECT_RE.test(second.replace(/[^\p{L}'-]/gu, ''))) {
    // …but not a noun subject with its verb: a plural or a verb in -s ("Staging mirrors the…", "Users see…") is a subject.
    if (!/s$/u.test(bare) || /^(?:pass|press|process|access|discuss|address|cross|dismiss|miss|express)$/u.test(bare)) return true;
  }
  return SLAVIC_IMPERATIVE.test(core);
}

const OBJECT_RE = new RegExp(`^${OBJECT_AFTER}$`, 'iu');

/** The mood of one sentence or clause. `taskVerbFirst`: the caller's list of task verbs matched its start. */
export function moodOf(sentence: string, taskVerbFirst = false): Mood {
  const core = coreOf(sentence);
  if (/[?？]\s*$/u.test(sentence.trim()) || QUESTION_FORM.test(core)) return 'question';
  if (REQUEST_FORM.test(core) || taskVerbFirst || verbFirst(sentence) || NEGATIVE_IMPERATIVE.test(core)) return 'imperative';
  if (SHORT_ANSWER.test(core) && words(core).length <= 5) return 'answer';
  return 'statement';
}

/** "Don't commit yet", "Never use…", "No hagas…", "Ne touche pas…": an order with no subject. */
const NEGATIVE_IMPERATIVE = /^(?:let'?s|let us|don'?t|do not|please don'?t|never (?!mind)\p{L}+ (?:it|them|the|a|an|this|that|any|\x60)|no (?:hagas|toques|uses|cambies)|não (?:faça|toque|use|mude)|ne (?:touche|change|modifie|fais)|non (?:toccare|cambiare|usare|fare)|nicht |niet |nie (?:zmieniaj|ruszaj|używaj|rób)|не (?:трогай|меняй|используй|делай))/iu;

/** An answer, not a statement: "yes go ahead", "sure", "nope, that's all", "ok that works". */
const SHORT_ANSWER = /^(?:yes|yeah|yep|yup|sure|ok|okay|k|go ahead|go for it|do it|nope|nah|fine|thanks|thank you|great|perfect|cool|sí|si|vale|sim|oui|ja|jawohl|tak|да|はい|好的|네|예)(?![\p{L}])/iu;

/** Who a statement is about, from the words before its verb. */
export function subjectOf(sentence: string): Subject {
  const core = coreOf(sentence);
  if (NEGATIVE_IMPERATIVE.test(core) || verbFirst(sentence)) return 'none';
  const head = words(core).slice(0, 3).join(' ');
  if (/^(?:you|you're|you've|you'll|tú|usted|você|tu|vous|tu|du|ihr|jij|je|ty|wy|ты|вы|あなた|你|당신)\b/iu.test(head)) return 'agent';
  if (/^(?:we|we're|we've|we'll|our|the team|us|nosotros|nuestr[oa]s?|a gente|nós|noss[oa]s?|nous|on|notre|nos|noi|nostr[oaie]|wir|unser\w*|bei uns|wij|we|onze|bij ons|my|nasz\w*|u nas|мы|наш\w*|у нас|私たち|うちの?|我们|咱们|우리)(?![\p{L}])/iu.test(head)) return 'team';
  if (/^(?:i|i'm|i've|i'd|i'll|my|yo|mi|eu|meu|minha|je|j'|moi|mon|ma|io|ich|mein\w*|ik|mijn|ja|mój|moja|я|мой|моя|私|僕|俺|我|나|내|제가)(?![\p{L}])/iu.test(head)) return 'speaker';
  if (/^(?:it|it's|this|that|these|those|eso|esto|esta|este|isso|isto|essa|esse|ça|cela|ce|cette|questo|questa|quello|es|das|dies|diese|dieser|het|dit|dat|deze|to|ten|ta|это|этот|эта|оно|он|она|これ|この|それ|その|这|这个|那|那个|이|그)(?![\p{L}])/iu.test(head)) return 'deictic';
  if (head.length === 0) return 'none';
  return 'generic';
}
