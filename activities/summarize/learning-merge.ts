/**
 * Merges a session's learning candidates with what the project already knows, inside the
 * transaction that stores the final summary (so it happens exactly once per session):
 * - a candidate that supersedes a known learning is added, and the old one is kept with `valid_to`,
 *   status `superseded` and a pointer to its successor;
 * - one that restates a known learning (named by the model, same fingerprint, or near-identical title
 *   of the same kind) strengthens it: strength + 1, confidence up, new sources;
 * - anything else is a new learning.
 * Every change appends a revision; every learning links its evidence (observations and the summary).
 */
import { createHash } from 'node:crypto';
import type { Tx } from '../../common/server/db.js';
import { appendLearningRevision } from '../../common/server/learning-revisions.js';
import type { Citation } from '../../common/rules/citations.js';
import { poisonFlags } from '../../common/rules/poison.js';
import { notesItAmends, replacesRule, ruleAmendedLater, ruleItAmends, sameCodeVersionLater, sameCodeVersions, saysTheRuleChanges, SUPERSEDE, topicRarity, type DatedRuleText } from '../../common/rules/rule-scope.js';
import { countTokens } from '../../common/rules/tokens.js';
import { ANCHOR_ID, anchorsOf } from '../../common/rules/anchors.js';
import { mergeCitations } from './summary-citations.js';
import type { KeptCandidate, Outcome } from './summary-prompt.js';


const STOPWORDS = new Set('a an the of to in on for and or with by is are was be when if it its this that from at as after before not no'.split(' '));

export function titleWords(title: string): string[] {
  return [...new Set(title.toLowerCase().match(/[a-z0-9_]+/g) ?? [])].filter((w) => !STOPWORDS.has(w));
}

/** sha256 of kind + the title's words, sorted: word order and filler words do not make a new learning. */
export function learningFingerprint(kind: string, title: string): string {
  return createHash('sha256').update(`${kind}:${titleWords(title).sort().join(' ')}`).digest('hex');
}

function jaccard(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sb = new Set(b);
  const inter = a.filter((w) => sb.has(w)).length;
  return inter / (a.length + b.length - inter);
}

export interface KnownLearningRow {
  id: string;
  alias: string;
  kind: string;
  title: string;
}

export interface LearningMergeInput {
  tenantId: string;
  projectId: string;
  summaryId: string;
  /** Observation id and title by session sequence (the #N the candidates cite). */
  /** `at`: when it was recorded (a rule a person stated dates from its prompt). */
  observations: Map<number, { id: string; title: string; at?: Date }>;
  known: KnownLearningRow[];
  /**
   * The summarizer's candidates; a person's statement carries origin `user`, its scope and anchors, and may be a
   * note (./stated-learnings.ts). A candidate without anchors is anchored by its own words.
   */
  candidates: (KeptCandidate & { origin?: 'user'; scope?: string[]; anchors?: string[]; spoken?: string[] })[];
  changedBy: string;
  /** Citations of the code each edit observation left, by sequence (see common/rules/citations.ts). */
  citations?: Map<number, Citation[]>;
  /** Branch and HEAD commit of the session. */
  git?: { branch: string | null; commit: string | null };
}

/** A dead end is refuted by definition; otherwise what the extractor saw, else unverified. */
export function outcomeOf(c: Pick<KeptCandidate, 'kind' | 'outcome'>): Outcome {
  if (c.kind === 'dead_end') return 'refuted';
  return c.outcome ?? 'unverified';
}

export interface LearningMergeResult {
  created: string[];
  restated: string[];
  superseded: string[];
  /** Candidates dropped because none of their sources is an observation of the session. */
  dropped: number;
}

const RESTATE_SIMILARITY = 0.75;

/** First key of the advisory locks that serialize one project's learning merges. */
const MERGE_LOCK_SPACE = 0x6c726e; // "lrn"

/**
 * Takes the project's learnings lock for the rest of the transaction if it is free; false when
 * another transaction holds it. One merge of a project's learnings runs at a time: sessions
 * of a project that end together restate the same learnings in different orders, and without the
 * lock their transactions deadlocked (20 of 60 sessions in one bench:ingest run). The caller waits
 * for it outside any transaction (a transaction that waited inside for its turn outlived Prisma's
 * timeout, P2028, when ten sessions of a project ended at once on a loaded machine).
 */
export async function tryLockProjectLearnings(tx: Tx, projectId: string): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${MERGE_LOCK_SPACE}::int, hashtext(${projectId})) AS locked`;
  return row?.locked === true;
}

/** The earliest of some times (undefined when none is known). */
function earliest(times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((t): t is Date => t instanceof Date);
  return known.length === 0 ? undefined : new Date(Math.min(...known.map((t) => t.getTime())));
}

/** The rules stated no later than `at` (all of them when it is not known). */
function statedBefore<R extends DatedRuleText>(rules: R[], at: Date | undefined): R[] {
  return at ? rules.filter((r) => r.validFrom.getTime() <= at.getTime()) : rules;
}

type RuleOrNote = DatedRuleText & { kind: string; anchors: string[]; origin: string | null };

/**
 * What a rule may amend: the project's rules, and the notes that name code it names (an identifier anchor both hold), or
 * every note when it says in so many words that a rule changes (rule-scope.ts saysTheRuleChanges). A note is words no one settled; a rule about other code that merely shares two words with it and says "instead" (a
 * task's "show a dash there instead") must not retire a person's words about the code.
 */
function amendable(rules: RuleOrNote[], anchors: readonly string[], saysItChangesARule: boolean): RuleOrNote[] {
  // "change the rule then: open the breaker when …" names no code, but says a rule changes: the note it changes
  // ("Right, 5 in a row and 30 s.", on the agent's FailureThreshold) is among what it may amend (replacesRule decides).
  if (saysItChangesARule) return rules;
  const ids = new Set(anchors.filter((a) => a.startsWith(ANCHOR_ID)));
  return rules.filter((r) => r.kind !== 'note' || r.anchors.some((a) => ids.has(a)));
}

/**
 * The current rule of a person, stated after `statedAt`, that retires a note read after it (sessions summarized out of
 * order: the amendment's session was summarized first). The same test as when the rule is stored after the note: the
 * rule may amend it (amendable: it says a rule changes, or it names code the note is anchored to), and the note is the
 * rule it amends or a note it retires beside that one ("change the rule then: open the breaker when more than half of
 * the last 20 pushes failed" retires "Right, 5 in a row and 30 s." whichever session is summarized first). The earliest such.
 */
function noteAmendedLater(note: { title: string; body: string; anchors: string[] }, statedAt: Date, rules: RuleOrNote[]): RuleOrNote | undefined {
  const text = `${note.title}\n${note.body}`;
  const self: RuleOrNote = { id: '', kind: 'note', title: note.title, body: note.body, validFrom: statedAt, anchors: note.anchors, origin: 'user' };
  const amendsIt = (r: RuleOrNote) => {
    const later = `${r.title}\n${r.body}`;
    // Cheap first: the topic terms two statements must share for one to replace the other.
    if (replacesRule(later, text).shared.length < SUPERSEDE.MIN_SHARED) return false;
    const before = amendable([...rules.filter((x) => x.id !== r.id && x.validFrom.getTime() <= r.validFrom.getTime()), self], r.anchors, saysTheRuleChanges(later));
    if (!before.includes(self)) return false;
    const idf = topicRarity(before.map((x) => `${x.title}\n${x.body}`));
    const best = ruleItAmends(r, before, idf);
    return best !== undefined && (best.id === '' || notesItAmends(r, before, best.id, idf).includes(self));
  };
  return rules
    .filter((r) => RULE_KINDS.has(r.kind) && r.origin === 'user' && r.validFrom.getTime() > statedAt.getTime())
    .sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())
    .find(amendsIt);
}

/** The kinds of learning that are a project's rules (a person's decisions and conventions). */
const RULE_KINDS = new Set(['decision', 'convention']);
/** What a person states: their rules and their notes. */
const STATED_KINDS = new Set(['decision', 'convention', 'note']);

/**
 * The project's current rules (decisions and conventions) and a person's notes, read once per merge: a stated
 * rule that amends one of them replaces it (common/rules/rule-scope.ts ruleItAmends). A note is among them: a
 * person's earlier words about the code ("when the spool is full, Append drops the oldest segment"), read as a
 * note, are replaced by the rule that changes them ("change the rule then: …"), not pushed beside it.
 */
async function currentRules(tx: Tx, input: LearningMergeInput): Promise<RuleOrNote[]> {
  return tx.learning.findMany({
    where: { tenantId: input.tenantId, projectId: input.projectId, status: 'active', kind: { in: ['decision', 'convention', 'note'] } },
    select: { id: true, kind: true, title: true, body: true, validFrom: true, anchors: true, origin: true },
    orderBy: { lastStatedAt: 'desc' },
    take: 500,
  });
}

/**
 * A rule's scope and anchors, with those of the rule it replaces: an amendment is about what it amends ("make
 * that 9" names no constant; the rule it changes named MAX_ATTEMPTS, and the push at that code must find the
 * amendment).
 */
async function withReplaced(tx: Tx, scope: string[], anchors: string[], replacedId: string | undefined): Promise<{ scope: string[]; anchors: string[] }> {
  if (!replacedId) return { scope, anchors };
  const old = await tx.learning.findUnique({ where: { id: replacedId }, select: { scope: true, anchors: true } });
  return { scope: [...new Set([...scope, ...(old?.scope ?? [])])].slice(0, 60), anchors: [...new Set([...anchors, ...(old?.anchors ?? [])])].slice(0, 80) };
}

/**
 * The scope and anchors of a statement stored as already replaced (its session summarized after its newer version's),
 * added to that newer version's: what withReplaced gives an amendment stored after the statement it changes.
 */
async function takeOverAbout(tx: Tx, newerId: string, about: { scope: string[]; anchors: string[] }): Promise<string[] | undefined> {
  const newer = await tx.learning.findUnique({ where: { id: newerId }, select: { scope: true, anchors: true } });
  if (!newer) return undefined;
  const scope = [...new Set([...newer.scope, ...about.scope])].slice(0, 60);
  const anchors = [...new Set([...newer.anchors, ...about.anchors])].slice(0, 80);
  if (scope.length === newer.scope.length && anchors.length === newer.anchors.length) return newer.anchors;
  await tx.learning.update({ where: { id: newerId }, data: { scope, anchors } });
  return anchors;
}

/** `key:<id>` of the key that delivered the first of these observations' events that has one (a prompt's), else undefined. */
async function keyOfPrompt(tx: Tx, observationIds: string[]): Promise<string | undefined> {
  const [row] = await tx.$queryRaw<{ key_id: string }[]>`
    SELECT h.key_id::text AS key_id FROM observations o JOIN hook_events h ON h.id = ANY(o.source_event_ids)
     WHERE o.id = ANY(${observationIds}::uuid[]) AND h.key_id IS NOT NULL ORDER BY o.sequence, h.sequence LIMIT 1`;
  return row ? `key:${row.key_id}` : undefined;
}

/** Merges the candidates; the caller holds the project's lock (tryLockProjectLearnings) in `tx`. */
export async function mergeLearnings(tx: Tx, input: LearningMergeInput): Promise<LearningMergeResult> {
  const result: LearningMergeResult = { created: [], restated: [], superseded: [], dropped: 0 };
  const byAlias = new Map(input.known.map((k) => [k.alias, k]));
  // The same point twice in one answer is one learning stated once, with both sets of sources.
  const merged = new Map<string, LearningMergeInput['candidates'][number]>();
  for (const c of input.candidates) {
    const key = learningFingerprint(c.kind, c.title);
    const prev = merged.get(key);
    merged.set(key, prev ? { ...prev, sources: [...prev.sources, ...c.sources] } : c);
  }
  let rules: RuleOrNote[] | undefined;
  /** What this merge created: a session's own statements are parts of one account, not versions of one another. */
  const madeHere = new Set<string>();
  // What a person said in a prompt (origin `user`) is read out of the conversation here, not stated to
  // memflow on purpose: the review trigger holds it as the project's stated-rule policy says
  // (migration 20261129100000_stated_rules_review). Transaction-local.
  await tx.$executeRaw`SELECT set_config('memflow.stated_from_prompt', 'on', true)`;
  for (const c of merged.values()) {
    const sources = [...new Set(c.sources)].map((n) => input.observations.get(n)).filter((o) => o !== undefined);
    if (sources.length === 0) {
      result.dropped++;
      continue;
    }
    const fingerprint = learningFingerprint(c.kind, c.title);
    const sequences = [...new Set(c.sources)].sort((a, b) => a - b);
    const citations = mergeCitations(sequences.flatMap((n) => input.citations?.get(n) ?? []));
    const outcome = outcomeOf(c);
    const flags = poisonFlags(c.title, c.body);
    const anchors = c.anchors ?? anchorsOf([c.title, c.body], c.scope ?? []);
    const provenance = {
      // A session without git state (plain http hooks) leaves what an earlier one recorded.
      ...(input.git?.commit ? { gitBranch: input.git.branch, gitCommit: input.git.commit } : {}),
      ...(citations.length > 0 ? { citations: citations as unknown as object[] } : {}),
    };
    // A person's rule dates from the prompt that stated it, not from when its session was summarized,
    // and is theirs: its revisions name the key that delivered the prompt (its person is statedBy).
    const statedAt = c.origin === 'user' ? earliest(sources.map((o) => o.at)) : undefined;
    const by = c.origin === 'user' ? ((await keyOfPrompt(tx, sources.map((o) => o.id))) ?? input.changedBy) : input.changedBy;
    let superseded: { id: string } | undefined = c.supersedes ? byAlias.get(c.supersedes) : undefined;
    /** Notes the amendment retires besides `superseded` (notesItAmends). */
    let alsoNotes: { id: string }[] = [];
    let targetId: string | undefined;
    if (!superseded) {
      const sameFingerprint = await tx.learning.findUnique({
        where: { tenantId_projectId_fingerprint: { tenantId: input.tenantId, projectId: input.projectId, fingerprint } },
        select: { id: true },
      });
      const words = titleWords(c.title);
      targetId =
        sameFingerprint?.id ??
        (c.restates ? byAlias.get(c.restates)?.id : undefined) ??
        input.known.find((k) => k.kind === c.kind && jaccard(words, titleWords(k.title)) >= RESTATE_SIMILARITY)?.id;
      // A rule a person states anew about the topic of a current rule is its new version (an amendment).
      // Only a rule stated before it: one stated after it (its session summarized first) is newer.
      if (!targetId && c.origin === 'user' && RULE_KINDS.has(c.kind)) {
        const before = statedBefore(amendable((rules ??= await currentRules(tx, input)), anchors, saysTheRuleChanges(`${c.title}\n${c.body}`)), statedAt);
        // The topics' rarity over these rules, read once for both checks.
        const idf = topicRarity(before.map((r) => `${r.title}\n${r.body}`));
        superseded = ruleItAmends(c, before, idf);
        if (superseded) alsoNotes = notesItAmends(c, before, superseded.id, idf);
      }
      // A person's later statement about the same code (an identifier both name, or the later one calls it by its words)
      // that says it changes something or sets another number: the earlier ones are its old versions, whatever words the
      // two share (another language, a yes to the agent's proposal). A note too: what a person said last about the code is
      // what is pushed there.
      if (!targetId && !superseded && c.origin === 'user' && STATED_KINDS.has(c.kind)) {
        const earlier = (rules ??= await currentRules(tx, input)).filter((r) => !madeHere.has(r.id) && (!statedAt || r.validFrom.getTime() < statedAt.getTime()));
        const same = sameCodeVersions(c, c.spoken ?? [], earlier);
        if (same.length > 0) [superseded, ...alsoNotes] = same;
      }
    }
    // Sessions summarized out of order (a backlog, a relay that delivered late): a current rule stated
    // after this one that amends it is its newer version, so this one is stored as already replaced.
    // A person's later statement about the same code (sameCodeVersions) replaces a rule or a note the same way.
    const laterStatements = async () => ((rules ??= await currentRules(tx, input))).filter((r) => r.origin === 'user' && !madeHere.has(r.id));
    const replacedBy =
      !targetId && !superseded && statedAt && STATED_KINDS.has(c.kind)
        ? ((RULE_KINDS.has(c.kind) ? ruleAmendedLater(c, statedAt, (rules ??= await currentRules(tx, input))) : noteAmendedLater({ title: c.title, body: c.body, anchors }, statedAt, (rules ??= await currentRules(tx, input)).filter((r) => !madeHere.has(r.id)))) ??
          sameCodeVersionLater({ id: '', title: c.title, body: c.body, anchors }, statedAt, await laterStatements()))
        : undefined;

    let learningId: string;
    if (targetId) {
      const old = await tx.learning.findUniqueOrThrow({ where: { id: targetId } });
      // Someone said it is wrong: a session saying it again does not make it right.
      if (old.tags.includes('marked-wrong')) {
        result.dropped++;
        continue;
      }
      const updated = await tx.learning.update({
        where: { id: targetId },
        data: {
          strength: { increment: 1 },
          confidence: Math.min(0.99, Math.max(old.confidence, c.confidence) + 0.05),
          lastStatedAt: new Date(),
          // A superseded learning stated again comes back; seen again today, it is fresh again.
          status: 'active',
          validTo: null,
          staleCount: 0,
          ...provenance,
          ...(outcome !== 'unverified' ? { outcome } : {}),
          flags: [...new Set([...old.flags, ...flags])],
          anchors: [...new Set([...old.anchors, ...anchors])].slice(0, 80),
          ...(c.appliesWhen?.length ? { appliesWhen: [...new Set([...old.appliesWhen, ...c.appliesWhen])].slice(0, 12) } : {}),
        },
      });
      await appendLearningRevision(tx, updated, 'restated', by);
      learningId = targetId;
      result.restated.push(targetId);
    } else {
      const about = await withReplaced(tx, c.scope ?? [], anchors, superseded?.id);
      const created = await tx.learning.upsert({
        // The fingerprint may belong to an old superseded learning with the same title: take it over.
        where: { tenantId_projectId_fingerprint: { tenantId: input.tenantId, projectId: input.projectId, fingerprint } },
        create: {
          tenantId: input.tenantId,
          projectId: input.projectId,
          kind: c.kind,
          title: c.title,
          body: c.body,
          confidence: c.confidence,
          fingerprint,
          tokenCount: countTokens(`${c.title}\n${c.body}`),
          outcome,
          flags,
          ...(c.origin ? { origin: c.origin } : {}),
          ...about,
          ...(c.appliesWhen?.length ? { appliesWhen: c.appliesWhen } : {}),
          ...(statedAt ? { validFrom: statedAt, lastStatedAt: statedAt } : {}),
          ...(replacedBy ? { status: 'superseded' as const, validTo: replacedBy.validFrom, supersededById: replacedBy.id } : {}),
          ...provenance,
        },
        update: {
          body: c.body,
          ...(c.origin ? { origin: c.origin } : {}),
          ...(c.scope ? { scope: about.scope } : {}),
          anchors: about.anchors,
          ...(c.appliesWhen?.length ? { appliesWhen: c.appliesWhen } : {}),
          confidence: c.confidence,
          ...(replacedBy ? { status: 'superseded' as const, validTo: replacedBy.validFrom, supersededById: replacedBy.id } : { status: 'active' as const, validTo: null, supersededById: null }),
          lastStatedAt: statedAt ?? new Date(),
          outcome,
          flags,
          staleCount: 0,
          ...provenance,
        },
      });
      await appendLearningRevision(tx, created, replacedBy ? 'superseded' : 'created', by);
      // The newer version is about what it changed, as when it was stored after this one (withReplaced).
      if (replacedBy) {
        const anchorsNow = await takeOverAbout(tx, replacedBy.id, about);
        // The rules read for this merge see it too (the session's next candidates are compared with it).
        if (rules && anchorsNow) rules = rules.map((r) => (r.id === replacedBy.id ? { ...r, anchors: anchorsNow } : r));
      }
      learningId = created.id;
      result.created.push(created.id);
      madeHere.add(created.id);
      for (const replaced of superseded ? [superseded, ...alsoNotes] : []) {
        if (replaced.id === created.id) continue;
        const old = await tx.learning.update({
          where: { id: replaced.id },
          data: { status: 'superseded', validTo: new Date(), supersededById: created.id },
        });
        await appendLearningRevision(tx, old, 'superseded', input.changedBy);
        result.superseded.push(replaced.id);
      }
      // The rules read for this reconciliation stay current for the next candidate of the session.
      if (rules && RULE_KINDS.has(c.kind) && !replacedBy) rules = [{ id: created.id, kind: c.kind, title: c.title, body: c.body, validFrom: statedAt ?? new Date(), anchors, origin: c.origin ?? null }, ...rules.filter((r) => r.id !== superseded?.id && r.id !== created.id && !alsoNotes.some((n) => n.id === r.id))];
      else if (rules && superseded) rules = rules.filter((r) => r.id !== superseded?.id && !alsoNotes.some((n) => n.id === r.id));
    }
    await tx.learningSource.createMany({
      data: [
        ...sources.map((o) => ({ learningId, observationId: o.id, evidence: o.title })),
        { learningId, summaryId: input.summaryId, evidence: null },
      ],
      skipDuplicates: true,
    });
  }
  return result;
}
