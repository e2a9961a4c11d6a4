/**
 * The shape of an utterance without its topic, for the learned model (stated-rule-model.ts). Two readings:
 *
 * - `abstracted`: identifiers (snake_case, camelCase, dotted names, paths), `code`, URLs, quoted strings and
 *   numbers replaced by placeholder words, so "`retries` is capped at 5" and "`timeout_ms` is capped at 300"
 *   read alike;
 * - `shapeTokens`: the words of the abstracted text where only closed-class words are kept — pronouns,
 *   determiners, prepositions, conjunctions, auxiliaries and modals, negations, frequency and time adverbs,
 *   question words, discourse words and the few words a rule or a request is said with in every project (rule,
 *   convention, please, fix, add…), per language — and every other word becomes `·` (in Korean `·` and its
 *   last syllable, where the grammar sits; in Japanese the kanji and katakana runs become `·` and the kana
 *   between them, the particles and endings, stay; in Chinese the characters not in a short list of function
 *   characters become `·`).
 *
 * Why: the n-grams of the raw text learn the content words of the projects the dev files imagine (auction
 * hammers, ferries, blood banks); a new project has other content words, and its utterances are told in the
 * same closed-class frame.
 */

const words = (s: string) => s.split(/\s+/u).filter(Boolean);

/** Closed-class and cross-project words, per language (lower case); one set, since the languages rarely share a spelling that means another thing. */
const CLOSED = new Set<string>([
  // en
  ...words(`i me my mine we us our ours you your yours he him his she her it its they them their this that these those
  a an the some any no every each all both either neither none nothing everything something anything nobody everybody someone anyone one
  of in on at to from by for with without about into onto over under after before during until since between through per via than as like
  and or but nor so if unless because when whenever while where wherever whether then else otherwise also too only just even still already yet again instead except unless
  is are was were be been being am do does did done doing have has had having will would shall should can could may might must need needs needed ought
  not no never always usually often sometimes ever anymore don't doesn't didn't isn't aren't wasn't weren't won't wouldn't shouldn't can't cannot couldn't mustn't haven't hasn't let's let
  now today yesterday tomorrow later soon forward onwards going henceforth here there anywhere everywhere
  what which who whom whose why how
  yes yeah yep ok okay sure fine right alright thanks thank please sorry hmm hm well oh maybe perhaps probably actually really
  rule rules convention conventions policy standard default decided decide decision settled agreed team project repo codebase code task bug error fails failing broken crash issue
  fix add write make change update check show list run remove delete rename move use keep go stop try look tell explain find create`),
  // es
  ...words(`yo me mi mis mío nosotros nosotras nos nuestro nuestra nuestros nuestras tú te tu tus usted ustedes él ella ellos ellas le les lo la los las se su sus esto este esta estos estas ese esa eso aquel
  un una unos unas el al del algún alguno alguna ningún ninguno ninguna todo toda todos todas cada cualquier nada algo nadie alguien
  de en a por para con sin sobre entre hasta desde tras durante según hacia que como
  y o pero ni si porque cuando mientras donde entonces también solo sólo ya aún todavía además excepto salvo menos
  es son era eran ser sido estar está están estaba hay haber ha han he hemos había va van vamos voy tiene tienen tener hace hacen hacer debe deben debemos deber puede pueden podemos poder hay que necesitamos necesita
  no nunca siempre jamás ya más normalmente a veces
  ahora hoy ayer mañana luego adelante aquí allí
  qué cuál cuáles quién quiénes por qué cómo dónde cuándo
  sí vale bueno ok claro gracias porfa favor perdón pues vale venga bien
  regla reglas convención norma política decidido decidimos equipo proyecto repo código tarea error falla
  arregla añade agrega escribe cambia actualiza revisa muestra quita borra usa usamos mira dime`),
  // de
  ...words(`ich mich mir mein meine wir uns unser unsere du dich dir dein deine sie ihr ihre er ihn ihm es sein seine man dies diese dieser dieses das dass
  ein eine einen einem einer der die den dem des kein keine keinen jeder jede jedes alle alles nichts etwas niemand jemand
  von in im auf an am zu zum zur aus bei mit ohne über unter nach vor seit bis durch für gegen pro als wie
  und oder aber sondern wenn falls weil da dann sonst auch nur schon noch wieder statt außer sobald während wo
  ist sind war waren sein gewesen wird werden wurde wurden hat haben hatte hatten muss müssen soll sollen sollte kann können darf dürfen mag will wollen brauchen braucht
  nicht nie niemals immer meistens oft manchmal mehr
  jetzt heute gestern morgen später künftig ab hier dort
  was welche welcher wer warum wieso wie wo wann
  ja jo ok okay klar gut danke bitte sorry na also alles gut prima passt
  regel regeln konvention richtlinie entschieden team projekt repo code aufgabe fehler bug
  fix behebe füge schreib ändere aktualisiere prüfe zeig entferne lösch benutze nutze schau sag`),
  // fr
  ...words(`je me moi mon ma mes nous notre nos tu te toi ton ta tes vous votre vos il elle ils elles lui leur leurs se sa son ses on ce cet cette ces ça cela ceci
  un une des le la les l' du au aux aucun aucune chaque tout toute tous toutes rien quelque quelqu'un personne
  de d' en à dans sur sous par pour avec sans entre chez vers depuis pendant après avant jusqu'à selon comme que qu'
  et ou mais ni si s' quand lorsque parce puisque alors donc aussi seulement même encore déjà sauf plutôt
  est sont était être été a ont avait avoir fait faire va vont doit doivent devons devoir peut peuvent pouvons pouvoir faut il faut
  ne n' pas jamais toujours plus souvent parfois
  maintenant aujourd'hui hier demain désormais dorénavant ici là
  quoi quel quelle quels quelles qui pourquoi comment où quand
  oui ouais ok d'accord bon bien merci stp svp pardon bref alors
  règle règles convention politique décidé décision équipe projet repo code tâche bug erreur
  corrige ajoute écris change modifie mets vérifie montre supprime utilise regarde dis`),
  // pt
  ...words(`eu me mim meu minha meus minhas nós nos nosso nossa nossos nossas você vocês te teu tua ele ela eles elas lhe se seu sua seus suas isto isso este esta esse essa aquilo a gente
  um uma uns umas o a os as ao aos do da dos das no na nos nas num numa nenhum nenhuma todo toda todos todas cada qualquer nada algo ninguém alguém
  de em por para pra pro com sem sobre entre até desde após durante conforme como que
  e ou mas nem se porque quando enquanto onde então também só apenas já ainda além exceto menos
  é são era eram ser sido estar está estão estava há haver tem têm ter temos vai vão vamos faz fazer deve devem devemos pode podem podemos precisa precisamos
  não nunca sempre jamais mais normalmente às vezes
  agora hoje ontem amanhã depois daqui em diante aqui ali lá
  quê qual quais quem porquê por que como onde quando
  sim ok beleza claro valeu obrigado obrigada por favor desculpa bom bem fechou certo
  regra regras convenção política decidido decidimos equipe time projeto repo código tarefa erro bug
  corrige conserta adiciona escreve muda atualiza verifica mostra remove apaga usa usamos olha diz`),
  // it
  ...words(`io mi me mio mia miei noi ci nostro nostra nostri nostre tu ti tuo tua voi vostro lui lei loro gli le si suo sua suoi questo questa questi queste quello quella ciò
  un uno una il lo la i gli le l' del della dei degli delle al allo alla ai agli alle nel nella nei sul sulla nessun nessuno nessuna ogni tutto tutta tutti tutte niente nulla qualcosa qualcuno
  di d' a da in con su per tra fra senza sopra sotto dopo prima durante fino verso secondo come che
  e o ma né se perché quando mentre dove allora quindi anche solo soltanto già ancora inoltre tranne invece
  è sono era erano essere stato stata c'è ci sono ha hanno avere abbiamo va vanno fa fare deve devono dobbiamo può possono possiamo serve servono bisogna
  non mai sempre più spesso volte
  ora adesso oggi ieri domani d'ora in poi qui lì là
  cosa quale quali chi perché come dove quando
  sì ok va bene certo grazie per favore scusa dai allora bene
  regola regole convenzione politica deciso decisione team progetto repo codice compito bug errore
  correggi aggiungi scrivi cambia aggiorna controlla mostra rimuovi elimina usa usiamo guarda dimmi`),
  // nl
  ...words(`ik me mij mijn wij we ons onze jij je jou jouw u uw hij hem zijn zij ze haar het hun dit dat deze die men
  een de geen elk elke ieder iedere alle alles niets iets niemand iemand
  van in op aan naar uit bij met zonder over onder na voor sinds tot door per als dan
  en of maar want omdat wanneer als terwijl waar dus ook alleen pas al nog weer behalve tenzij zodra
  is zijn was waren wordt worden werd werden heeft hebben had hadden moet moeten zal zullen zou kan kunnen mag mogen wil willen hoeft nodig
  niet nooit altijd meestal vaak soms meer
  nu vandaag gisteren morgen later voortaan vanaf hier daar
  wat welke wie waarom hoe waar wanneer
  ja ok oké prima goed top dank bedankt alsjeblieft graag sorry nou nee
  regel regels conventie afspraak beleid besloten team project repo code taak bug fout
  fix voeg schrijf verander pas update controleer toon laat verwijder gebruik gebruiken kijk zeg`),
  // ru
  ...words(`я меня мне мой моя мои мы нас нам наш наша наше наши ты тебя тебе твой вы вас вам ваш он его ему она её ее они их им это этот эта эти тот та те то себя свой
  весь вся всё все всех каждый каждая каждое любой никакой никаких ничего что-то никто кто-то
  в во на с со к ко по из от до для без о об при за под над через после перед между около вместо кроме как чем
  и или но а ни если потому когда пока где тогда также тоже только уже ещё еще снова даже
  есть быть был была было были будет будут является надо нужно нужен нужна должен должна должно должны можно может могут нельзя стоит
  не нет никогда всегда обычно часто иногда больше
  сейчас теперь сегодня вчера завтра потом впредь дальше здесь тут там
  что какой какая какие кто почему зачем как где когда ли
  да ок окей ладно хорошо спасибо пожалуйста извини ну ну всё давай понял
  правило правила соглашение политика решили решение команда проект репо код задача баг ошибка
  исправь добавь напиши поменяй обнови проверь покажи удали используй используем посмотри скажи`),
  // pl
  ...words(`ja mnie mi mój moja moje my nas nam nasz nasza nasze nasi ty cię ci twój wy was wasz on go jego mu ona jej oni one ich im to ten ta te tego tej tych się swój
  każdy każda każde wszystko wszyscy wszystkie żaden żadna żadne żadnych nic coś nikt ktoś
  w we na z ze do od dla bez o przy za pod nad przez po przed między około zamiast oprócz jak niż
  i oraz lub albo ale a ani jeśli jeżeli bo ponieważ kiedy gdy gdzie wtedy też także tylko już jeszcze znowu nawet
  jest są był była było były być będzie będą trzeba należy musi muszą musimy powinien powinna powinno powinny można może mogą nie wolno potrzebujemy
  nie nigdy zawsze zwykle często czasem więcej
  teraz dziś dzisiaj wczoraj jutro potem odtąd dalej tutaj tu tam
  co jaki jaka jakie kto dlaczego czemu jak gdzie kiedy czy
  tak ok okej dobra dobrze dzięki dziękuję proszę sorry no spoko
  reguła zasada zasady konwencja polityka zdecydowaliśmy decyzja zespół projekt repo kod zadanie błąd bug
  popraw dodaj napisz zmień zaktualizuj sprawdź pokaż usuń użyj używamy zobacz powiedz`),
  // ko (whole words that are closed-class)
  ...words(`우리 우리는 우리가 저희 저희는 저는 제가 나는 내가 너 당신 이 그 저 이것 그것 저것 이거 그거 여기 거기 모든 각 각각 어떤 아무 다 모두 전부
  항상 늘 언제나 절대 절대로 결코 안 못 않 더 이제 지금 오늘 어제 내일 앞으로 나중에 다시 또 이미 아직 그냥 좀 혹시 만약 만약에
  그리고 그런데 근데 하지만 그래서 그러면 그럼 또는 아니면
  뭐 무엇 무슨 어디 언제 왜 어떻게 누가 누구
  네 예 응 아니 아니요 좋아요 좋아 감사합니다 고마워요 고마워 알겠습니다 알겠어요 오케이 그래 그래요
  규칙 컨벤션 정책 결정 팀 프로젝트 코드 버그 에러 오류`),
]);

/** Chinese function characters and words (kept); every other Han character becomes `·`. */
const ZH_FUNCTION = new Set([
  ...'的了是在不要都也就还会能可以应该必须得需一律每所有各这那个些我你他她它们吧吗呢啊呀么把被给对从到跟和与或但而且如果因为所以就是用先再又才只别没无非永远总是一直从不每次以后今后之前现在今天昨天请帮谢好行嗯对吧哪什怎为何谁几'.split(''),
]);

const PLACEHOLDER = '·';

/** Identifiers, code, URLs, quotes and numbers → placeholder words (the text's case is kept; run before lower-casing). */
const ABSTRACT =
  /(https?:\/\/\S+)|(`[^`\n]*`)|("[^"\n]{1,120}"|“[^”\n]{1,120}”|«[^»\n]{1,120}»|„[^“”\n]{1,120}[“”])|((?:\.{0,2}\/)?[\p{L}\p{N}_.-]+(?:\/[\p{L}\p{N}_.-]+)+\/?)|(\b[A-Za-z_][A-Za-z0-9]*(?:\.[A-Za-z_]\w+)+(?:\(\))?)|(\b[A-Za-z0-9]*_[A-Za-z0-9_]+\b|\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[A-Z][a-z]+[A-Z][A-Za-z0-9]*\b)|(\d+(?:[.,:]\d+)*)/gu;
const NAMES = ['_url_', '_code_', '_q_', '_path_', '_dotted_', '_ident_', '_num_'];

/** The text with identifiers, code, URLs, quotes and numbers replaced by placeholder words (lower case). */
export function abstracted(raw: string): string {
  return raw
    .replace(ABSTRACT, (...m: unknown[]) => {
      for (let g = 1; g <= NAMES.length; g++) if (m[g] !== undefined) return ` ${NAMES[g - 1]!} `;
      return ' ';
    })
    .replace(/ {2,}/gu, ' ')
    .toLowerCase();
}

const TOKEN = /_[a-z]+_|[\p{L}\p{N}'’-]+|[?？!！:：;,，、.。…()（）-]/gu;
const HAN = /\p{Script=Han}/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;

/** The closed-class frame of an abstracted utterance, as tokens (see the file's comment). */
export function shapeTokens(abstract: string, suffix = false): string[] {
  const out: string[] = [];
  const push = (t: string) => {
    if (t === PLACEHOLDER && out[out.length - 1] === PLACEHOLDER) return;
    out.push(t);
  };
  const japanese = KANA.test(abstract);
  for (const tok of abstract.match(TOKEN) ?? []) {
    if (/^_[a-z]+_$/u.test(tok) || /^[?？!！:：;,，、.。…()（）-]$/u.test(tok)) {
      push(tok);
      continue;
    }
    const t = tok.replace(/’/gu, "'");
    if (CLOSED.has(t)) {
      push(t);
      continue;
    }
    if (HANGUL.test(t)) {
      // The stem is content, the ending is grammar: keep the last syllable (…니다, …세요, …까요, …했어요 → 요).
      push(PLACEHOLDER);
      push(`~${t.slice(-1)}`);
      continue;
    }
    if (japanese && (HAN.test(t) || KANA.test(t))) {
      // Kanji and katakana runs are content; hiragana runs (particles, endings, auxiliaries) stay.
      for (const run of t.match(/\p{Script=Hiragana}+|[^\p{Script=Hiragana}]+/gu) ?? []) push(/\p{Script=Hiragana}/u.test(run) ? run : PLACEHOLDER);
      continue;
    }
    if (HAN.test(t)) {
      for (const ch of t) push(ZH_FUNCTION.has(ch) ? ch : PLACEHOLDER);
      continue;
    }
    // With `suffix`, a content word keeps its last two letters (an inflection: "-ed", "-ing", Romance imperatives, Slavic verb endings).
    if (suffix && t.length >= 4) out.push(`·${t.slice(-2)}`);
    else push(PLACEHOLDER);
  }
  return out;
}
