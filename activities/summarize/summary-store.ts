/**
 * Writes a summary: the row, its token usage and (for a final summary) its learnings in one short
 * transaction, so a retried activity never stores anything twice. A summary of activity that was
 * delivered late is dated by when that activity happened. The reads the summaries start from follow,
 * then the checks every answer passes before it is stored (checkedFields, checkedLearnings).
 */
import { ApplicationFailure, sleep } from '@temporalio/activity';
import { progressHeartbeat } from '../heartbeating.js';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS, type PrismaClient, type Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { tryLockProjectLearnings, type LearningMergeResult } from './learning-merge.js';
import { recordUsage, NO_USAGE, type Usage } from './summary-call.js';
import type { SummarizeContext } from './summarize-activities.js';
import { summaryText, type SummaryFields, type LearningCandidate } from './summary-prompt.js';
import type { Citation } from '../../common/rules/citations.js';
import type { OfflineObservation } from './offline.js';
import { citationsOfToolCall, rememberRead, settleCitations, type ReadFiles } from './summary-citations.js';
import { renamesOf } from '../../common/rules/renamed-symbols.js';
import { EDIT_TOOLS, commandOf, isFailedTitle, ownWork, type ObservationLine } from '../../common/rules/check-outcomes.js';
import { checkRunOf } from '../../common/rules/check-runs.js';
import { instructionShaped } from '../../common/rules/poison.js';
import { hasInstructionShape, neutralise } from '../../common/rules/tool-output-fence.js';

/** Activity that happened longer ago than this before its summary was written arrived late (from a spool). */
const LATE_ACTIVITY_MS = 10 * 60_000;
/** Longest a final summary waits for its project's learnings lock before the attempt fails (and is retried). */
const LEARNINGS_LOCK_WAIT_MS = 90_000;

/** The observations a summary covers: first and last sequence, and how many. */
export interface SummaryRange {
  from: number;
  to: number;
  count: number;
}

/** The model call a summary came from; none for an offline summary. */
export interface SummaryLlm {
  model: string;
  usage: Usage;
  requests: number;
  /** What the model path said the calls cost (an agent CLI may); else the price table's. */
  costUsd?: number;
}

/** The SummaryLlm of a model call's result: the model it recorded (or the one asked), usage, requests, cost. */
export const llmOf = (model: string, r: { usage: Usage; requests: number; costUsd?: number; model?: string }): SummaryLlm => ({
  model: r.model ?? model,
  usage: r.usage,
  requests: r.requests,
  ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
});

/**
 * A summary of activity that was delivered late (from a hook client's spool, see
 * X-Memflow-Occurred-At) is dated by when its latest covered activity happened, not when it was
 * written; a live session's summary keeps its own time.
 */
export async function happenedAt(prisma: PrismaClient, sessionId: string, range: { from: number; to: number }): Promise<Date | undefined> {
  const { _max } = await prisma.observation.aggregate({ _max: { createdAt: true }, where: { sessionId, sequence: { gte: range.from, lte: range.to } } });
  const latest = _max.createdAt;
  return latest && latest.getTime() < Date.now() - LATE_ACTIVITY_MS ? latest : undefined;
}

/** A summary's text columns: its fields (empty ones null), its prose and the prose's tokens. */
export function summaryColumns(fields: SummaryFields) {
  const text = summaryText(fields);
  return {
    title: fields.title,
    request: fields.request || null,
    investigated: fields.investigated || null,
    learned: fields.learned || null,
    completed: fields.completed || null,
    nextSteps: fields.nextSteps || null,
    text,
    tokenCount: countTokens(text),
  };
}

/**
 * Stores the summary and its usage in one short transaction; with `learnings`, also merges
 * them with the project's under the project's lock. Only the writes happen inside: what they need
 * is read before, and the wait for the lock (another session of the project merging) happens
 * between transactions, so no transaction waits for its turn while Prisma's timeout runs.
 */
export async function storeSummary(
  ctx: SummarizeContext,
  ids: SessionIds,
  kind: 'batch' | 'rolling' | 'final',
  fields: SummaryFields,
  range: SummaryRange,
  llm: SummaryLlm | null,
  learnings?: (tx: Tx, summaryId: string) => Promise<LearningMergeResult>,
  provenance?: { gitBranch: string | null; gitCommit: string | null; citations: object[] },
): Promise<{ id: string; learnings?: LearningMergeResult }> {
  const { prisma } = ctx;
  const usage = llm?.usage ?? NO_USAGE;
  const cost = llm ? (llm.costUsd ?? ctx.costOf(llm.model, usage)) : 0;
  try {
    const happened = await happenedAt(prisma, ids.sessionId, range);
    const data = {
      ...ids,
      ...(happened ? { createdAt: happened } : {}),
      kind,
      // Whichever summarizer wrote it: no instruction-shaped sentence is stored (checkedFields, below).
      ...summaryColumns(checkedFields(fields)),
      model: llm?.model ?? null,
      tokensIn: usage.tokensIn,
      tokensOut: usage.tokensOut,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      costUsd: cost,
      offline: llm === null,
      fromSequence: range.from,
      toSequence: range.to,
      observationCount: range.count,
      ...(provenance ?? {}),
    };
    const started = Date.now();
    for (let round = 0; ; round++) {
      const stored = await prisma.$transaction(async (tx) => {
        if (learnings && !(await tryLockProjectLearnings(tx, ids.projectId))) return undefined;
        const row = await tx.summary.create({ data });
        if (llm) await recordUsage(tx, ids.tenantId, usage, cost, llm.requests);
        const merged = learnings ? await learnings(tx, row.id) : undefined;
        return { id: row.id, ...(merged ? { learnings: merged } : {}) };
      }, TRANSACTION_OPTIONS);
      if (stored) return stored;
      if (Date.now() - started > LEARNINGS_LOCK_WAIT_MS) {
        throw ApplicationFailure.retryable(`the learnings of project ${ids.projectId} stayed locked by other sessions for ${LEARNINGS_LOCK_WAIT_MS / 1000} s`, Failure.DatabaseBusy);
      }
      progressHeartbeat({ waitingForLearningsLock: round + 1 });
      // Another session of the project merges (tens of milliseconds): try again soon, jittered
      // so that sessions ending together do not retry in step.
      await sleep(Math.min(500, 20 * 2 ** Math.min(round, 5)) * (0.5 + Math.random()));
    }
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    toActivityFailure(err);
  }
}

/**
 * What the summaries read of a session: its project's name, the observations a batch is chosen
 * from, and the provenance of its edits (branch, commit, the code each edit left).
 */
/** Candidate rows read per batch: more than any token budget fills with real observations. */
const CANDIDATE_ROWS = 500;
/** A tool call without its result for this long is summarized as it is. */
const OPEN_CALL_GRACE = '15 minutes';

export interface CandidateRow extends OfflineObservation {
  id: string;
  open: boolean;
}

export async function projectName(prisma: PrismaClient, sessionId: string): Promise<string> {
  const s = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { project: { select: { name: true } } } });
  return s.project.name;
}

/** Observations after `after`, in order, with whether each tool call still waits for its result. */
export function candidates(prisma: PrismaClient, sessionId: string, after: number): Promise<CandidateRow[]> {
  return prisma.$queryRawUnsafe<CandidateRow[]>(
    `SELECT o.id, o.sequence, o.kind::text AS kind, o.tool_name AS "toolName", o.title, o.text, o.token_count AS "tokenCount",
            (o.kind = 'tool' AND o.created_at > now() - interval '${OPEN_CALL_GRACE}' AND NOT EXISTS (
               SELECT 1 FROM hook_events h WHERE h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use')) AS open
       FROM observations o
      WHERE o.session_id = $1::uuid AND o.sequence > $2
      ORDER BY o.sequence
      LIMIT ${CANDIDATE_ROWS}`,
    sessionId,
    after,
  );
}

/**
 * The session's branch and commit, and the citations of the code each of its edits left (by
 * observation sequence), and the definitions its edits renamed, from the captured post-tool-use payloads.
 */
export async function sessionCitations(prisma: PrismaClient, sessionId: string) {
  const session = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { gitBranch: true, gitCommit: true, gitRoot: true, cwd: true } });
  const rows = await prisma.$queryRawUnsafe<{ sequence: number; toolName: string; payload: unknown }[]>(
    `SELECT o.sequence, o.tool_name AS "toolName", h.payload
       FROM observations o JOIN hook_events h ON h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use'
      WHERE o.session_id = $1::uuid AND o.tool_name IN ('Edit', 'MultiEdit', 'Write', 'Read')
      ORDER BY o.sequence`,
    sessionId,
  );
  const root = session.gitRoot ?? session.cwd;
  // An edit without a patch is located in what the session's earlier Reads showed of its file.
  const reads: ReadFiles = new Map();
  const edits: { sequence: number; citations: Citation[] }[] = [];
  for (const r of rows) {
    if (r.toolName === 'Read') rememberRead(reads, r.payload);
    else edits.push({ sequence: r.sequence, citations: citationsOfToolCall(r.toolName, r.payload, root, reads) });
  }
  const citations = settleCitations(edits);
  // Definitions the session's edits renamed: the anchors of what was said about them follow (./anchor-renames.ts).
  const renames = renamesOf(rows.filter((r) => r.toolName !== 'Read'));
  return { citations, git: { branch: session.gitBranch, commit: session.gitCommit }, renames };
}

/**
 * The checks every summary and every learning passes before it is stored, whichever summarizer wrote
 * it (offline or Claude): memory holds nothing a tool printed as if it were an instruction, no rule a
 * person did not state, and no line for a session that has nothing to teach.
 * - Every summary field: instruction-shaped sentences (common/rules/poison.ts) are replaced by a
 *   marker (common/rules/tool-output-fence.ts) — a model may have repeated them, a quote may carry them.
 * - Learnings: a convention or a decision must cite a prompt (a person stated it); one that cites only
 *   tool output is dropped. A learning shaped like an instruction is kept only when a person said it
 *   (its instruction-shaped sentences are in a prompt); otherwise it came from tool output and is dropped.
 * - A session with nothing to teach (no change, no failure, no rule stated, a short answer) keeps its
 *   summary for search and the viewer, but only as what was looked at: its learned/completed/next-steps
 *   fields are folded into "investigated", which the start context does not hand over
 *   (api/context/context-render.ts, teachesNothing).
 */
/** Every field of a summary with its instruction-shaped sentences removed. */
export function checkedFields<T extends SummaryFields>(fields: T): T {
  return {
    ...fields,
    title: neutralise(fields.title),
    request: neutralise(fields.request),
    investigated: neutralise(fields.investigated),
    learned: neutralise(fields.learned),
    completed: neutralise(fields.completed),
    nextSteps: neutralise(fields.nextSteps),
  };
}

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}_]{4,}/gu) ?? []);

/** Whether a person said this sentence: most of its words are in one prompt. */
function saidInPrompt(sentence: string, prompts: string[]): boolean {
  const w = words(sentence);
  if (w.size === 0) return false;
  return prompts.some((p) => {
    const pw = words(p);
    let hit = 0;
    for (const x of w) if (pw.has(x)) hit++;
    return hit / w.size >= 0.6;
  });
}

/** The learnings that may be stored (see the header), in order. */
export function checkedLearnings(candidates: LearningCandidate[], observations: ObservationLine[]): LearningCandidate[] {
  const bySequence = new Map(observations.map((o) => [o.sequence, o]));
  const prompts = observations.filter((o) => o.kind === 'prompt').map((o) => o.text);
  return candidates.filter((c) => {
    const cited = c.sources.map((s) => bySequence.get(s)).filter((o): o is ObservationLine => o !== undefined);
    const fromPerson = cited.some((o) => o.kind === 'prompt');
    if ((c.kind === 'convention' || c.kind === 'decision') && !fromPerson) return false;
    const text = `${c.title}\n${c.body.replace(/^Stated by the user: /, '')}`;
    if (!hasInstructionShape(text)) return true;
    const shaped = text.split(/(?<=[.!?])\s+|\n+/).filter((s) => instructionShaped(s));
    return fromPerson && shaped.every((s) => saidInPrompt(s, prompts));
  });
}

/** An answer of at most this many characters, on one line, is "a one-line answer". */
const SHORT_ANSWER = 200;

/**
 * Whether a session has nothing to teach: no change, no failed call, no check run, no learning kept
 * (no rule or decision stated), and its closing answer (if any) is short.
 */
export function teachesNothing(observations: ObservationLine[], learnings: readonly unknown[]): boolean {
  const own = ownWork(observations);
  if (learnings.length > 0) return false;
  if (own.some((o) => o.kind === 'tool' && (EDIT_TOOLS.has(o.toolName ?? '') || isFailedTitle(o)))) return false;
  if (own.some((o) => o.kind === 'tool' && o.toolName === 'Bash' && checkRunOf(commandOf(o)))) return false;
  const answer = [...own].reverse().find((o) => o.kind === 'stop' && o.text.trim())?.text.trim() ?? '';
  return answer.length <= SHORT_ANSWER && !answer.includes('\n');
}

/** A summary of a session with nothing to teach: what it did is kept as what was looked at. */
export function lookedAtOnly<T extends SummaryFields>(fields: T): T {
  const investigated = [fields.investigated, fields.learned, fields.completed, fields.nextSteps].map((s) => s.trim()).filter(Boolean).join(' ');
  return { ...fields, investigated, learned: '', completed: '', nextSteps: '' };
}
