/**
 * What a person said in a session, kept as learnings in their own words — whichever summarizer ran.
 * Each prompt is read with the agent's turn before it (common/rules/stated-rule.ts), and says only
 * what is true of it:
 *   - a **decision** or **convention** when it settles something: a rule stated outright ("we always
 *     run the linter before committing"), one told as a reminder inside a request, a proposal of the
 *     agent accepted, corrected or picked from ("no, not 5 — exactly 7"). An assent never stands
 *     alone: the rule is what it agrees to, quoted with it ("Right, leave it at 7." — on the agent's
 *     "MAX_ATTEMPTS stays at 7, measured to the rate-limit window").
 *   - a **note** when it names code and reads like a statement about it but the detector is not sure
 *     it settles anything (a plain account of how the code behaves, a rule the markers read but a
 *     question, a symptom or a request stands around). A note is pushed only at the code it names.
 *   - nothing when it is a question, a symptom report, a request for the task, a plan or thanks: the
 *     session's history keeps it (search finds it), no memory speaks for it.
 * Each keeps who (origin `user`), when (its prompt), the code it names (anchors, common/rules/anchors.ts:
 * the identifiers of its words, of the agent's turn it answered, of the agent's turn after it (what carried it out) and
 * of the session's opening; the plain words of its own statement) and the files the session read or changed around it
 * (its scope's paths).
 *
 * A model's own decision or convention drawn from the same prompt is dropped in favour of these:
 * the person's words are the rule, a paraphrase is not.
 */
import { acknowledges, againstRule, markerRulesOf, ruleLikeness, SAID_THRESHOLD, settlesByForm, statedRulesOf, type StatedRule } from '../../common/rules/stated-rule.js';
import { any, asks, asksSomething, PROPOSAL, R, sentencesOf } from '../../common/rules/stated-rule-markers.js';
import { bareAssent, opensWithAssent, proposesOrAnnounces } from '../../common/rules/stated-rule-context.js';
import { scopeOf } from '../../common/rules/rule-scope.js';
import { ANCHOR_ID, ANCHOR_WORD, anchorsOf, codeNamesIn } from '../../common/rules/anchors.js';
import { oneLine } from './offline-text.js';
import type { KeptCandidate } from './summary-prompt.js';

/** What the extractor reads of a session: its prompts, the agent's answers and its tool calls, in order. */
export interface TurnLine {
  sequence: number;
  kind: string;
  text: string;
  /** A tool call's title ("Read: pay/rounding.py"): which file it touched. */
  title?: string;
  toolName?: string | null;
}

/** A person's statement as a learning candidate, with who stated it and the code it is about. */
export type StatedCandidate = KeptCandidate & {
  origin: 'user';
  scope: string[];
  anchors: string[];
  /** The identifiers the person's prompt names, and the proposal it settles (what a later statement about the same code is matched by). */
  spoken: string[];
  /** Identifier anchors taken only from the agent's turn after it: they serve the push at the code, not whether its words stay quotable. */
  nextOnly: string[];
};

/** The identifier anchors of `anchors` that `before` (the same statement's, without the agent's next turn) lacks. */
const fromNextOnly = (anchors: readonly string[], before: readonly string[]): string[] => {
  const had = new Set(before);
  return anchors.filter((a) => a.startsWith(ANCHOR_ID) && !had.has(a));
};

/** Statements of one session, at most this many (a pasted style guide is not 40 learnings). */
const MAX_STATED = 12;

/** How a decision was settled, as the body says it. */
const SETTLED: Record<string, string> = {
  "the agent's proposal accepted": 'accepting',
  "the agent's proposal corrected": 'correcting',
  "one of the agent's options chosen": 'choosing from',
  "the agent's question answered": 'answering',
};

/** A prompt this short is quoted whole: the rule with what the person said around it (which code, why). */
const WHOLE_PROMPT_CHARS = 480;
/** Words this short lean on the agent's turn before them ("Right, leave it at 7."): it is quoted with them. */
const LEANS_ON_CONTEXT = 80;
/** How much of the agent's turn is quoted beside words that lean on it. */
const CONTEXT_CHARS = 320;

/** The tools whose call names the one file it reads or changes, as its title says it ("Read: pay/rounding.py"). */
const FILE_TOOLS = new Set(['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'read_file', 'write_file', 'replace', 'read', 'edit', 'write', 'view', 'str_replace_editor']);

/** The file a tool call's title names, if it is a file tool's. */
export function fileOfTitle(t: TurnLine): string | undefined {
  if (t.kind !== 'tool' || !t.toolName || !FILE_TOOLS.has(t.toolName) || !t.title) return undefined;
  const path = t.title.replace(/^FAILED /, '').slice(t.toolName.length + 2).trim();
  return path && !/\s/.test(path) && path.length <= 300 ? path : undefined;
}

/** The last sentences of the agent's turn, to stand beside words that lean on it. */
function tailOf(text: string): string {
  const sentences = sentencesOf(text.trim());
  let out = '';
  for (let i = sentences.length - 1; i >= 0; i--) {
    const next = out ? `${sentences[i]!} ${out}` : sentences[i]!;
    if (next.length > CONTEXT_CHARS && out) break;
    out = next;
  }
  return oneLine(out || text, CONTEXT_CHARS);
}

/**
 * A short reply that settles what the agent just proposed or asked about ("No, leave it at 7." after "MAX_ATTEMPTS is 7 …
 * should I raise it to 10?"), read as no rule by the detector: the agent's words it answers (tailOf), else undefined. Not a
 * question, not thanks or a go-ahead, not a story, failure or evaluation; the agent's turn proposed or asked something.
 */
function answersAbout(prompt: string, agentTurn: string): string | undefined {
  const text = prompt.trim();
  // "yes", "perfect" after the agent's proposal or plan: the note is the agent's words it agrees to.
  if (bareAssent(text) && proposesOrAnnounces(agentTurn)) return tailOf(agentTurn);
  if (text.length > LEANS_ON_CONTEXT * 1.5 || /[?？]/u.test(text) || acknowledges(text) || againstRule(text)) return undefined;
  if (!/[?？]/u.test(agentTurn) && !PROPOSAL.test(agentTurn)) return undefined;
  // It says something of its own: a value, or three words or more.
  if (!/\d/.test(text) && text.split(/\s+/u).length < 3) return undefined;
  return tailOf(agentTurn);
}

/** Whether the detector's rule is a rule by what surrounds it too: not inside a question, not the whole of a request. */
function settles(rule: StatedRule, prompt: string): boolean {
  if (rule.proposal) return true;
  // The rule's own sentence asks ("should retries stay at 7?"), or the prompt is a question around it with nothing lasting.
  if (/[?？]\s*$/u.test(rule.quote.trim())) return false;
  if (asksSomething(prompt) && ruleLikeness(rule.quote) < SAID_THRESHOLD) return false;
  // A rule by its form (a norm, a decision said as one, a must): what only a score or the learned model took is a note.
  return settlesByForm(rule.quote, prompt);
}

/** A lead-in of at most this many words is no rule by itself ("Change the rule then."). */
const LEAD_IN_WORDS = 5;

/**
 * The prompt as the detector reads it: a lead-in followed by a colon ("change the rule then: open the breaker when …")
 * is read as its own sentence, as "Change the rule then. Open the breaker when …" is — a head of at most LEAD_IN_WORDS
 * words the markers read as a rule when it stands alone ("Change the rule then.", "New rule."). Otherwise the colon made one sentence of the two, whose
 * imperative reads as a task, and the amendment was not stored at all.
 */
export function withLeadInsApart(text: string): string {
  return text.replace(/(^|[.!?]\s+)([^.!?:\n]{3,60}?):\s+(?=\S)/gu, (whole: string, before: string, head: string) => {
    const words = head.trim();
    if (words.split(/\s+/u).length > LEAD_IN_WORDS) return whole;
    // The markers' reading: the learned model, which vetoes a rule of a few words, has no say over a lead-in.
    const alone = markerRulesOf(`${words}.`);
    return alone.rules.length === 1 && !alone.rules[0]!.proposal ? `${before}${words}. ` : whole;
  });
}

/**
 * A short prompt quoted whole (the rule with what the person said around it), from its first sentence that asks nothing:
 * a request or a question before the rule's own sentence is the task of that moment, not part of what it settles
 * ("remove the duplicate subscription by hand please. and as a rule: we never poll a feed more often than every 15
 * minutes …": its words would make every later prompt about subscriptions look like the rule's).
 */
export function wholeQuote(text: string, rule: string): string {
  // Where the rule's words start (a lead-in's colon may have been read as a full stop); not found: quoted whole.
  const at = text.indexOf(rule.trim().replace(/[.!?:;,]+$/u, ''));
  if (at < 0) return text.trim();
  let from = 0;
  for (const sentence of sentencesOf(text)) {
    const start = text.indexOf(sentence, from);
    if (start < 0 || start + sentence.length > at || !asks(sentence)) break;
    from = start + sentence.length;
  }
  return text.slice(from).trim();
}

/** A path as the person wrote it (`src/import/csvImport.ts`). */
const PATH_IN_TEXT = /(?:^|[\s`'"(])[\w.-]+\/[\w./-]*\w\.[a-z]{1,5}(?=$|[\s`'",.;:)])/iu;

/** Whether words may be kept as a note: they name code (an identifier), a file read around them, or a path. */
function namesCode(anchors: readonly string[], files: readonly string[], text: string): boolean {
  return anchors.some((a) => a.startsWith(ANCHOR_ID)) || files.length > 0 || PATH_IN_TEXT.test(text);
}

/** Words this few are a chat line, not a statement about code. */
const STATEMENT_WORDS = 12;

/**
 * Words that say how the code is to work, in no rule's form ("Detect rotation by the file identity: inode and device
 * changed means the file was replaced. …"): a statement of some length in which nothing asks, asks for a task, tells a
 * story, a failure or a symptom, and nothing thanks. It may settle something; kept as a note when it names code.
 */
function statesHow(text: string): boolean {
  const lower = text.toLowerCase();
  if (text.trim().split(/\s+/u).length < STATEMENT_WORDS || /[?？]/u.test(text) || acknowledges(text) || againstRule(text) || any(R.symptom, lower)) return false;
  // How it is to work: under a condition, by a definition, always or never ("… changed means the file was replaced", "when
  // the spool is full …"). A task told without one ("Tidy the import order in the two modules I point you at") says no such thing.
  return HOW.test(lower) && sentencesOf(text).every((s) => !asks(s));
}

/** The words with which a statement says how code is to work rather than what to do now. */
const HOW = /\b(?:means?|when(?:ever)?|if|unless|otherwise|only|never|always|must|instead|until|as soon as|no matter|once(?! (?:more|again)))\b/u;

/** How many of the person's questions about a proposal a later yes may still answer across. */
const ASSENT_REACH = 2;

/**
 * The agent's turns before the one a prompt answers, reached across the person's questions about them: the agent
 * proposed, the person asked ("do we have the locale on the shop object?"), the agent answered, and the person's yes
 * (the prompt at `i`) may agree to the proposal. Nearest first; a person's turn that asks nothing ends the walk.
 */
function proposalsAsked(turns: readonly TurnLine[], i: number): TurnLine[] {
  const out: TurnLine[] = [];
  let j = i - 1;
  while (out.length < ASSENT_REACH) {
    // Back past the agent's turn the prompt answers directly, to the person's turn before it: it must have asked.
    while (j >= 0 && turns[j]!.kind !== 'prompt') j--;
    if (j < 0 || !/[?？¿]/u.test(turns[j]!.text)) break;
    // The agent's turn that question was about.
    let k = j - 1;
    while (k >= 0 && turns[k]!.kind !== 'prompt' && !(turns[k]!.kind === 'stop' && turns[k]!.text.trim())) k--;
    if (k < 0 || turns[k]!.kind === 'prompt') break;
    out.push(turns[k]!);
    j = k;
  }
  return out;
}

export function statedLearnings(turns: TurnLine[]): StatedCandidate[] {
  const out: StatedCandidate[] = [];
  let previous: TurnLine | undefined;
  // The session's first prompt says what the conversation was about: part of every statement's scope.
  const opening = turns.find((t) => t.kind === 'prompt')?.text ?? '';
  const prompts = turns.filter((t) => t.kind === 'prompt');
  for (const [n, t] of prompts.entries()) {
    const i = turns.indexOf(t);
    previous = undefined;
    for (let j = i - 1; j >= 0 && turns[j]!.kind !== 'prompt'; j--) {
      if (turns[j]!.kind === 'stop' && turns[j]!.text.trim()) {
        previous = turns[j];
        break;
      }
    }
    // The files the session read or changed around this prompt: since the prompt before it, until the next one.
    const from = n > 0 ? turns.indexOf(prompts[n - 1]!) : 0;
    const to = n + 1 < prompts.length ? turns.indexOf(prompts[n + 1]!) : turns.length;
    const files = [...new Set(turns.slice(from, to).map(fileOfTitle).filter((f): f is string => f !== undefined))].slice(0, 10);
    // The agent's turn right after it: what it names carries the statement out ("OK: BIG_HOSTS in politeness.py …
    // HostBucket gets its rate from the list"), code the person's words introduced or meant.
    const next = turns.slice(i + 1, to).find((x) => x.kind === 'stop' && x.text.trim());
    const text = withLeadInsApart(t.text);
    let verdict = statedRulesOf(text, previous?.text);
    // A yes after the person asked about the proposal and the agent answered ("what about people who type OR?" … "ok, go
    // with that"): it agrees to the proposal a turn or two back, not to the answer.
    if (verdict.rules.length === 0 && opensWithAssent(text)) {
      for (const earlier of proposalsAsked(turns, i)) {
        const reread = statedRulesOf(text, earlier.text);
        if (reread.rules.some((r) => r.proposal)) {
          verdict = reread;
          previous = earlier;
          break;
        }
      }
    }
    const around = [t.text, previous?.text ?? '', opening, next?.text ?? ''];
    // A lead-in alone ("Change the rule then.", "New rule:") says nothing: the sentences after it are the rule. What
    // settles is read of the detector's words (a lead-in says so by its form); a rule the detector found among the
    // sentences a lead-in takes in is part of the lead-in's, not one of its own.
    const leadIns = new Map<StatedRule, string>();
    for (const r of verdict.rules) {
      const at = text.indexOf(r.quote);
      if (r.proposal || at < 0 || r.quote.trim().split(/\s+/u).length > LEAD_IN_WORDS) continue;
      const after = sentencesOf(text.slice(at + r.quote.length)).slice(0, 2).join(' ');
      if (after) leadIns.set(r, after);
    }
    const taken = [...leadIns.values()];
    const kept = verdict.rules.filter((r) => leadIns.has(r) || !taken.some((after) => after.includes(r.quote.trim())));
    const said = kept.length === 1 && t.text.trim().length <= WHOLE_PROMPT_CHARS ? wholeQuote(t.text, kept[0]!.quote) : undefined;
    for (const r of kept) {
      const settled = settles(r, t.text);
      const after = leadIns.get(r);
      if (after) r.quote = `${r.quote.trim()} ${after}`;
      const words = oneLine(r.quote, 600);
      const quote = oneLine(said ?? r.quote, 600);
      const proposal = r.proposal ? oneLine(r.proposal, 400) : undefined;
      // Words that lean on the agent's turn are quoted with it, whether or not it was a proposal.
      const context = !proposal && previous && quote.length <= LEANS_ON_CONTEXT ? tailOf(previous.text) : undefined;
      const kind = settled ? r.kind : 'note';
      const anchors = anchorsOf([r.quote, proposal ?? '', context ?? ''], around);
      const before = anchorsOf([r.quote, proposal ?? '', context ?? ''], around.slice(0, -1));
      // A rule's form short of settling, told in plain words, names its code by its rare words too (statesHow's notes).
      if (kind === 'note' && !namesCode(anchors, files, r.quote) && !anchors.some((a) => a.startsWith(ANCHOR_WORD))) continue;
      // A decision settled on the agent's proposal carries its topic in the proposal: the title says both.
      const title = oneLine(proposal && words.length < 80 ? `${words} (on the agent's proposal: ${proposal})` : context ? `${words} (on the agent's: ${context})` : words, 200);
      // The body is what an agent is handed: the person's words, and what they settled.
      const body = proposal
        ? `"${quote}" — the user, ${SETTLED[r.why] ?? 'settling'} the agent's proposal: "${proposal}"`
        : context
          ? `"${quote}" — the user, after the agent said: "${context}"`
          : `"${quote}" — the user`;
      out.push({
        kind,
        title,
        body,
        confidence: kind === 'note' ? 0.5 : 0.8,
        sources: previous && (proposal || context) ? [t.sequence, previous.sequence] : [t.sequence],
        outcome: 'unverified',
        origin: 'user',
        scope: [...new Set([...files, ...scopeOf([r.quote, t.text, r.proposal ?? '', previous?.text ?? '', opening])])],
        anchors,
        spoken: codeNamesIn(`${t.text}\n${r.proposal ?? ''}`),
        nextOnly: fromNextOnly(anchors, before),
      });
    }
    // No rule, but words that may be one and name code: a note, pushed only at that code.
    const reply = verdict.rules.length === 0 && previous ? answersAbout(t.text, previous.text) : undefined;
    const short = t.text.trim().length <= WHOLE_PROMPT_CHARS * 2;
    const how = verdict.rules.length === 0 && !reply && short && statesHow(t.text);
    if (verdict.rules.length === 0 && (reply || how || (short && ruleLikeness(t.text) >= SAID_THRESHOLD))) {
      const anchors = anchorsOf([t.text, reply ?? ''], [previous?.text ?? '', opening, next?.text ?? '']);
      const before = anchorsOf([t.text, reply ?? ''], [previous?.text ?? '', opening]);
      // How the code is to work, told in plain words ("the file identity", "offset"), names it by its rare words: a word
      // anchor reaches a file only where the file defines that name.
      if (namesCode(anchors, files, t.text) || (how && anchors.some((a) => a.startsWith(ANCHOR_WORD)))) {
        const quote = oneLine(t.text, 600);
        out.push({
          kind: 'note',
          title: oneLine(reply ? `${quote} (on the agent's: ${reply})` : quote, 200),
          body: reply ? `"${quote}" — the user, after the agent said: "${reply}"` : `"${quote}" — the user`,
          confidence: 0.5,
          sources: reply && previous ? [t.sequence, previous.sequence] : [t.sequence],
          outcome: 'unverified',
          origin: 'user',
          scope: [...new Set([...files, ...scopeOf([t.text, previous?.text ?? '', opening])])],
          anchors,
          // A bare yes to the agent's proposal agrees to its words: what they name, the person named. Other notes here (a
          // reply, an account of how the code works, words that merely read like a rule) change no earlier statement.
          spoken: reply && bareAssent(t.text) ? codeNamesIn(`${t.text}\n${reply}`) : [],
          nextOnly: fromNextOnly(anchors, before),
        });
      }
    }
  }
  return out.slice(0, MAX_STATED);
}

/**
 * The prompts the per-prompt push may quote later (observations.rule_like): they read like a rule
 * (ruleLikeness ≥ SAID_THRESHOLD: a rule marker, no request or question around it) but no rule was
 * taken from them — the markers miss some rules people state, and those still reach a later task in
 * the person's words (api/context/prompt-push.ts).
 */
export function ruleLikePrompts(turns: TurnLine[], stated: StatedCandidate[]): number[] {
  // A note that names its code only by plain words may never meet a file that defines them: its words stay quotable.
  // An identifier only the agent's next turn named ("OK: BIG_HOSTS in politeness.py …") reaches the file that defines it, but
  // the person's words did not name it: they stay quotable as before. (Counting it made fewer prompts quotable, so a term
  // such as "timeout" became one only two of logshed's candidates use, and the prompt's gate opened on it for an unrelated
  // probe: corpus4 n20, 45.5 → 51.7 tokens.)
  const fromRules = new Set(stated.filter((s) => s.kind !== 'note' || s.anchors.some((a) => a.startsWith(ANCHOR_ID) && !s.nextOnly.includes(a))).map((s) => s.sources[0]));
  return turns.filter((t) => t.kind === 'prompt' && !fromRules.has(t.sequence) && ruleLikeness(t.text) >= SAID_THRESHOLD).map((t) => t.sequence);
}

/**
 * The candidates to merge: the stated rules, and the model's (or the offline extractor's) other
 * learnings — a decision or convention drawn from a prompt a stated rule already came from is
 * dropped (the person's words win over a paraphrase).
 */
export function withStatedRules<C extends Pick<KeptCandidate, 'kind' | 'sources'>>(extracted: C[], stated: StatedCandidate[]): (C | StatedCandidate)[] {
  const statedPrompts = new Set(stated.map((s) => s.sources[0]));
  const kept = extracted.filter((c) => !((c.kind === 'decision' || c.kind === 'convention') && c.sources.some((n) => statedPrompts.has(n))));
  return [...stated, ...kept];
}
