/**
 * The memory pushed with a prompt, at the moment the task is known (the UserPromptSubmit hook's
 * additionalContext; GET /v1/context?for=prompt shows the same with its reasons). Not the start
 * context again: only the few memories that bear on THIS prompt — decisions and conventions a
 * person stated, failure→fix stories, dead ends — and nothing at all when nothing does.
 *
 * One SQL statement reads the project's current rules (every active decision, convention and stated
 * fact: a project holds tens to hundreds, never withheld for "not used") and the other learnings
 * whose words meet the prompt's (full-text OR over the prompt's terms). The relevance gate
 * (common/rules/push-relevance.ts) scores them against the prompt and keeps the few that pass. A rule
 * that replaced another says so ("replaces a rule of 2026-08-03"); the replaced rule is never pushed.
 * Items this session was already pushed are not pushed again (the agent still has them).
 *
 * It runs on the agent's critical path (the prompt waits for the hook): one round trip, a few
 * hundred candidates at most, scored in well under a millisecond each.
 */
import type { PgPool } from '../../common/server/pg.js';
import { gateRefusal, GATE, scoreCandidates, termsKnown, termsOf, type Scored, type Terms } from '../../common/rules/push-relevance.js';
import { stem, tokenize } from '../../common/server/embeddings/local.js';
import { countTokens } from '../../common/rules/tokens.js';
import { replacesRule } from '../../common/rules/rule-scope.js';
import { poisonFlags } from '../../common/rules/poison.js';
import { asksSomething } from '../../common/rules/stated-rule-markers.js';
import { ANCHOR_ID, anchorsOf, codeNamesIn } from '../../common/rules/anchors.js';
import { LRUCache } from 'lru-cache';
import { uses } from '../../common/rules/push-ablation.js';
import type { ServedItem } from './start-context.js';
import { pushedTo } from './context-receipt.js';
import { observationHeldSql } from '../../common/server/review-hold.js';

/** Tokens a prompt's push may take at most (issue 46: ≤ 600 per task prompt). */
export const PROMPT_PUSH_TOKENS = 600;
/** Rules read per project at most (newest first): far above what a project states. */
const MAX_RULES = 400;
/** Other learnings matching the prompt's words, at most. */
const MAX_MATCHING = 60;
/** A person's earlier prompts read per push at most (the best full-text matches). */
const MAX_SAID = 30;
/** Longest prompt text considered (a pasted log says no more after this). */
const MAX_PROMPT_CHARS = 4000;

export interface PushCandidate {
  id: string;
  /** A learning's kind, or `said`: a person's earlier prompt no learning was made of (quoted as said). */
  kind: string;
  title: string;
  body: string;
  origin: string;
  outcome: string;
  at: Date;
  /** When the rule it replaced was stated (a learning that superseded another), else null. */
  replaced_at: Date | null;
  /** Already pushed to the asking session. */
  pushed_before: boolean;
  /** What a stated rule is about (matched, not shown). */
  scope?: string[] | null;
  /** Who edited it in review (issue 51), said on the line; null: never edited. */
  edited_by?: string | null;
  /** The code it is about (common/rules/anchors.ts): the prompt must name one of these, a file of its scope or a term only it uses. */
  anchors?: string[] | null;
  /** The symptoms and tasks it applies to, in a bug report's words (a model wrote them at extraction): scored with its own words. */
  applies_when?: string[] | null;
}

export interface BuiltPush {
  context: string;
  tokens: number;
  items: string[];
  served: ServedItem[];
}

export interface PushRequest {
  tenantId: string;
  projectId: string;
  projectName?: string;
  prompt: string;
  /** The asking session (the agent's session id), when known: what it was pushed already is not pushed again. */
  agentSessionId?: string | undefined;
  budget?: number;
}

const RULE_KINDS = ['decision', 'convention', 'fact'];
/** What the asking session was handed already (its start context, a prompt's or a file's push): context-receipt.ts. */
export { pushedTo };
/** When the rule a learning `l` replaced was stated (null: it replaced none): the line says "replaces a rule of …". */
export const REPLACED_AT = '(select max(p.created_at) from learnings p where p.superseded_by_id = l.id) as replaced_at';
/** A current rule of the project (`l`): active, of a rule kind (the text array in parameter $n), no poisoning flag. */
const currentRule = (n: number) => `l.status = 'active' and l.kind::text = any($${n}::text[]) and cardinality(l.flags) = 0`;
const READ_SQL = `
with ${pushedTo(5)}, rules as (
  select l.id from learnings l
  where l.tenant_id = $1 and l.project_id = $2 and ${currentRule(3)}
  order by l.last_stated_at desc limit ${MAX_RULES}
), matching as (
  select l.id from learnings l
  where $4::text <> '' and l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and not (l.kind::text = any($3::text[])) and cardinality(l.flags) = 0
    and (l.search_vector @@ to_tsquery('english', $4) or (cardinality(l.applies_when) > 0 and to_tsvector('english', array_to_string(l.applies_when, ' ')) @@ to_tsquery('english', $4)))
    and l.kind <> 'note'
  order by ts_rank(l.search_vector, to_tsquery('english', $4)) desc limit ${MAX_MATCHING}
)
select l.id, l.kind::text as kind, l.title, l.body, l.origin, l.outcome, l.created_at as at, l.scope, l.edited_by, l.anchors, l.applies_when,
  ${REPLACED_AT},
  l.id in (select item_id from pushed) as pushed_before
from learnings l
where l.id in (select id from rules union all select id from matching)`;

/**
 * A person's earlier prompts in the project that read like a rule of which no rule was recorded
 * (`rule_like`, judged when their session was summarized: activities/summarize/stated-learnings.ts),
 * that meet the prompt's words, from other sessions; never one a rule was made of (a prompt whose
 * rule was replaced must not come back as current through its words).
 */
const saidSql = (tsquery: string) => `
with ${pushedTo(3)}
select o.id, 'said' as kind, o.title, o.text as body, 'user' as origin, 'said' as outcome, o.created_at as at, null::text[] as scope, null::text as edited_by, null::text[] as anchors,
  null::timestamptz as replaced_at,
  o.id in (select item_id from pushed) as pushed_before
from observations o join sessions s on s.id = o.session_id
where o.tenant_id = $1 and o.project_id = $2 and o.kind = 'prompt' and o.rule_like and o.search_vector @@ to_tsquery('english', ${tsquery})
  and ($3::text is null or s.agent_session_id is distinct from $3::text)
  and not exists (select 1 from learning_sources ls join learnings l on l.id = ls.learning_id where ls.observation_id = o.id and l.kind::text = any($4::text[]))
  -- nor a prompt inside what a learning waiting for review (or rejected) was drawn from (common/server/review-hold.ts)
  and not ${observationHeldSql('o')}
order by ts_rank(o.search_vector, to_tsquery('english', ${tsquery})) desc limit ${MAX_SAID}`;

/** A string as an SQL literal (standard_conforming_strings: only the quote is doubled). */
const sqlLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The prompt's words as a full-text OR query (stemmed by PostgreSQL; only letters and digits reach it). */
export function orQuery(prompt: string): string {
  const words = [...new Set(tokenize(prompt.slice(0, MAX_PROMPT_CHARS)).filter((w) => w.length >= 3 && !/^\d+$/.test(w)))].slice(0, 40);
  return words.join(' | ');
}

export async function readPushCandidates(pool: PgPool, req: PushRequest): Promise<PushCandidate[]> {
  const query = orQuery(req.prompt);
  const [learned, said] = await Promise.all([
    pool.query<PushCandidate>({ name: 'prompt-push-candidates', text: READ_SQL, values: [req.tenantId, req.projectId, RULE_KINDS, query, req.agentSessionId ?? null] }),
    // Not a prepared statement: the words go in as a literal, so PostgreSQL plans with them and reads the
    // small partial index of rule-like prompts (a generic plan chose the table's whole full-text index).
    query && uses('said') ? pool.query<PushCandidate>(saidSql(sqlLiteral(query)), [req.tenantId, req.projectId, req.agentSessionId ?? null, RULE_KINDS]) : { rows: [] as PushCandidate[] },
  ]);
  // Never words shaped like an instruction to an agent (a pasted log's planted note), whoever typed them.
  return [...learned.rows, ...said.rows.filter((r) => poisonFlags(r.body).length === 0)];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/** Who stood behind a memory, as the pushed line says it. */
function byWhom(c: PushCandidate): string {
  if (c.edited_by) return `edited by ${cut(flat(c.edited_by), 120)}`;
  if (c.kind === 'note') return 'said by a person';
  if (c.origin === 'user' || c.origin === 'stated') return 'stated by a person';
  if (c.origin === 'agent') return 'noted by an agent, unverified';
  return c.outcome === 'confirmed' ? 'confirmed by a passing check' : 'extracted from a session';
}

/** What a line calls a memory of each kind (a note is a person's words that settle nothing for certain). */
const LABEL: Record<string, string> = { dead_end: 'dead end (tried, did not work)', note: 'note: a person\'s words, not a settled rule' };

/**
 * What the line says: the rule's own words (a person's rule: its body; else title and the body beyond it), cut to fit;
 * `names`: the code of the touched file it is anchored to, said in its label.
 */
function lineOf(c: PushCandidate, maxBody: number, names: readonly string[] = []): string {
  if (c.kind === SAID) return `- [said by a person, ${day(c.at)}, in an earlier session; not recorded as a rule] "${cut(flat(c.body), Math.max(maxBody, 160))}"`;
  const title = flat(c.title);
  const body = flat(c.body);
  const rest = c.origin === 'user' || body.toLowerCase().includes(title.toLowerCase()) ? body : `${title} — ${body}`;
  const text = maxBody > 0 ? cut(rest, maxBody) : cut(title, 240);
  const replaced = c.replaced_at ? `; replaces a rule of ${day(c.replaced_at)}` : '';
  const about = names.length > 0 ? `; about ${names.slice(0, 3).join(', ')}` : '';
  return `- [${LABEL[c.kind] ?? c.kind}, ${day(c.at)}, ${byWhom(c)}${replaced}${about}] ${text}`;
}

/** A candidate's line cut to the tokens left (its body whole, shorter, or its title alone), with its cost; undefined when none fits. */
export function fittedLine(c: PushCandidate, tokensLeft: number, names: readonly string[] = []): { line: string; cost: number } | undefined {
  for (const maxBody of [420, 200, 0]) {
    const line = lineOf(c, maxBody, names);
    const cost = countTokens(`\n${line}`);
    if (cost <= tokensLeft) return { line, cost };
  }
  return undefined;
}

/** The kind of a candidate that is a person's earlier prompt. */
const SAID = 'said';
const textOf = (c: PushCandidate) => (c.kind === SAID ? c.body : `${c.title}\n${c.body}`);
/** textOf, one string per candidate: the amendment checks compare pairs, and a string read again is looked up at once. */
function textsOf(candidates: readonly PushCandidate[]): (c: PushCandidate) => string {
  const texts = new Map(candidates.map((c) => [c, textOf(c)]));
  return (c) => texts.get(c) ?? textOf(c);
}

/**
 * A person's earlier words pass the same gate as a recorded rule, and must also share a distinctive
 * term with the prompt (two common words are not enough for words no one took for a rule); one quote
 * per push, after the recorded memories, never in their place or budget.
 */
export const SAID_GATE = { MAX_ITEMS: 1 } as const;

function saidRefusal(s: Scored<PushCandidate>): string | undefined {
  return s.distinctive ? undefined : 'an earlier prompt that shares no distinctive term with the prompt';
}

/** The project's own name and its parts: in half of what is said about it, they name no topic. */
const nameWords = (projectName: string): ReadonlySet<string> => new Set(tokenize(projectName).flatMap((t) => [t, stem(t)]));

/** What of a candidate is scored against the prompt: a quote's words; a learning's title, body, scope and when it applies. */
const scoredText = (c: Pick<PushCandidate, 'kind' | 'title' | 'body' | 'scope' | 'applies_when'>): string =>
  c.kind === SAID ? c.body : `${c.title}\n${c.body}\n${(c.scope ?? []).join(' ')}\n${(c.applies_when ?? []).join('\n')}`;

const HEADER = (project: string) => `# memflow: what ${project} decided or learned that bears on this prompt (current rules; older versions are not shown)`;

/** What of a memory a prompt can name: its code (identifiers), the files of its scope, the terms of its words. */
interface PromptNames {
  ids: ReadonlySet<string>;
  /** The prompt's plain words (identifiers taken out) as the gate's terms (stems), with how many candidates use each. */
  terms: ReadonlyMap<string, number>;
  text: string;
}

/** Anchors read from the words of learnings stored before anchors were (their column is empty), kept per text. */
const readAnchors = new LRUCache<string, string[]>({ max: 4_000, memoMethod: (text) => anchorsOf([text]) });
const anchorsFor = (c: PushCandidate): readonly string[] => (c.anchors?.length ? c.anchors : readAnchors.memo(c.kind === SAID ? c.body : `${c.title}\n${c.body}`));

/** A term used by at most this many of the project's candidates is the rule's own (one shared module word is not). */
const RULE_SPECIFIC_DF = 2;
/** …and weighs at least this in the prompt (word-rarity.ts: an everyday word, or a weak one, is no rule's own). */
const RULE_SPECIFIC_WEIGHT = 0.6;

function promptNames(prompt: string, docs: { terms: { weights: ReadonlyMap<string, number> } }[]): PromptNames {
  const ids = new Set(codeNamesIn(prompt));
  // The prompt's plain words: its identifiers taken out, so that "iter" of `chunked_iter` is no word of it.
  const plain = prompt.replace(/\S*[A-Za-z0-9]_[A-Za-z0-9]\S*|\S*[a-z][A-Z]\S*|\S*\.\S*[A-Za-z]\S*/g, ' ');
  const df = new Map<string, number>();
  for (const [t, w] of termsOf(plain).weights) {
    if (t.startsWith('id:') || w < RULE_SPECIFIC_WEIGHT) continue;
    df.set(t, docs.filter((d) => d.terms.weights.has(t)).length);
  }
  return { ids, terms: df, text: prompt.toLowerCase() };
}

/**
 * Whether the prompt names the candidate: an identifier it is anchored to (a plain word of its anchors, such as
 * "pluralize", opens no prompt), a file of its scope by name, or a term that at most RULE_SPECIFIC_DF candidates use and that is no
 * everyday word. Returns the refusal, or undefined when named. A person's earlier words (no anchors) pass on a term.
 */
function notNamed(s: Scored<PushCandidate>, names: PromptNames, own: ReadonlyMap<string, number>): string | undefined {
  const c = s.item;
  for (const a of anchorsFor(c)) {
    const name = a.slice(a.indexOf(':') + 1);
    // A word anchor ("pluralize") opens no prompt: it reaches its code when a file defines that name (the file push).
    if (a.startsWith(ANCHOR_ID) && names.ids.has(name)) return undefined;
  }
  for (const p of c.scope ?? []) {
    const file = p.includes('/') || /\.[a-z]{1,5}$/i.test(p) ? p.slice(p.lastIndexOf('/') + 1).toLowerCase() : '';
    if (file.length >= 4 && names.text.includes(file)) return undefined;
  }
  for (const [t, df] of names.terms) if (df <= RULE_SPECIFIC_DF && own.has(t)) return undefined;
  return 'the prompt names none of its code, files or terms of its own';
}

/**
 * The learnings scored against the prompt, best first, once each. What a model wrote a learning applies to
 * (`applies_when`: "SLA report shows less uptime than ops measured") is scored as a short text of its own, as a field of
 * the learning, and the learning keeps the better score: inside the learning's whole text those phrases made it long,
 * and BM25's length weighting took from the very match they were written for.
 */
function scoreLearned(prompt: string, learned: readonly { item: PushCandidate; text: string; terms: Terms }[], ignore: ReadonlySet<string>): Scored<PushCandidate>[] {
  const fields = learned.flatMap((d) => {
    const phrases = (d.item.applies_when ?? []).filter((p) => p.trim());
    if (phrases.length === 0) return [d];
    const own = scoredText({ ...d.item, applies_when: [] });
    return [{ item: d.item, text: own, terms: termsOf(own, ignore) }, ...phrases.map((p) => ({ item: d.item, text: p, terms: termsOf(p, ignore) }))];
  });
  if (fields.length === learned.length) return scoreCandidates(prompt, [...learned], ignore);
  const seen = new Set<PushCandidate>();
  return scoreCandidates(prompt, fields, ignore).filter((s) => !seen.has(s.item) && seen.add(s.item));
}

/** Chooses and renders the push for a prompt from its candidates. Pure. */
export function assemblePush(projectName: string, prompt: string, candidates: PushCandidate[], budget = PROMPT_PUSH_TOKENS): BuiltPush {
  const empty: BuiltPush = { context: '', tokens: 0, items: [], served: [] };
  const text = prompt.slice(0, MAX_PROMPT_CHARS);
  if (candidates.length === 0 || !text.trim()) return empty;
  const ignore = nameWords(projectName);
  // Each candidate's terms, read once (a learning is scored in two pools when there are quotes).
  const docs = candidates.map((c) => {
    const body = scoredText(c);
    return { item: c, text: body, terms: termsOf(body, ignore) };
  });
  // Learnings are scored among themselves (the gate is calibrated on that pool); a person's earlier
  // prompts among everything, and only a quote that passes the gate there (and its own check) joins them.
  const learned = docs.filter((d) => d.item.kind !== SAID);
  const scored = scoreLearned(text, learned, ignore);
  const best = scored[0]?.score ?? 0;
  // Each learning's verdict at the gate, once (the amendment checks below ask it of every pair): its score, and
  // that the prompt names its code, a file of it or a term only it uses (namedBy).
  const names = promptNames(text, docs);
  const termsBy = new Map(docs.map((d) => [d.item, d.terms.weights]));
  const named = (s: Scored<PushCandidate>) => notNamed(s, names, termsBy.get(s.item) ?? new Map());
  const gated = new Map(scored.map((s) => [s, gateRefusal(s, best) ?? named(s)]));
  const saidVerdict = new Map<PushCandidate, string | undefined>();
  if (learned.length < docs.length) {
    const all = scoreCandidates(text, docs, ignore);
    const bestOfAll = all[0]?.score ?? 0;
    for (const s of all) {
      if (s.item.kind !== SAID) continue;
      saidVerdict.set(s.item, gateRefusal(s, bestOfAll) ?? saidRefusal(s) ?? named(s));
      // After every learning: a quote never takes a recorded memory's place or budget.
      scored.push(s);
    }
  }
  const served: ServedItem[] = [];
  const chosen: { c: PushCandidate; line: string; score: number; reason: string }[] = [];
  const textFor = textsOf(candidates);
  const header = HEADER(projectName);
  let used = countTokens(header);
  const typeOf = (c: PushCandidate) => (c.kind === SAID ? ('observation' as const) : ('learning' as const));
  const verdicts = new Map(scored.map((s) => [s, s.item.kind === SAID ? saidVerdict.get(s.item) : gated.get(s)]));
  const refusalOf = (s: Scored<PushCandidate>) => verdicts.get(s);
  const ruleLike = (c: PushCandidate) => RULE_KINDS.includes(c.kind) || c.kind === SAID;
  // The one quote that will be shown (the best that passes): only it may hide a rule, so a rule is
  // never hidden behind a quote the agent does not get.
  const shownQuote = scored.find((o) => o.item.kind === SAID && !refusalOf(o));
  // …and only a statement: a person's request or question that goes against a rule ("can you add an edit form for
  // journal entries?" after "posted entries are immutable") asks for what the rule forbids; it does not change the rule.
  const quoteMayHide = shownQuote !== undefined && !asksSomething(shownQuote.item.body);
  // Amendments win: a later recorded rule that says it changes one that bears on the prompt comes with
  // it, though its own words meet the prompt less ("reservations are held 30 minutes now" after the
  // rule that named checkout, payment and stock); it takes the earlier rule's place in the order.
  const riding = new Map<Scored<PushCandidate>, Scored<PushCandidate>>();
  for (const s of scored) {
    if (!RULE_KINDS.includes(s.item.kind) || refusalOf(s)) continue;
    const later = scored.find((o) => o !== s && RULE_KINDS.includes(o.item.kind) && o.item.replaced_at === null && o.item.at > s.item.at && refusalOf(o) !== undefined && !riding.has(o) && replacesRule(textFor(o.item), textFor(s.item)).replaces);
    if (later) riding.set(later, s);
  }
  if (riding.size > 0) {
    const rest = scored.filter((o) => !riding.has(o));
    for (const [later, earlier] of riding) rest.splice(rest.indexOf(earlier), 0, later);
    scored.splice(0, scored.length, ...rest);
  }
  const refusalOfAll = (s: Scored<PushCandidate>) => (riding.has(s) ? undefined : refusalOf(s));
  for (const s of scored) {
    const c = s.item;
    const refusal = refusalOfAll(s);
    if (refusal) {
      // Only candidates that came near are listed: the rest share nothing with the prompt.
      if (s.score > 0) served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: `left out: ${refusal}`, included: false });
      continue;
    }
    // Two current rules on one topic, the later saying it changes something: the earlier is its old
    // version — unless the later one already replaced a rule when it was stated (that was its old version).
    // A person's later words count as a later rule here; their earlier words never hide a recorded rule.
    const newer = scored.find((o) => o !== s && o.item.replaced_at === null && ruleLike(o.item) && ruleLike(c) && o.item.at > c.at && !refusalOfAll(o) && (o.item.kind !== SAID || (o === shownQuote && quoteMayHide)) && replacesRule(textFor(o.item), textFor(c)).replaces);
    if (newer) {
      served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: `left out: a later rule on its topic (${day(newer.item.at)}) says it changes it`, included: false });
      continue;
    }
    if (c.pushed_before) {
      served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: 'left out: already pushed to this session', included: false });
      continue;
    }
    if (c.kind === SAID && chosen.filter((x) => x.c.kind === SAID).length >= SAID_GATE.MAX_ITEMS) {
      served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: `left out: ${SAID_GATE.MAX_ITEMS} earlier prompt quoted already`, included: false });
      continue;
    }
    if (c.kind !== SAID && chosen.length >= GATE.MAX_ITEMS) {
      served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: `left out: ${GATE.MAX_ITEMS} items pushed already`, included: false });
      continue;
    }
    const fitted = fittedLine(c, budget - used);
    const placed = fitted !== undefined;
    if (fitted) {
      used += fitted.cost;
      const amended = riding.get(s);
      const reason = amended
        ? `${c.kind}, changes the rule of ${day(amended.item.at)} that bears on this prompt (score ${amended.score.toFixed(2)}); its own score ${s.score.toFixed(2)}`
        : `${c.kind === SAID ? 'said by a person in an earlier session' : c.kind}, score ${s.score.toFixed(2)}; shares with the prompt: ${s.shared.slice(0, 5).join(', ')}`;
      chosen.push({ c, line: fitted.line, score: s.score, reason });
    }
    if (!placed) served.push({ id: c.id, type: typeOf(c), tokens: 0, score: s.score, reason: `left out: the ${budget}-token budget is spent`, included: false });
  }
  // The exact count of the whole (merges across lines make the sum of parts inexact): the weakest goes until it fits.
  let context = [header, ...chosen.map((x) => x.line)].join('\n');
  let tokens = countTokens(context);
  while (tokens > budget && chosen.length > 0) {
    const dropped = chosen.pop()!;
    served.push({ id: dropped.c.id, type: typeOf(dropped.c), tokens: 0, score: dropped.score, reason: `left out: the ${budget}-token budget is spent`, included: false });
    context = chosen.length > 0 ? [header, ...chosen.map((x) => x.line)].join('\n') : '';
    tokens = context ? countTokens(context) : 0;
  }
  if (chosen.length === 0) return { ...empty, served };
  return {
    context,
    tokens,
    items: chosen.map((x) => x.c.id),
    served: [...chosen.map((x) => ({ id: x.c.id, type: typeOf(x.c), tokens: countTokens(x.line), score: x.score, reason: x.reason, included: true })), ...served],
  };
}

/**
 * Loads what the first push would load (the word frequencies, the token counter, the rule markers):
 * the first push of 25 rules in a new process took 165-170 ms, 11-20 ms after this; the first prompt
 * after the API started would otherwise spend most of its hook's budget (MEMFLOW_PROMPT_PUSH_MS) on it,
 * and on a loaded machine get nothing. api/context/hook-context.ts calls it once the server is up.
 */
export function warmPromptPush(): void {
  const rule: PushCandidate = { id: 'warm-up', kind: 'decision', title: 'Retries are capped at 7', body: 'Retries are capped at 7, we decided.', origin: 'user', outcome: 'unverified', at: new Date(0), replaced_at: null, pushed_before: false };
  const said: PushCandidate = { ...rule, id: 'warm-up-said', kind: SAID, body: 'From now on retries are capped at 9.', at: new Date(1) };
  assemblePush('memflow', 'the retries give up too early: raise the cap', [rule, said]);
}

/** Projects whose rules are read when the API starts: the most recent with a session in the last WARM.DAYS days. */
const WARM = { PROJECTS: 20, DAYS: 14, TEXTS: 3_000, CHUNK: 25 } as const;

/**
 * Reads the current rules of the recently active projects into the push's term cache, WARM.CHUNK per
 * turn of the event loop (prompts are answered between turns): the first prompt of a project after
 * the API started read every rule of it (350–370 ms for 400 rules, past the hook's budget: nothing
 * pushed). Per project, only the rules its push reads (the MAX_RULES last stated), so a project with
 * more does not crowd the others out of WARM.TEXTS. api/context/hook-context.ts starts it once the
 * server is up. Returns the rules read.
 */
export async function warmProjectRules(pool: PgPool, opts: { signal?: AbortSignal; projects?: number; perProject?: number } = {}): Promise<number> {
  const { rows } = await pool.query<{ name: string; kind: string; title: string; body: string; scope: string[] | null }>(
    `with recent as (
       select project_id from sessions where started_at > now() - make_interval(days => $2)
       group by project_id order by max(started_at) desc limit $3
     )
     select name, kind, title, body, scope from (
       select p.name, l.kind::text as kind, l.title, l.body, l.scope, l.last_stated_at,
         row_number() over (partition by l.project_id order by l.last_stated_at desc) as nth
       from learnings l join projects p on p.id = l.project_id
       where l.project_id in (select project_id from recent) and ${currentRule(1)}
     ) ranked
     where nth <= $5
     order by last_stated_at desc limit $4`,
    [RULE_KINDS, WARM.DAYS, opts.projects ?? WARM.PROJECTS, WARM.TEXTS, opts.perProject ?? MAX_RULES],
  );
  const names = new Map<string, ReadonlySet<string>>();
  for (const [i, r] of rows.entries()) {
    if (opts.signal?.aborted) return i;
    let ignore = names.get(r.name);
    if (!ignore) names.set(r.name, (ignore = nameWords(r.name)));
    termsOf(scoredText(r), ignore);
    if (i % WARM.CHUNK === WARM.CHUNK - 1) await new Promise((done) => setImmediate(done));
  }
  return rows.length;
}

/** Whether a candidate's terms are read already (the cache warmProjectRules fills). */
export const termsReadFor = (projectName: string, c: Pick<PushCandidate, 'kind' | 'title' | 'body' | 'scope'>): boolean => termsKnown(scoredText(c), nameWords(projectName));

export async function buildPromptPush(pool: PgPool, req: PushRequest): Promise<BuiltPush> {
  const rows = await readPushCandidates(pool, req);
  return assemblePush(req.projectName ?? 'this project', req.prompt, rows, req.budget ?? PROMPT_PUSH_TOKENS);
}
