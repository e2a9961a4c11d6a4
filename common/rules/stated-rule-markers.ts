/**
 * The markers the stated-rule detector (stated-rule.ts) reads an utterance for, per language: what makes a
 * statement a rule of the project (a lasting norm, the team as its subject, a decision verb, a rule's own
 * label, a normative modal, a generic subject and a habitual verb, a ban, a specified value, a reason that
 * outlives the task) and what makes it something else (a question, a hypothetical, a request for the task at
 * hand, a symptom, an opinion or evaluation, a story of what happened). Lists hold lowercase regex sources;
 * `\b` is avoided where a language has no spaces.
 */

/** `\b` in JavaScript knows ASCII words only: a boundary that knows every script's letters. */
export const BOUNDARY = String.raw`(?:(?<![\p{L}\p{N}_])(?=[\p{L}\p{N}_])|(?<=[\p{L}\p{N}_])(?![\p{L}\p{N}_]))`;

/** One regex per list (one scan per feature), with Unicode-aware word boundaries. */
export function compile(sources: string[]): RegExp[] {
  // A leading \b only looks behind and a trailing one only ahead (the cheap halves of BOUNDARY).
  const bounded = (s: string) => s.replace(/^\\b/, '(?<![\\p{L}\\p{N}_])').replace(/\\b$/, '(?![\\p{L}\\p{N}_])').replaceAll(String.raw`\b`, BOUNDARY);
  return [new RegExp(sources.map((s) => `(?:${bounded(s)})`).join('|'), 'iu')];
}

// ---------------------------------------------------------------------------------------------
// Markers. Each list holds lowercase regex sources; `\b` is avoided where a language has no spaces.
// ---------------------------------------------------------------------------------------------

/** A lasting norm: always, never, only ever, from now on, going forward… */
export const NORM = [
  // en
  String.raw`\balways\b`, String.raw`\bnever\b`, String.raw`\bfrom now on\b`, String.raw`\bgoing forward\b`, String.raw`\bat all times\b`, String.raw`\bno exceptions?\b`,
  String.raw`\bfull stop\b`, String.raw`\bwithout exception\b`, String.raw`\bnon-?negotiable\b`, String.raw`\bin (?:this|our|the) (?:repo|repository|project|codebase|code base|team|service|app)\b(?!\s+(?:subclass|class|module|file|folder|directory|server|config|code|page|screen|store)\b)`, String.raw`\bacross the (?:repo|codebase|project)\b`,
  String.raw`\bonly ever\b`, String.raw`\bdon'?t ever\b`, String.raw`\bnot ever\b`, String.raw`\bas a rule\b`, String.raw`\b(?:is )?how we (?:work|do (?:it|things)|roll)(?: here| in this \w+)?\b`, String.raw`\b(?:are|is|get|go|live|follow|use|work|named|written|done)\b[^.;:?!]{3,60}\bhere\s*(?=[,.;!]|$)`, String.raw`\bby convention\b`, String.raw`\bstandard(?:ize|ise|ized|ised)? on\b`, String.raw`\bfrom here on\b`, String.raw`\bhenceforth\b`,
  // es / pt
  String.raw`\bsiempre\b`, String.raw`\bnunca\b`, String.raw`\bjamás\b`, String.raw`\ba partir de ahora\b`, String.raw`\bde ahora en adelante\b`, String.raw`\ben este (?:repo|repositorio|proyecto)\b`, String.raw`\bsin excepci[oó]n\b`,
  String.raw`\bsempre\b`, String.raw`\bjamais\b`, String.raw`\ba partir de agora\b`, String.raw`\bdaqui para frente\b`, String.raw`\bneste (?:repo|repositório|projeto)\b`, String.raw`\bsem exce[cç][aã]o\b`,
  // fr / it
  String.raw`\btoujours\b`, String.raw`\bjamais\b`, String.raw`\bdésormais\b`, String.raw`\bà partir de maintenant\b`, String.raw`\bdans ce (?:repo|dépôt|projet)\b`, String.raw`\bsans exception\b`,
  String.raw`\bsempre\b`, String.raw`\bmai\b`, String.raw`\bd'ora in poi\b`, String.raw`\bda ora in poi\b`, String.raw`\bda adesso in poi\b`, String.raw`\bin de repo\b`, String.raw`\bim repo\b`, String.raw`\bin questo (?:repo|progetto)\b`, String.raw`\bsenza eccezioni\b`,
  // de / nl
  String.raw`\bimmer\b`, String.raw`\bniemals\b`, String.raw`\bnie\b`, String.raw`\bab jetzt\b`, String.raw`\bab sofort\b`, String.raw`\bkünftig\b`, String.raw`\bin diesem (?:repo|projekt)\b`, String.raw`\bohne ausnahme\b`, String.raw`\bgrundsätzlich\b`,
  String.raw`\baltijd\b`, String.raw`\bnooit\b`, String.raw`\bvoortaan\b`, String.raw`\bvanaf nu\b`, String.raw`\bin deze (?:repo|codebase)\b`, String.raw`\bin dit project\b`,
  // pl / ru
  String.raw`\bzawsze\b`, String.raw`\bnigdy\b`, String.raw`\bod teraz\b`, String.raw`\bod tej pory\b`, String.raw`\bw tym (?:repo|projekcie)\b`,
  String.raw`всегда`, String.raw`никогда`, String.raw`отныне`, String.raw`с этого момента`, String.raw`впредь`, String.raw`в этом (?:репо|проекте)`,
  // ja / zh / ko
  '常に', '必ず', '絶対に', '決して', '今後', 'これから(?:は)?', 'このリポジトリでは', 'このプロジェクトでは',
  '总是', '始终', '永远', '绝不', '一律', '从现在起', '以后都', '今后', '在这个(?:仓库|项目)',
  '항상', '절대', '반드시', '앞으로(?:는)?', '이 (?:레포|저장소|프로젝트)에서는',
];

/** The team or project as the subject of a norm: we, our team, the team… */
export const TEAM = [
  String.raw`\bwe\b`, String.raw`\bour\b`, String.raw`\bus\b`, String.raw`\bthe team\b`, String.raw`\bteam\b`, String.raw`\beveryone\b`, String.raw`\bnobody\b`, String.raw`\bno one\b`,
  String.raw`\bnosotros\b`, String.raw`\bnuestr[oa]s?\b`, String.raw`\bel equipo\b`, String.raw`\bnós\b`, String.raw`\bnoss[oa]s?\b`, String.raw`\bequipe\b`, String.raw`\ba gente\b`,
  String.raw`\bnous\b`, String.raw`\bnotre\b`, String.raw`\bnos\b`, String.raw`\bl'équipe\b`, String.raw`\bon (?:utilise|fait|garde|met)\b`, String.raw`(?:^|[,:;]\s*)on (?:ne |n')?\p{L}{3,}e\b`, String.raw`\bnoi\b`, String.raw`\bnostr[oaie]\b`, String.raw`\bil team\b`,
  String.raw`\bwir\b`, String.raw`\bunser(?:e|en|em|er)?\b`, String.raw`\bdas team\b`, String.raw`\bwij\b`, String.raw`\bwe\b`, String.raw`\bons\b`, String.raw`\bonze\b`, String.raw`\bhet team\b`,
  String.raw`\bmy\b`, String.raw`\bnasz[aey]?\b`, String.raw`\bzespół\b`, String.raw`\bмы\b`, String.raw`\bнаш[аиеу]?\b`, String.raw`\bкоманда\b`,
  String.raw`\bbei uns\b`, String.raw`\bbij ons\b`, String.raw`\bu nas\b`, String.raw`у нас`, String.raw`\bda noi\b`, String.raw`\baqui a gente\b`, String.raw`\ben nuestro equipo\b`,
  '私たち', 'うちの?', 'チーム', '我们', '咱们', '团队', '우리',
];

/** A decision verb: decided, agreed, settled, chose, went with… */
export const DECIDED = [
  String.raw`\b(?:we(?:'ve| have)?|team|i|i've|i have|they) (?:\w+ )?(?:decided|agreed|settled|chose|chosen|picked|went with|are going with|'re going with|will go with|standardi[sz]ed)\b`,
  String.raw`\b(?:the )?decision (?:is|was)\b`, String.raw`\bfinal answer\b`, String.raw`\b(?:it'?s|that'?s|this is) final\b`, String.raw`\bthe new (?:number|value|limit|default|rule|cap)\b`, String.raw`\b(?:that'?s|it'?s) settled\b`, String.raw`\bwe'?re going with\b`, String.raw`\bwe'?re not adding\b`, String.raw`\bdecided(?: on| that| to)?\b`, String.raw`\bagreed (?:on|that|to)\b`, String.raw`\bsettled (?:on|that)\b`, String.raw`\blet'?s (?:go with|use|stick (?:with|to)|keep|settle on)\b`,
  String.raw`\b(?:we'?re |i'?m )?going with\b`, String.raw`\bsticking with\b`, String.raw`\bfinal call\b`, String.raw`\bthe vote'?s in\b`, String.raw`\bwe'?re (?:moving|switching|migrating)\b`, String.raw`\bwe'?ll (?:store|use|keep|run|host|deploy|ship|build|put|standardi[sz]e)\b`, String.raw`\blet'?s (?:make|call|adopt|switch|move|standardi[sz]e|name)\b`,
  String.raw`\bvamos de\b`, String.raw`\blargamos\b`, String.raw`\bidziemy (?:w|na|z)\b`, String.raw`\bберём\b`, String.raw`\bберем\b`, 'でいきます', 'でいこう', 'ことにします', 'にしましょう', 'やめましょう', '로 가겠습니다', '갑시다', '합시다', '로 하죠',
  String.raw`\bdecidi(?:mos)?\b`, String.raw`\bdecidido\b`, String.raw`\bacordamos\b`, String.raw`\bquedamos en\b`, String.raw`\bvamos (?:a usar|con)\b`, String.raw`\bdecidimos\b`, String.raw`\bcombinamos\b`, String.raw`\bficou decidido\b`,
  String.raw`\bon a décidé\b`, String.raw`\bnous avons décidé\b`, String.raw`\bdécidé\b`, String.raw`\bon part sur\b`, String.raw`\babbiamo deciso\b`, String.raw`\bdeciso\b`, String.raw`\bandiamo con\b`,
  String.raw`\bentschieden\b`, String.raw`\bbeschlossen\b`, String.raw`\bwir nehmen\b`, String.raw`\bbesloten\b`, String.raw`\bafgesproken\b`, String.raw`\bwe gaan voor\b`,
  String.raw`\bzdecydowali(?:śmy)?\b`, String.raw`\bustalili(?:śmy)?\b`, String.raw`решили`, String.raw`договорились`, String.raw`остановились на`,
  '決めた', '決定', 'にしよう', 'ことにした', '决定', '定了', '就用', '商定', '결정', '하기로 했',
];

/** A rule named as one: the convention is, our policy, rule:, amendment… */
export const LABEL = [
  String.raw`\b(?:the|our|team|house) (?:convention|rule|policy|standard|guideline)s? (?:is|are|says?|here)\b`, String.raw`\bconvention\b`, String.raw`\bpolicy\b`, String.raw`\brule of thumb\b`, String.raw`^\s*(?:rule|convention|policy|decision|amendment|update|note to self|reminder)\s*[:—-]`,
  String.raw`\bamend(?:ment|ed)\b`, String.raw`\b(?:change|changes|changed|changing) (?:the|our|that|this) rule\b`, String.raw`\bthe rule (?:changes|is changing|has changed)\b`, String.raw`\b(?:new|team|house|standing|general) rule\b`, String.raw`\bthat'?s (?:a|the|our) (?:team |house )?(?:rule|convention)\b`, String.raw`\bhere'?s (?:the model|how) we (?:want|handle|do)\b`, String.raw`^(?:here'?s|here is|this is) how (?:it|this|that|things|they) (?:should|must|will|has to|have to|is going to) work\b`, String.raw`\blet me say this once\b`, String.raw`\bmake (?:it|this|that) official\b`, String.raw`\bheads up (?:for|on) (?:this|the) (?:repo|team|codebase|project)\b`, String.raw`\bwe change it\b`, String.raw`\bfor the whole team\b`, String.raw`\b(?:para|pra) o time todo\b`, String.raw`\bpara todo el equipo\b`, String.raw`\bpour toute l'équipe\b`, String.raw`^\s*(?:rule|regel|règle|regla|regra|regola|decision|update|change|amendment|addendum|correction|nachtrag|änderung|korrektur|enmienda|actualización|corrección|emenda|atualização|correção|avenant|mise à jour|rectification|aggiornamento|correzione|aanvulling|correctie|poprawka|korekta|поправка|обновление|исправление)\b[^:]{0,40}:`, '^\\s*(?:訂正|更正|정정)', String.raw`\bthe rule here\b`, String.raw`\bset a rule\b`, String.raw`\bapplies everywhere\b`, String.raw`\bfor the record\b`, String.raw`\bheads up for the rest\b`, String.raw`\bu nas (?:obowiązuje|jest zasada)\b`, String.raw`у нас принято`, String.raw`\bbei uns gilt\b`, String.raw`\bchez nous\b`, String.raw`\bsupersedes?\b`, String.raw`\bno longer\b`, String.raw`\bis now\b`, String.raw`\bnow counts?\b`, String.raw`\bonly counts?\b`, String.raw`\bcounts? only\b`,
  String.raw`\bconvenci[oó]n\b`, String.raw`\bregla\b`, String.raw`\bpolítica\b`, String.raw`\bconven[cç][aã]o\b`, String.raw`\bregra\b`, String.raw`\bemenda\b`, String.raw`\benmienda\b`,
  String.raw`\bconvention\b`, String.raw`\brègle\b`, String.raw`\bconvenzione\b`, String.raw`\bregola\b`, String.raw`\bkonvention\b`, String.raw`\b(?:de|onze|een|die|unsere|eine|als) regel\b`, String.raw`\brichtlinie\b`, String.raw`\bafspraak\b`,
  String.raw`\bzasada\b`, String.raw`\bkonwencja\b`, String.raw`правило`, String.raw`соглашение`, '規約', 'ルール', '約束', '规范', '规则', '约定', '규칙', '컨벤션',
];

/** A normative modal: must, have to, are to, should always… */
export const MODAL = [
  String.raw`\bmust(?:n't| not)?\b`, String.raw`\bshall\b`, String.raw`\bha(?:ve|s) to\b`, String.raw`\bneeds? to\b`, String.raw`(?<!\b(?:i|we|you|they) )\b(?:need|needs|require|requires) (?:a|an|two|one|its own|their own|exactly|at least)\b`, String.raw`\bare to\b`, String.raw`\bis to\b`, String.raw`\bshould(?:n't| not)? (?:always|never|only|be)\b`, String.raw`\bonly\b`,
  String.raw`\bare (?:stored|kept|written|named|formatted|rounded|computed|counted|measured|expressed|done|handled|capped|limited)\b`, String.raw`\bis (?:stored|kept|written|named|formatted|rounded|computed|counted|measured|expressed|done|handled|capped|limited)\b`,
  String.raw`\bgo(?:es)? (?:in|into|under)\b`, String.raw`\blive in\b`, String.raw`\bbelongs? in\b`, String.raw`\bcapped at\b`,
  String.raw`\bdebe(?:n|mos)?\b`, String.raw`\btiene(?:n)? que\b`, String.raw`\bhay que\b`, String.raw`\bdeve(?:m|mos)?\b`, String.raw`\btem que\b`, String.raw`\bdoi(?:t|vent|vons)\b`, String.raw`\bil faut\b`, String.raw`\bdeve(?:no)?\b`, String.raw`\bbisogna\b`,
  String.raw`\bm[üu]ss(?:en|t)?\b`, String.raw`\bsoll(?:en|te)?\b`, String.raw`\bdarf\b`, String.raw`\bdürfen\b`, String.raw`\bmoet(?:en)?\b`, String.raw`\bmag niet\b`, String.raw`\bmusi(?:my)?\b`, String.raw`\bnależy\b`, String.raw`\bnie wolno\b`,
  String.raw`должн[ыао]?`, String.raw`нужно`, String.raw`нельзя`, String.raw`только`, String.raw`\b(?:solo|sólo|solamente|só|somente|apenas|nur|seulement|uniquement|soltanto|alleen|tylko|wyłącznie|ausschließlich)\b`, 'なければならない', 'ないこと', 'すること', '禁止', '必须', '不要', '不得', '只能', '应该', '不能', '都要', '统一', '只(?!是)', 'だけ', 'のみ', '만 ', '(?<![我你他她])要(?!不要)', '해야', '하지 마', '금지',
];

/** A question: the sentence asks something. */
export const QUESTION_LEAD = [
  String.raw`^(?:and |so |but |ok,? |hmm,? )?(?:are|is|am|do|does|did|can|could|would|will|should|shall|have|has|was|were|what|why|how|where|which|who|whom|when|any idea|anyone know)\b`,
  String.raw`^¿`, String.raw`^(?:qué|que|cómo|como|por qué|porque|dónde|cuál|cuándo|es que|será que|sabes si)\b`, String.raw`^(?:est-ce|pourquoi|comment|où|quel(?:le)?s?|qui|quand|peux-tu|est-il|sommes-nous)\b`,
  String.raw`^(?:perché|come|dove|quale|quando|chi|siamo sicuri)\b`, String.raw`^(?:ist|sind|kann|können|könnte|warum|wieso|weshalb|wie|was|wo|welche[rsm]?|wann|sollen|sollten|haben|hast|gibt es)\b`,
  String.raw`^(?:is|zijn|kan|kunnen|waarom|hoe|wat|waar|welke|wanneer|moeten)\b`, String.raw`^(?:czy|dlaczego|jak|gdzie|który|kiedy|co)\b`, String.raw`^(?:почему|как|где|какой|когда|что|зачем|разве|а мы|мы точно)`,
  'ですか', 'ますか', 'でしょうか', 'かな', '吗', '呢', '为什么', '怎么', '是不是', '까요', '나요', '인가요', '왜',
];

/** A hypothetical or a musing: if we…, what if, maybe, or maybe…? */
export const HYPOTHETICAL = [
  String.raw`^(?:and |but |so )?(?:if|what if|suppose|supposing|assuming|imagine|in case|hypothetically|maybe|perhaps|or maybe|or perhaps|i wonder|wondering|not sure|i'm not sure|i guess|i think|i feel like|i'd say|probably|might|could we)\b`,
  String.raw`\bif (?:we|you|i) (?:ever |were to |decided|decide|switch|moved?|went)\b`, String.raw`\bwould (?:it|we|that) (?:be|make)\b`, String.raw`\bwe could\b`,
  // Said to be no plan at all: "ok, just wondering for the investor Q&A. not a plan".
  String.raw`\b(?:just (?:wondering|curious|asking|thinking out loud)|not a plan|(?:solo|por) curiosidad|só curiosidade|par curiosité|solo curiosità|nur neugierig|gewoon benieuwd|tylko pytam|просто интересно)\b`,
  String.raw`\b(?:in theory|theoretically|en teoría|em teoria|en théorie|in teoria|theoretisch|in theorie|teoretycznie|теоретически)\b`,
  String.raw`^(?:si|y si|quizás|quizá|tal vez|a lo mejor|supongamos|e se|talvez|será que|peut-être|et si|supposons|forse|e se|magari|wenn|falls|vielleicht|angenommen|als|misschien|stel dat|jeśli|może|gdyby|если|может быть|возможно|а что если)\b`,
  'もし', 'かもしれない', 'たぶん', '如果', '假如', '也许', '或许', '만약', '아마',
];

/** A request for the task at hand: please, can you, make sure, let me know, an imperative task verb first. */
export const REQUEST = [
  String.raw`\bplease\b`, String.raw`^(?:hi!? |hey!? |ok,? |so,? )?we need\b(?![^.?!]*\b(?:every|each|all|any|always|never|whenever)\b)`,
  // The same in the other languages, with a thing to build ("wir brauchen einen Retry", "we hebben een import nodig", "нам нужен импорт").
  String.raw`^(?:wir brauchen (?:einen|eine|ein|noch)|we hebben (?:een|nog) [^.?!]*nodig|necesitamos (?:un|una)|nos hace falta (?:un|una)|il nous faut (?:un|une)|on a besoin d'(?:un|une)|(?:a gente )?precisa(?:mos)? de (?:um|uma)|ci serve (?:un|una|uno)|ci servono|potrzebujemy|нам нужн[аоы]?|我们需要)(?![^.?!。]*(?:jede|elke|cada|chaque|ogni|każd|кажд|всегда|每))`, String.raw`\bpls\b`, String.raw`\bplz\b`, String.raw`\b(?:can|could|would|will) you\b`, String.raw`\bmake sure\b`, String.raw`\bensure (?:that )?(?:this|the|it)\b`, String.raw`\blet me know\b`, String.raw`\bi (?:want|need|'d like) you to\b`, String.raw`\bfor (?:this|now|the moment|today)\b`,
  String.raw`\bin this (?:function|file|method|class|test|pr|change|branch|commit|ticket)\b`, String.raw`(?<!\b(?:conventions?|rules?|polic(?:y|ies)|standards?|norms?) )\bhere\b(?! (?:is|are) (?:the|our) (?:rule|convention))(?!'s how| is how)(?! (?:always|never|must|should|have to|has to)\b)(?!\s*(?:[,.;!)]|$))`,
  String.raw`\bpor favor\b`, String.raw`\bpodrías\b`, String.raw`\bpuedes\b`, String.raw`\basegúrate\b`, String.raw`\bpode(?:ria)?s?\b`, String.raw`\bgaranta\b`, String.raw`\bs'il (?:te|vous) pla[iî]t\b`, String.raw`\bpeux-tu\b`, String.raw`\bpourrais-tu\b`, String.raw`\bassure-toi\b`,
  String.raw`\bper favore\b`, String.raw`\bpuoi\b`, String.raw`\bpotresti\b`, String.raw`\bassicurati\b`, String.raw`\bbitte\b`, String.raw`\bkannst du\b`, String.raw`\bkönntest du\b`, String.raw`\bstell sicher\b`, String.raw`\balsjeblieft\b`, String.raw`\bkun je\b`, String.raw`\bzorg dat\b`,
  String.raw`\bproszę\b`, String.raw`\bczy możesz\b`, String.raw`\bupewnij się\b`, String.raw`пожалуйста`, String.raw`можешь`, String.raw`убедись`, 'ください', 'お願い', 'してくれ', '请', '帮我', '麻烦', '确保', '주세요', '해줘', '부탁',
];

/** Verbs that open a task given to the agent (imperative, English and the other languages' common ones). */
export const TASK_VERB = [
  String.raw`^(?:now |then |ok,? |okay,? |alright,? |also,? |and |first,? |next,? )?(?:list|show|print|display|fix|add|remove|delete|drop|rename|move|run|rerun|make|create|write|rewrite|update|upgrade|bump|change|set|check|verify|review|look|find|search|grep|open|read|explain|tell|describe|implement|refactor|clean|test|debug|investigate|try|build|deploy|commit|push|revert|undo|generate|migrate|convert|port|split|merge|extract|inline|document|summari[sz]e|give|help|go|start|stop|restart|install|configure|replace|wrap|call|use|split|format|lint|patch|sort|count|compare|draft)\b(?!\s*:)(?! (?:it|this|that) official\b)`,
  String.raw`^(?:lista|muestra|arregla|corrige|añade|agrega|elimina|borra|renombra|ejecuta|corre|crea|escribe|actualiza|revisa|busca|explica|implementa|prueba|mostra|conserta|adiciona|remove|renomeia|executa|cria|escreve|atualiza|verifica|procura|explica|implementa|testa)\b`,
  String.raw`^(?:liste|montre|affiche|corrige|ajoute|supprime|renomme|lance|exécute|crée|écris|mets à jour|vérifie|cherche|explique|implémente|teste|elenca|mostra|correggi|aggiungi|rimuovi|rinomina|esegui|crea|scrivi|aggiorna|controlla|cerca|spiega|implementa)\b`,
  String.raw`^(?:liste|zeig|zeige|behebe|fix|füge|entferne|lösche|benenne|führ|führe|erstelle|schreib|schreibe|aktualisiere|prüf|prüfe|such|suche|erklär|erkläre|implementier|teste|toon|laat zien|repareer|voeg|verwijder|hernoem|draai|maak|schrijf|werk bij|controleer|zoek|leg uit)\b`,
  String.raw`^(?:zrób|zróbcie|wylistuj|pokaż|napraw|dodaj|usuń|zmień nazwę|uruchom|utwórz|napisz|zaktualizuj|sprawdź|znajdź|wyjaśnij|zaimplementuj|сделай|покажи|выведи|исправь|почини|добавь|удали|переименуй|запусти|создай|напиши|обнови|проверь|найди|объясни|реализуй)`,
];

/** A symptom of the code: it/the test/the job … fails, never returns, always times out. */
export const SYMPTOM = [
  String.raw`\b(?:it|this|that|the (?:test|tests|build|job|job's|function|endpoint|request|query|page|server|service|worker|script|app|api|call|loop|report|cron|pipeline|ci|check|parser|client|socket|process|migration|cache|container|deploy)|[a-z_]+\(\)) (?:\w+ ){0,3}(?:always|never|still|keeps?|sometimes|randomly|occasionally) (?:\w+ ){0,2}(?:fail|fails|failed|failing|crash|crashes|crashed|return|returns|returned|hang|hangs|times? out|timed out|throws?|errors?|breaks?|passes|passed|works?|worked|finishes|finished|completes?|shows?|showed|gets?|got)\b`,
  String.raw`\b(?:is|are|was|were|keeps?) (?:failing|broken|crashing|hanging|flaky|flaking|timing out|returning|erroring|off by)\b`, String.raw`\b(?:fails?|failed|crash(?:es|ed)?|errors? out|throws?|times? out|timed out) (?:with|when|on|after|because|in)\b`,
  String.raw`\b(?:bug|regression|broken|flaky|stack ?trace|traceback|exception|segfault|500s?|404s?|off by one)\b`,
  String.raw`\bfalla\b`, String.raw`\bfalha\b`, String.raw`\béchoue\b`, String.raw`\bplante\b`, String.raw`\bfallisce\b`, String.raw`\bschlägt fehl\b`, String.raw`\bstürzt ab\b`, String.raw`\bfaalt\b`, String.raw`\bcrasht\b`, String.raw`\bnie działa\b`, String.raw`падает`, String.raw`не работает`, '落ちる', '失敗', '报错', '失败', '崩溃', '실패',
];

/** Chit-chat, opinions and acknowledgements. */
export const CHAT = [
  String.raw`^no (?:need|rush|worries|problem|pressure|hurry)\b`,
  String.raw`^(?:hi|hey|hello|thanks|thank you|thx|ty|cool|nice|great|awesome|perfect|lol|haha|ok|okay|k|sure|yep|yes|no|nope|good|good morning|morning|cheers|bye|np|wow|oops|ugh|sigh|meh|hmm+|right)\b[\s!.,:)]*$`,
  String.raw`\b(?:lol|haha|lmao|rofl|:\)|:d|😂|🙂|😅)\b`, String.raw`\b(?:holy war|tricky bit|pet peeve|i love|i hate|i like|i prefer|annoying|funny|honestly|to be fair|tbh|imo|imho|personally)\b`,
  String.raw`^(?:hola|gracias|vale|buenos días|obrigad[oa]|valeu|olá|bom dia|merci|salut|bonjour|grazie|ciao|danke|hallo|moin|bedankt|dank je|hoi|dzięki|cześć|спасибо|привет|ありがとう|こんにちは|谢谢|你好|감사|안녕)\b`,
];

/** An acceptance of what the agent proposed. */
export const ACCEPT = [
  String.raw`^(?:yes|yeah|yep|yup|sure|ok|okay|agreed|agree|sounds good|sounds right|good call|makes sense|lgtm|perfect|great|correct|exactly|right|fine)\b[^?]*\b(?:go with|do (?:that|it|this)|let'?s (?:do|go|use|keep)|that'?s (?:the|our) (?:rule|plan|decision|way)|ship it|use (?:that|it|this)|keep (?:that|it)|go ahead|agreed|we'?ll (?:do|use|go with)|that one|option \w+|the (?:first|second|latter|former))\b`,
  String.raw`^(?:looks good|sounds good|lgtm|perfect|great),? let'?s (?:do|go with|use|keep) (?:that|it|this)\b`,
  String.raw`^(?:agreed|lgtm|deal|approved|yes,? (?:let'?s|go|do)|sounds good,? (?:let'?s|go|do)|go with (?:that|it|this|option|the (?:first|second|latter|former)))`,
  String.raw`^(?:sí|si|vale|de acuerdo|perfecto|sim|certo|combinado|fechado|oui|d'accord|parfait|ok|va bene|d'accordo|perfetto|ja|genau|einverstanden|passt|prima|akkoord|tak|zgoda|ок|да|согласен|договорились|はい|了解|いいね|それで|好的|可以|就这样|同意|네|좋아요|그렇게)[\s,!.]*.*(?:usa|usemos|hazlo|vamos|adelante|faz|vai de|vamos nessa|fais|allons|on part|fallo|andiamo|mach|machen wir|nehmen wir|doe|gaan we|rób|zróbmy|делай|давай|берём|そうしよう|それでいこう|就这么办|就用|那样做|그렇게 하자|그걸로)`,
];

/** The agent proposing something the person can accept or correct. */
export const PROPOSAL_RE = compile([
  String.raw`\b(?:i(?: suggest| propose| recommend| would|'d| can| could)|we (?:could|should|can)|how about|what about|option [a-z0-9]|my (?:suggestion|proposal|recommendation)|proposal(?: for)?|suggestion|recommendation|options?:|let'?s|the (?:simplest|safest|cleanest) (?:is|would be)|two options|three options)\b`,
  String.raw`\b(?:propongo|propondría|sugiero|sugeriría|puedo|podría|sugiro|proponho|proporia|sugeriria|posso|poderia|je propose|je suggère|je partirais|je peux|je pourrais|proporrei|suggerisco|suggerirei|potrei|ich schlage vor|ich würde|ich kann|ich könnte|ik stel voor|ik zou|ik kan|proponuję|zaproponowałbym|mogę|mógłbym|предлагаю|предложил бы|могу|можно)\b`,
  'でどうでしょう', 'どうでしょう', 'はいかが', '提案', '建议', '我建议', '可以', '要不要', '제안', '어떨까요', '할까요', '어때요',
]);
export const PROPOSAL = { test: (s: string) => any(PROPOSAL_RE, s.toLowerCase()) };

/** A correction of a value or choice the agent proposed: "no, not 5 — exactly 7", "no — use X". */
export const CORRECTION = [
  String.raw`^(?:no|nope|nah|not quite|wrong|actually|hmm,? no)\b[\s,.!—–-]*(?:not|it'?s|it should be|make it|make|put|go|set|change|use|we use|we want|exactly|keep|instead|rather)\b`,
  String.raw`\bnot \S+[\s,—–-]+(?:but |it'?s |make it |use |exactly |rather |instead )?(?:exactly |use )?\S+`,
  String.raw`^(?:no|nah|nope|nein|non|não|nee|nie|нет|いいえ|いや|不|不是|아니요|아뇨|아니)[\s,.!、，—–-]*\S`,
];

export const R = {
  norm: compile(NORM),
  team: compile(TEAM),
  decided: compile(DECIDED),
  label: compile(LABEL),
  modal: compile(MODAL),
  question: compile(QUESTION_LEAD),
  hypothetical: compile(HYPOTHETICAL),
  request: compile(REQUEST),
  task: compile(TASK_VERB),
  symptom: compile(SYMPTOM),
  chat: compile(CHAT),
  accept: compile(ACCEPT),
  correction: compile(CORRECTION),
};

export const any = (res: RegExp[], s: string) => res.some((r) => r.test(s));

/** Words that say what follows lasts beyond the task: "for the future", "general thing", "y para el futuro", "на будущее". */
export const LASTING_LEAD = String.raw`(?:for the future|for later|for the rest|going forward|in general|generally|general thing|as a general rule|heads up(?: for later| for the future)?|para el futuro|pour la suite|pour l'avenir|in generale|per il futuro|in futuro|generell(?: gilt(?: bei uns)?)?|im allgemeinen|für die zukunft|in het algemeen|voor de toekomst|na przyszłość|ogólnie|на будущее|в целом|daqui (?:pra|para) frente|para o futuro|no geral)`;

export const LEAD_ONLY = new RegExp(String.raw`^(?:(?:and|also|but|oh|btw|y|e|et|und|en|a|и|а)[,\s]+)?(?:fyi|note|remember|${LASTING_LEAD})[:,]?$`, 'iu');

/** "remember (that) …", "note: …", "keep in mind …", "for the future: …": what follows is told as a rule. */
export const REMINDER = new RegExp(
  String.raw`^(?:(?:and|also|oh|btw|but|y|e|et|und|en|a|и|а|so|ok|okay|please)[,\s]+)?(?:(?:write|note|jot|put) down (?:the|this|our|a) (?:decision|rule|convention|policy)|record (?:the|this|our) (?:decision|rule)|remember|note|keep in mind|don't forget|fyi|reminder|recuerda|lembre(?:-se)?|n'oublie pas|ricorda|denk daran|vergiss nicht|onthoud|pamiętaj|помни|не забудь|忘れないで|记住|기억해|${LASTING_LEAD})(?![\p{L}])[:,]?\s*(?:that\s+|que\s+|dass\s+|dat\s+|che\s+)?`,
  'iu',
);

/** The same told in the languages without spaces, anywhere in the sentence: "另外以后…", "今後は…". */
export const LASTING_CJK = /(?:另外以后|^以后|以后(?:都|所有|新|一律)|今後は|これからは|앞으로는?)/u;

/** Generality: a norm that holds beyond this task (every, whenever, anywhere, otherwise, without asking…). */
export const GENERAL = compile([
  String.raw`(?!(?:every|each|cada|ogni|chaque|jede[nrs]?|elke|iedere|każd\p{L}*|кажд\p{L}*) (?:night|day|morning|evening|hour|week|month|noche|día|dia|mañana|notte|giorno|mattina|nuit|jour|matin|nacht|tag|morgen|dag|noc|dzień|rano|ночь|день|утро|час)\b)\b(?:every|each|cada|ogni|chaque|jede[nrs]?|elke|iedere|każd\p{L}*|кажд\p{L}*)\b`,
  String.raw`\b(?:all|any|anything|everything|anywhere|everywhere|whenever|no one|nobody|everyone|otherwise|without asking|unless|new (?:endpoints?|code|files?|tables?|routes?|modules?|services?|dependencies|flags?))\b`,
  String.raw`\b(?:todos?|todas?|cualquier|siempre que|nadie|toda|qualquer|sempre que|ninguém|tous|toutes|n'importe|personne|tutti|tutte|tutto|tutta|tout|toute|qualsiasi|nessuno|alle|immer wenn|niemand|wszystk\w*|nikt|все|всё|всех|любой|никто)\b`,
  String.raw`\b(?:nuev[oa]s|nov[oa]s|nouveaux|nouvelles|nuov[ie]|neue[nrs]?|nieuwe|nowe|новые|na overleg|nach rücksprache|sin consultar|sem consultar|sans demander|senza chiedere|bez konsultacji|без согласования)\b`,
  '所有', '全部', '任何', 'すべて', '全て', '모든', '新しい', '新的', '새로운', '否则', '新写的', '新接口', '새 ', '都(?!是)',
]);

/** How the project does things: habitual verbs of a norm ("go in", "live next to", "follow", "owns", "stays out"). */
export const NORM_VERB = compile([
  String.raw`\b(?:follow|follows|live|lives|go in|goes in|go into|go under|stay|stays|belong|belongs|owns|carry|carries|comes? from|get committed|are read|is read|go through|goes through|excludes?|starts? at|is frozen|are frozen|is read-only|are read-only|may not|doesn't pass review|does not pass review|blocks the merge|not allowed|off the table|is a mistake|keep it that way|(?:is|are) off[- ]limits|(?:is|are) out of bounds|hands off|we support|we keep|we roll back|applies everywhere|full stop|is the policy|that's the policy|that's settled|is settled|are capped|is capped|are stored|is stored|are kept|is kept)\b`,
  String.raw`\b(?:sont stockés|est stocké|sont gardés|se guardan|são guardados|são armazenados|sono salvati|vengono salvati|werden gespeichert|wird gespeichert|worden opgeslagen|wordt opgeslagen|są przechowywane|хранятся|van|vai|fica|ficam|vão|quedan?|se guardan?|se guarda|suivent|suit|vont|restent?|stanno|vanno|si leggono|non si tocca|gehören|gehört|bleiben|bleibt|gilt|hoort|horen|blijven|obowiązuje|хранятся|храним|принято|congelada|congelado|zamrożone|gelé|gelée|eingefroren)\b`,
  String.raw`\b(?:usiamo|usamos|usemos|utilisons|gebruiken we|używamy|используем|seguono|siguen|seguem|folgen|volgen|stosujemy)\b`,
  '一律', '都用', '都放', '放在', 'ルールです', '금지', '으로만',
]);

/** Words of a symptom: what the code does wrong. */
export const FAILURE = compile([
  String.raw`\b(?:fails?|failed|failing|hangs?|hung|crash(?:es|ed)?|breaks?|broke|broken|overcounts?|undercounts?|never (?:returns?|picks?|prints?|finishes|completes|loads|starts|stops|gets|shows|fires|runs|works|ends|closes|responds|terminates|exits)|always (?:fails?|returns?|complains?|crashes|overcounts?|undercounts?|hangs?|times? out|shows?|gets?)|times? out|timed out|stick(?:s)? around|show(?:s)? up as|come(?:s)? out (?:in|as)|since (?:this morning|yesterday|today|the deploy|the upgrade)|flaky|flakes|stack ?trace|traceback|throws?|errors? out|off by|(?:is|are|was|were) (?!going\b|being\b)[a-z]+ing|even (?:for|when|if|on|with)|complains?|complaining|confus(?:es|ing)|resets?|never (?:persists?|happens|seen|understood)|happens (?:only|on|when)|doesn't work|does not work|not working|stopped working|even though|seems (?:off|wrong|broken)|which seems|twice|(?:every|each) single time|(?<!\bwhen (?:the |a |an )?\p{L}+ )reconnect(?:s|ed)?|crash(?:es)?|se reconnecte|reconecta|wysypuje|переподключ\p{L}*|is ignored|are ignored|anyway|go(?:es)? wrong|salen? mal|dá errado|dão errado|tourne mal|va storto|geht schief|gaat mis|idzie źle|идёт не так|fills? up|se llenan?|se remplit|si riempie|läuft voll|loopt vol|zapełnia|заполняется|only when you|when you (?:filter|click|open|press|scroll|type|load|submit|rotate|log in|sign in)|nie kończy|не заканчивается|no termina|não termina|ne se termine|non finisce|nie fertig|but i (?:can'?t|cannot|can not|don'?t|couldn'?t)|i (?:can'?t|cannot|can not|couldn'?t) (?:find|see|get|figure|reproduce)|schlagen|fehl|падают|fallan|échouent|falham|falliscono|falen|is red|are red|is lost|are lost|stuck|kills?|explodes?|keeps? [a-z]+ing|weirdly|never (?:arrives?|expires?|includes?|runs?|fires?|reaches|shows?|loads?|triggers?|renders?|updates?)|(?:don'?t|doesn'?t|won'?t|isn'?t|aren'?t) (?:show|work|load|run|fire|appear|reach|render|trigger|compile|build|start|get|pick)|(?:are|is) (?:slow|huge|wrong|empty|missing|null|nil|undefined))\b`,
  String.raw`\b(?:stopped building|complain(?:s|ed)? that|reclam(?:ou|aram|am|a|an|ó|aron)|se pla(?:int|ignent)|se quej(?:a|an|ó|aron)|beschwer(?:t|en) sich|klagen|lamentano|si lamenta|narzekają|жалуются|falla|fallan|se cuelga|rompe|falha|travou|trava|échoue|plante|fallisce|si blocca|schlägt fehl|bricht|hängt|stürzt|faalt|hangt|crasht|pada|zawiesza|padają|падает|виснет|ломается|не работает|ab\b)`,
  String.raw`\b(?:should|zou|sollte|debería|deveria|devrait|dovrebbe|powinien|должен)\b.*\b(?:but|maar|aber|pero|mas|mais|ma|ale|но)\b`,
  String.raw`^(?:the |l'|la |le |o |a |die |de |het )?(?:app|appli|application|aplicación|aplicativo|aplikacja|applicatie|applicazione|приложение)(?![\p{L}]).*(?:never|always|jamais|toujours|nunca|siempre|sempre|mai|nie|nooit|altijd|immer|zawsze|nigdy|никогда|всегда)`,
  // A measurement, not a norm: "Each request takes 2 seconds" (a rule says "at most", "must", "times out after").
  String.raw`(?<!(?:must|should|may|to|never) )\btakes? (?:about |around |roughly |like |almost |nearly |over |more than )?\d+(?:[.,]\d+)? ?(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hours?)\b`,
  // Dies, too early or too late, on some of them, must be wrong: what the code does, observed.
  String.raw`\b(?:dies|died|dying|must be (?:wrong|broken|off|buggy|a bug|missing)|\d+ ?(?:ms|s|seconds?|minutes?|mins?|hours?|days?) (?:too )?(?:early|late)|too (?:early|late)|trop (?:tôt|tard)|zu (?:früh|spät)|te (?:vroeg|laat)|demasiado (?:pronto|tarde)|(?:cedo|tarde) demais|troppo (?:presto|tardi)|za (?:wcześnie|późno)|слишком (?:рано|поздно)|(?:on|for|in|at) some(?! of the time)|auf manchen|bei manchen|in manchen|bei einigen|en algun[oa]s|em algun[sm]|em algumas|sur certaine?s|su alcun[ie]|op sommige|bij sommige|na niektórych|w niektórych|на некоторых|в некоторых|у некоторых)\b`,
  // A typo reported, not a rule about typos: "Typo in `deploy --help`: 'enviroment'", "There's a misspelling on the login page".
  String.raw`^(?:(?:there'?s|there is|found|i found|i spotted|spotted|just saw|small|minor) )?(?:an? )?(?:typo|misspelling|spelling (?:error|mistake))s? (?:in|on|at)\b`,
  String.raw`^(?:(?:ein|kleiner|une|petite|un|uma|pequeno|pequeña|een|kleine|небольшая) )?(?:tippfehler|schreibfehler|faute de frappe|coquille|error tipográfico|errata|erro de digitação|errore di battitura|refuso|literówka|опечатка|typfout|tikfout) (?:in|im|in der|dans|en|em|no|na|nel|nella|w|we|в|op)\b`,
  // Confusion, choking, a mixed state: "clients are confused when they get 415 vs 400", "Excel's import chokes on it",
  // "die Kommentare sind halb deutsch, halb englisch" (what is wrong now, not how it must be).
  String.raw`\b(?:(?:are|is|get|gets|got|were|was) confused|confus(?:es|ing) (?:users|clients|people|customers|everyone)|chok(?:es|ed|ing)? on|half \p{L}+,? half|halb \p{L}+,? halb|moitié \p{L}+,? moitié|mitad \p{L}+,? mitad|metà \p{L}+,? metà|metade \p{L}+,? metade|pół \p{L}+,? pół|наполовину \p{L}+,? наполовину)\b`,
  // Shown twice, drawn over each other, marked wrong, signed out again and again: what the screen does now, observed.
  String.raw`\b(?:(?:appears?|show(?:s|n)? up|shows?|are shown|is shown|listed|stand|stehen|steht|staan|staat|aparecen|aparece|aparecem|apparaissent|appara[iî]t|compaiono|compare) (?:as )?(?:duplicated|duplicate|doubled|twice|doppelt|dubbel|duplicad[oa]s?|en double|doppi[ea]?|dwa razy)|отображаются [^.]{0,30}дважды|overlap(?:s|ping)? on|(?:are|is) marked wrong|gets? (?:signed|logged) out every|gets? saved over each other)\b`,
  // Lost or gone: "bids placed in the last second are lost", "se pierden", "verschwinden", "消えます".
  String.raw`\b(?:get lost|gets lost|go missing|goes missing|disappears?|vanish(?:es)?|se pierden?|se perd(?:em|e)|somem|se perdent|disparaissent|dispara[iî]t|si perdono|si perde|spariscono|scompaiono|verschwinden|verschwindet|gehen verloren|geht verloren|verdwijnen|verdwijnt|gaan verloren|raken kwijt|znikają|znika|giną|теряются|теряется|пропадают|пропадает|исчезают)\b`,
  '消え', '消失', '不见', '사라져', '사라집니다',
  '少了', '少最后', '丢失', '丢了', '잃어버', '누락', '빠집니다', '빠져', '안 됩니다', '안 돼요', '落ち', '失敗', '止まる', '返らない', '报错', '失败', '崩溃', '卡住', '不返回', '一直不', '실패', '멈춰',
]);

/** Opinions and musings: the speaker's taste, not the team's rule. */
export const OPINION = compile([
  String.raw`\b(?:honestly|i think|i feel|i guess|i believe|i suspect|in my opinion|imo|imho|personally|i(?:'ve| have) never liked|i (?:love|hate|like|dislike)|is always (?:a |fun|tricky|painful|annoying|hard)|are always (?:fun|tricky|painful|annoying|hard)|tricky bit|holy war|fun to read|long day|lol|haha|lmao)\b`,
  String.raw`\b(?:nunca me gust[óo]|nunca gostei|je n'ai jamais aimé|ich glaube|hab(?:e)? ich nie gemocht|ik denk|credo che|non mi è mai piaciut[oa]|nigdy nie lubiłem|никогда не любил|creo que|me parece|en mi opinión|acho que|na minha opinião|je pense|à mon avis|secondo me|penso che|mah|ich finde|meiner meinung|ik vind|volgens mij|moim zdaniem|myślę|по-моему|я думаю|мне кажется|больная тема)\b`,
  '思う', 'と思います', '我觉得', '我认为', '생각', '것 같',
]);

/** How the speaker finds something, not how the project does it: "always the worst", "sempre un casino", "immer ein Albtraum". */
export const EVALUATIVE = compile([
  String.raw`\b(?:the worst|worst|nightmare|a pain|painful|a mess|a minefield|fun|tricky|(?:is|are) fine(?=[.!]?$)|more work than|bites? (?:you|us)|sounds? (?:great|good|nice) in|you think|reading datasheets|so verbose|is nice|are nice)\b`,
  String.raw`\b(?:jaja|jeje|jajaja|haha|hehe|kkk+|mdr|ahah|xd)\b`, String.raw`\b(?:peor(?:es)?|pesadilla|un lío|pire|cauchemar|galère|un casino|incubo|albtraum|nervig|lastig|vervelend|koszmar|кошмар|ад|боль)\b`,
  String.raw`\b(?:un dolor|dor de cabeça|a headache|weird|strange)\b`,
  // "more stressful than it looks": how it feels, in every language.
  String.raw`\b(?:than (?:it|they) (?:looks?|seems?|sounds?)|than you(?:'d)? (?:think|expect)|de lo que (?:parece|parecen|crees)|do que parece|qu'on ne (?:le )?croit|qu'il n'y para[iî]t|di quanto (?:sembri|sembra|sembrino)|als es aussieht|als man denkt|dan het lijkt|dan je denkt|niż się wydaje|чем кажется)\b`, '思ったより', '比看起来', '생각보다', '最悪', '面倒', '麻烦死', '头疼', '奇怪', '很怪', '최악', '골치', 'ㅋㅋ', '哈哈', '笑',
]);

/** A story of what happened, not how things are done: "We had 3 incidents last week", "our staging DB got wiped last night". */
export const STORY = compile([
  String.raw`\b(?:last (?:week|night|month|year|sprint|friday|monday|release|time)|yesterday|this morning|earlier today|(?:days?|weeks?|hours?|months?) ago)\b`,
  String.raw`^(?:we|i|they|someone|somebody|nobody|no one|everyone) (?:had|got|saw|hit|lost|ran|noticed|found|tried|broke|shipped|deployed|merged|pushed|did|made|took|went|\p{L}+ed)\b`, String.raw`\b(?:was|were) down\b|\bwent (?:dead|down)\b|\bmissed \d+`,
  String.raw`\b(?:la semana pasada|ayer|anoche|semana passada|ontem|la semaine dernière|hier|la settimana scorsa|ieri|letzte woche|gestern|vorige week|gisteren|w zeszłym tygodniu|wczoraj|на прошлой неделе|вчера)\b`, '先週', '昨日', '上周', '昨天', '지난주', '어제',
]);

/** Deixis of the task at hand: this time, for now, this function, the failing test… */
export const TASK_DEIXIS = compile([
  String.raw`\b(?:this time|for now|right now|today|for the moment|in this (?:script|function|file|method|class|test|pr|change|branch|commit|ticket|loop|module)|this (?:function|script|loop|test|file|one)|the (?:failing|flaky|last|new) |the readme|just get|so it doesn't|so that it|instead of raising|(?<!we )change it|write that|a test for it|and tell me|for the import job|only change|i want to see|esta vez|desta vez|cette fois|(?<!partir de |ab |od |от |d'ora in |da ora in |da adesso in )(?:agora|ahora|maintenant|adesso|jetzt|teraz|сейчас)|questa volta|diesmal|dit keer|deze keer|tym razem|while you'?re|while i'?m|just the|should(?:n't| not| never) have|you write)\b`,
  String.raw`\b(?:este test|esta función|este teste|essa função|esse teste|ce test|cette fonction|le test qui|questo test|questa funzione|il parser|diesen test|diese funktion|die funktion|deze test|deze functie|ten test|tę pętlę|tę funkcję|этот тест|эту функцию|флапающий)\b`,
  String.raw`в этот раз`, 'このテスト', 'この関数', '今回', '这个函数', '这个测试', '这次', '이 함수', '이 테스트', '이번에',
]);

/** A function's behaviour, required: "slugify must reject empty input", "dumps should return bytes". */
export const BEHAVIOUR = /^\S+\s+(?:must|should|has to|needs to|shall)\s+(?:not\s+)?(?:reject|return|accept|handle|raise|throw|validate|parse|ignore|skip|emit|print|compute|produce|yield|output|allow|refuse|escape|strip|trim|sort|render)\b/iu;

/** A norm from now on: the strongest sign of a lasting rule, in every language. */
export const FROM_NOW_ON = compile([
  String.raw`\b(?:from now on|going forward|henceforth|from here on|a partir de ahora|de ahora en adelante|a partir de agora|daqui (?:para|pra) frente|désormais|à partir de maintenant|d'ora in poi|da ora in poi|da adesso in poi|ab jetzt|ab sofort|künftig|voortaan|vanaf nu|od teraz|od tej pory)\b`,
  'отныне', 'впредь', 'с этого момента', '今後', 'これからは', '从现在起', '今后', '以后都', '앞으로',
]);

/** A generic subject and a habitual verb: "Commit messages follow…", "Tests live next to…", "Money is integer cents". */
export const DECLARATIVE = compile([
  // es, pt, fr, it, de, nl, pl: a noun phrase (no pronoun first) and a copula or habitual verb within a few words.
  String.raw`^(?!(?:yo|tú|él|ella|eso|esto|eu|você|ele|isso|isto|je|tu|il|elle|ça|cela|io|lui|lei|questo|quello|ich|du|er|sie|es|das|dies|ik|jij|hij|zij|het|dat|ja|ty|on|ona|to)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()-]*(?: [\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()-]*){0,5} (?:son|van|se guardan|se escriben|usan|são|vão|ficam|seguem|usam|sont|vont|suivent|restent|utilisent|sono|vanno|stanno|seguono|usano|sind|kommen|gehören|folgen|bleiben|werden|zijn|gaan|horen|volgen|blijven|worden|są|idą|trafiają|używają|siguen|pasan|tienen|llevan|vienen|sirven|corren|retornan|devuelven|passam|têm|levam|vêm|servem|rodam|retornam|devolvem|passent|ont|portent|viennent|servent|tournent|renvoient|passano|hanno|portano|vengono|servono|girano|restituiscono|haben|tragen|brauchen|nutzen|lesen|laufen|liefern|hebben|krijgen|dragen|lopen|draaien|geven|staan|liggen|zitten|stehen|liegen|mają|dostają|przechodzą|leżą|działają|zwracają)\b`,
  // the same with a singular subject: "Jeder Merge braucht…", "Elke nieuwe endpoint krijgt…", "Toda tabela nova tem…"
  String.raw`^(?:tod[oa]|cada|chaque|tout|toute|ogni|jede[rsn]?|elke|iedere?|każd[yae]|toda)\s[\p{L}\p{N}\x60_'./()-]+(?: [\p{L}\p{N}\x60_'./()-]+){0,4} (?:tiene|lleva|pasa|va|usa|debe|tem|leva|passa|vai|usa|deve|a|porte|passe|va|utilise|doit|ha|porta|passa|va|usa|deve|hat|braucht|trägt|bekommt|geht|nutzt|muss|heeft|krijgt|draagt|gaat|gebruikt|moet|ma|dostaje|przechodzi|idzie|używa|musi)\b`,
  // A definite plural as a generic subject: "Les services internes communiquent…", "Los modelos se suben…", "I file in `vendor/` non si toccano".
  String.raw`^(?:les|nos|tous les|toutes les) [\p{L}\x60_'./-]+(?: [\p{L}\x60_'./-]+){0,3} (?:ne |n')?(?:se |s')?\p{L}{3,}ent\b`,
  String.raw`^(?:los|las|todos los|todas las|nuestros|nuestras|os|as|todos os|todas as|nossos|nossas) [\p{L}\x60_'./-]+(?: [\p{L}\x60_'./-]+){0,3} (?:no |não )?(?:se )?\p{L}{3,}(?:an|en|am|em)\b`,
  String.raw`^(?:i|gli|le|tutti i|tutte le|i nostri|le nostre) [\p{L}\x60_'./-]+(?: [\p{L}\x60_'./-]+){0,3} (?:non )?(?:si )?\p{L}{3,}(?:ano|ono)\b`,
  // The object first and the team's verb: "Zeitstempel speichern wir in UTC", "Логи пишем в JSON", "Sekrety trzymamy w Vault".
  String.raw`^[\p{L}\x60_-]+(?: [\p{L}\x60_-]+){0,3} \p{L}{3,}en wir\b`, String.raw`^[\p{L}\x60_-]+(?: [\p{L}\x60_-]+){0,2} \p{L}{2,}(?:ем|им|amy|emy|imy|ymy|amos|emos|imos|iamo)(?![\p{L}])`,
  // ja / ko: a topic and a plain or polite present ("金額は…で持ちます。", "테스트 파일은 코드 옆에 둡니다.").
  String.raw`^[^。、？?]{1,30}(?:は|では)[^。？?]*(?:ます|ません|です|ない|する|使う)[。.]?$`, String.raw`^[^.?？]{1,30}(?:은|는|에는|에서는|끼리는)\s[^.?？]*니다[.。]?$`,
  // de / nl with a singular subject.
  String.raw`^(?!(?:ich|du|er|sie|es|das|dies|ik|jij|hij|zij|het|dat)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()-]*(?: [\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()-]*){0,4} (?:läuft|geht|kommt|hat|wird|steht|gehört|bleibt|nutzt|liegt|draait|loopt|gaat|komt|heeft|wordt|staat|hoort|blijft|ligt|gebruikt)\b`,
  String.raw`^[\p{L}\p{N}\x60_ ]{2,40}\s[—–-]\s*это\s`,
  // zh: a statement with no person first, no question, no request ("内部服务之间走 gRPC，…", "日志里不能出现手机号…").
  String.raw`^(?![我你他她请帮麻烦能可为怎])(?=[^，,]*\p{Script=Han})[\p{Script=Han}\x60A-Za-z0-9_/ .-]{2,}[，,][^？?吗呢]*[。.]?$`,
  // ru: a subject and a present verb of a norm, reflexive-passive included ("Конфиг читается только из…", "Тесты лежат рядом с кодом").
  String.raw`^[\p{L}\p{N}\x60_'./()-]+(?: [\p{L}\p{N}\x60_'./()-]+){0,4} (?:лежат|лежит|хранятся|хранится|идут|идёт|живут|живёт|пишутся|пишется|читается|читаются|меняется|меняются|делается|делаются|проходят|проходит|используют|используется|должны|должен|должна)(?![\p{L}])`,
  String.raw`^(?:the |our |all |every |new |any )?(?!(?:it|this|that|these|those|i|you|he|she|they|there|here|what|which|make|add|write|build|show|refactor|replace|set|run|get|put|move|change|fix|create|update|remove|find|check|give|wire|call|split|let|please|can|could|would)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()<>{}-]*(?: (?!(?:is|are)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()<>{}-]*){0,5} (?:is|are|follow|follows|live|lives|go|goes|stay|stays|carry|carries|uses?|needs?|gets?|comes?|belongs?|excludes?|includes?|owns?|starts?|must|may|only)\b`,
]);

/**
 * A generic subject and a present-tense habit, in English: "Tests never talk to the real Stripe API", "Library code never
 * calls `process.exit`", "Staging mirrors prod config". Not a pronoun, a task verb or a request first.
 */
export const HABITUAL = /^(?:the |our |all |every |each |new |any |no )?(?!(?:it|its|this|that|these|those|i|i'm|you|your|he|she|they|there|here|what|which|we|us|someone|somebody|anyone|something|everything|if|when|can|could|should|would|do|does|did|don't|let|let's|please|just|now|then|so|and|but|or|also|maybe|make|add|write|build|show|refactor|replace|set|run|use|get|put|keep|move|change|fix|create|update|remove|find|check|give|wire|call|split)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()<>{}-]*(?: (?!(?:is|are|we|you|i)\b)[\p{L}\p{N}\x60_][\p{L}\p{N}\x60_'./()<>{}-]*){0,4} (?:never|always|only|don't|doesn't|do not|does not|can't|cannot|talk|talks|call|calls|point|points|mirror|mirrors|support|supports|win|wins|count|counts|default|defaults|respect|respects|validate|validates|speak|speaks|store|stores|expose|exposes|require|requires|sit|sits|happen|happens|has|have)\b/iu;

/** A ban: "No `console.log` in committed code", "nada de cadenas a pelo", "keine Config-Dateien im Repo", "никаких глобальных синглтонов". */
export const BAN = compile([
  String.raw`(?:^|[,:]\s*)(?:no|nothing|nada de|ningún|ninguna|nenhum|nenhuma|keine?n?|kein|aucun|aucune|pas de|nessun[oa]?|niente|geen|żadn\w+|никаких|никакой|никакие)\s+(?!(?:luck|idea|worries|worry|problem|problems|need|rush|way|clue|errors?|change|changes|changed|difference|output|matches|response|one|longer|more|matter|big deal|doubt|wonder|sé|idea|happens|works|shows)\b)[\p{L}\x60."'@#/]`,
  String.raw`^(?:under no circumstances|on no account|en ningún caso|em nenhuma hipótese|en aucun cas|in nessun caso|auf keinen fall|unter keinen umständen|in geen geval|pod żadnym pozorem|ни в коем случае)\b`,
  '不加', '不用', '禁止', '하지 않습니다', '않습니다', '使いません', 'しない',
]);

/** What a rule specifies: a value it is not, an exception, a default or limit, a casing or format ("3 projects, not 5", "except `ffi-sys`", "max 200", "PascalCase"). */
export const SPECIFIED = compile([
  String.raw`,\s+(?:not|no|não|nicht|niet|nie|не|pas)\s+[^,;.]{1,30}[.!]?$`, String.raw`\bnot (?:a |an |the |in |from )?[\p{L}\p{N}\x60_./-]+(?:\s*\([^)]*\))?\s*[.!]?$`,
  String.raw`\b(?:rather than|instead of|except(?: for)?|regardless of|at minimum|at most|at least|max(?:imum)? \d|by default|per (?:api key|ip|tenant|user|request|environment|env|service|line|file|experiment|component|plan|account|team|customer|region|module|package)|one \w+ per|no (?:new |more |sqlite|giant|direct))\b`,
  String.raw`\bnames? (?:are|follow|start|end|use)\b|\b(?:are|is) (?:prefixed|suffixed)\b`,
  String.raw`\b(?:exactly|precisely|precies|genau|exactement|esattamente|exactamente|dokładnie|ровно)\b`, String.raw`\b(?:cap|limit|timeout|default|maximum|minimum|floor|ceiling|ttl|threshold|quota)s? (?:is|are) (?:\d|\x60)`, String.raw`\bcounts? as\b`,
  String.raw`\b(?:snake_case|camelcase|pascalcase|kebab-case|screaming_snake|upper_snake|utc|iso[- ]?8601|utf-8|semver|conventional commits?|rfc ?\d+|integer cents|cents|half-even|lowercase|uppercase)\b`,
  String.raw`\b(?:en lugar de|em vez de|au lieu de|invece di|statt|anstatt|in plaats van|zamiast|вместо|excepto|salvo|sauf|tranne|außer|behalve|oprócz|кроме|ausschließlich|uniquement|solamente|somente|soltanto|alleen|wyłącznie|исключительно)\b`,
  String.raw`,\s*а не\b`, String.raw`\bа не\b`, '代わりに', '而不是', '不是', 'じゃなくて', 'ではなく', '以外', '除了', '아니라', '대신', '제외',
]);

/** A rule under its topic: "CSS: tailwind utility classes only", "k8s manifests: every container sets…", "Pagination defaults: 50 items, max 200." */
export const TOPIC = /^(?!(?:context|background|error|errors|log|logs|output|note|q|question|bug|issue|problem|symptom|repro|steps|expected|actual|hi|hey|re|ps|edit|fyi|update|so|ok|also|then|result|results|trace|stack|warning|message|update)\s*:)[\p{L}\p{N}\x60_./ &-]{2,32}:\s+\S/iu;

/** A subject that holds for every one: "Each service has…", "Jeder Merge braucht…", "Toda tabela nova…", "모든 날짜는…". */
export const QUANTIFIED = /^(?:every|each|all|any|tod[oa]s?|cada|chaque|tou(?:te)?s?|tout|ogni|tutt[ie]|jede[rsn]?|alle|elke|iedere?|każd[yae]|wszystkie|каждый|каждая|каждое|все|любой)\s+(?!(?:of (?:you|them|us)|the|time|single|right|good|done|set)\b)\p{L}|^(?:모든|所有|每个|每一个|すべての|全ての)/iu;

/** What a present-tense norm is done to: "are resized server-side", "is partitioned by month", "are encrypted at the column level". */
export const PASSIVE = /\b(?:is|are) (?:\w+ly |not |never |always |only |all )?(?:[a-z]+(?:ed|en)|written|run|built|kept|made|sent|held|set|put|read|frozen|done)\b|\b(?:worden|wordt|werden|wird|son|são|sont|sono|vengono|są) (?:\p{L}+ )?(?:ge\p{L}+[td]|\p{L}+(?:ado|ada|ados|adas|ido|idos|idas|és|ées|ati|ate|iti|ite|ane|one|ywane))(?![\p{L}])/iu;

/** A reason that outlives the task: "…, to keep precision in JavaScript clients", "…, so we don't leak existence", "…; they can contain PII". */
export const REASON = compile([
  String.raw`,\s+(?:to (?:keep|avoid|prevent|make sure|stay|guarantee)|so (?:that )?(?:we|a deploy|clients|nobody|no one|everyone|the)|because (?:we|our|the team|clients|customers|auditors|legal|compliance))\b`,
  String.raw`,\s+(?:para (?:no|evitar|mantener|manter|garantizar|garantir)|pour (?:ne pas|éviter|garder|garantir)|per (?:non|evitare|mantenere|garantire)|um (?:nicht|zu vermeiden)|om (?:niet|te voorkomen))\b`,
  '保证', 'ために', '위해',
]);

/** An impersonal norm: "Non si fa mai push diretto", "ne se modifie pas à la main", "se nie edytuje", "no se escriben a mano". */
export const IMPERSONAL = /(?:^|\s)(?:no |non |ne |nie )?(?:se|si|się) (?:no |non |nie |ne )?\p{L}+(?:a|e|an|en|ano|ono|uje|ie)(?![\p{L}])|\p{L}{3,}(?:ется|ются|ится|ятся)(?![\p{L}])|(?:^|\s)не \p{L}{2,}(?:ют|ят|ут|ат)(?![\p{L}])|ことになって(?:い|お)/iu;

/** A first person plural in the present: the team's habit ("храним", "dodajemy", "guardamos", "salviamo"). */
export const WE_DO = compile([
  String.raw`^we (?:don'?t |do not |never |always |only |also )?(?!need|want|have|had|got|just|should|could|would|can|are|were|was|did|tried|saw|see|noticed|think|believe|might|may|will|went|still|found|get|know|hit|lost|ran)[a-z]{3,}(?<!ed)\b(?!\?)`,String.raw`\b\p{L}{3,}(?:amos|emos|imos|iamo|(?<!ti|si|tti)ons|emy|imy|ymy|jemy|amy|ем|им|аем|яем)\b`, String.raw`\b\p{L}{3,}en wir\b`, String.raw`(?:します|しません|です|ます|ません)[。.]?$`, String.raw`니다[.。]?$`]);

/**
 * A word of assent that opens a settled choice, as a person closes a discussion: "Alright, the audio guide is offline-first",
 * "Fine, we keep the monolith", "Na gut, wir behalten…", "Ладно, оставляем…", "じゃあ地図はMapboxで。", "那就这样，地图用 Mapbox。".
 */
const ASSENT_LEAD = new RegExp(
  String.raw`^(?:(?:ok(?:ay)?|alright|all right|right|fine|cool|good|great|vale|bueno|venga|beleza|tá|ta|fechou|bom|bon|d'accord|très bien|va bene|bene|d'accordo|na gut|gut|alles klar|also gut|oké|okay|prima|goed|nou|dobra|dobrze|okej|no dobra|ладно|хорошо|ну всё|ну все|ну ладно|ок|окей|итак)(?:[,:;—–]\s*|\s+[—–-]\s+)(?:(?:then|pues|pues nada|então|alors|allora|dann|to|тогда|значит)[,:]?\s+)?|(?:ok(?:ay)?|alright|right|fine|cool)\s+then[,:]?\s+|(?:じゃあ|では|よし|それなら|なら)、?|(?:行|好|好吧|可以)[，,]\s*(?:那就?|就)?|那就(?:这样)?[，,：:]?\s*|(?:좋아요|좋아|그럼|그러면|알겠어요)[,，]?\s+(?:그럼\s+)?)`,
  'iu',
);

/** The words after a word of assent, when the utterance opens with one ("Alright, the audio guide is offline-first." → "the audio guide is offline-first."). */
export function afterAssent(text: string): string | null {
  const m = ASSENT_LEAD.exec(text.trim());
  if (!m) return null;
  const rest = text.trim().slice(m[0].length).trim();
  return rest.length > 0 ? rest : null;
}

/** Said to last: always/never, from now on, every/all, a rule named as one. */
export function lastingIn(sentence: string): boolean {
  const lower = sentence.toLowerCase();
  return any(R.norm, lower) || any(FROM_NOW_ON, lower) || any(GENERAL, lower) || any(R.label, lower);
}

/**
 * A clause without its asides in parentheses: an aside qualifies a detail ("hosts in a BIG_HOSTS list (medium.com,
 * substack.com for now) get 10 per second"), so a request or the task's deixis in it does not make the clause the task at hand.
 */
export const withoutAsides = (lower: string): string => lower.replace(/\([^()]*\)/gu, ' ');

/** A clause that asks for the task at hand: a task verb first, a request marker, or this task's things (outside its asides). */
export function isTaskClause(clause: string): boolean {
  const lower = clause.trim().toLowerCase();
  const outside = withoutAsides(lower);
  return any(R.task, lower) || any(R.request, outside) || any(TASK_DEIXIS, outside);
}

/** A statement with something concrete in it: a number, an identifier, a path, code. */
export const SUBSTANCE = /\d|[A-Za-z]+_[A-Za-z0-9_]+|[a-z][A-Z]\w|\x60[^\x60]+\x60|\w\/\w|\b(?:only|exactly|never|always|must|instead|rather|default)\b/u;

/** "no, fine, I was just pressing fast. never mind": the person takes back what they said, correcting nothing. */
export const WITHDRAWN = /\b(?:never ?mind|nvm|forget it|forget about it|i was just|ignore (?:that|me)|olvídalo|deixa pra lá|laisse tomber|lascia perdere|vergiss es|laat maar|забудь)\b/iu;

/** A sentence that asks something: a question, or a clause that asks for the task at hand. */
export const asks = (sentence: string): boolean => /[?？]/u.test(sentence) || isTaskClause(sentence);

/** Whether any sentence of an utterance asks something (a request or a question, not a statement). */
export const asksSomething = (text: string): boolean => sentencesOf(text).some(asks);

/** Sentences of an utterance: split at sentence ends and line breaks, kept verbatim. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?。！？])\s+|(?<=[。！？])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
